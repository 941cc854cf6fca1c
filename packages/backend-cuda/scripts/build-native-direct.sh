#!/usr/bin/env bash
# Builds build/Release/kiln_cuda.node with nvcc and g++ directly, without node-gyp, from the
# headers scripts/pack-headers.sh carried (.device/headers.tar). For the GPU machine only.
set -euo pipefail
root=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
cd "$root"
tar -xf .device/headers.tar -C .device
inc=.device/headers
pkg=packages/backend-cuda
obj=$pkg/build/direct
mkdir -p "$obj" "$pkg/build/Release"
nvcc_bin=$(command -v nvcc)
cuda_home=$(dirname "$(dirname "$(readlink -f "$nvcc_bin")")")
arch="-gencode arch=compute_90,code=[sm_90,compute_90]"
for f in elementwise reduce index gemm; do
  "$nvcc_bin" -std=c++17 -O3 -Xcompiler -fPIC $arch -c "$pkg/native/$f.cu" -o "$obj/$f.o" &
done
for f in addon allocator cublas_loader; do
  g++ -std=c++17 -O3 -fPIC -fexceptions -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DBUILDING_NODE_EXTENSION \
    -I"$inc/node" -I"$inc/node-addon-api" -I"$cuda_home/include" -c "$pkg/native/$f.cc" -o "$obj/$f.o" &
done
wait
g++ -shared -o "$pkg/build/Release/kiln_cuda.node" "$obj"/*.o -L"$cuda_home/lib64" -L"$cuda_home/lib" \
  -lcudart_static -lrt -lpthread -ldl
echo "built $pkg/build/Release/kiln_cuda.node with $nvcc_bin"
