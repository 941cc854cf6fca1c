#!/usr/bin/env bash
# The one command the GPU machine runs for @kiln/backend-cuda (no Node, pnpm or registry there).
#
# Here, first (from the repository root):
#   pnpm --filter @kiln/tensor --filter @kiln/backend-cuda build && pnpm --filter @kiln/backend-cuda build:native && ../shared/device/pack.sh
#   packages/backend-cuda/scripts/pack-headers.sh   # optional: lets the device rebuild the addon
# Then one device run, with carry [".device"] and a timeout of about 420 s:
#   bash packages/backend-cuda/scripts/run-on-device.sh
#
# It unpacks Node and the built packages (as pack.sh prints), puts the machine's libcublas on the
# library path, runs the CUDA check (conformance + benchmarks) and PyTorch's benchmarks, and writes
# $OUT/gpu-check.json, $OUT/torch.json and $OUT/summary.json (ratios against the issue's targets).
set -uo pipefail
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
OUT=${OUT:-$PWD/.device/out}
mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1

python3 -c "import lzma,shutil;shutil.copyfileobj(lzma.open('.device/node.xz'),open('.device/node','wb'))" &&
  chmod +x .device/node && export PATH=$PWD/.device:$PATH && tar -xf .device/built.tar || {
  echo "unpacking .device failed (run pack.sh here first)"
  exit 3
}
node --version
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || echo "nvidia-smi unavailable"

# cuBLAS lives in Python's nvidia-cublas wheel there, usually off the default library path.
cublas=$(find / -xdev \( -name 'libcublas.so.13' -o -name 'libcublas.so.12' \) 2>/dev/null | head -1)
if [ -n "$cublas" ]; then
  echo "cuBLAS: $cublas"
  export LD_LIBRARY_PATH="$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export KILN_CUBLAS_PATH="$cublas"
else
  echo "cuBLAS: not found; matmul uses the addon's own kernel"
fi

check() { timeout "${1}" node packages/backend-cuda/scripts/gpu-check.mjs "$OUT/gpu-check.json"; }

check 300
status=$?
# A driver older than the toolkit the addon was built with (CUDA 13 here): rebuild with the
# machine's nvcc when the headers were carried, then try again.
if [ $status -eq 2 ] && grep -q 'driver supports CUDA\|no CUDA driver' "$OUT/gpu-check.json" 2>/dev/null &&
  [ -f .device/headers.tar ] && command -v nvcc >/dev/null; then
  echo "rebuilding the addon with $(command -v nvcc)"
  bash packages/backend-cuda/scripts/build-native-direct.sh && check 300
  status=$?
fi

timeout 240 python3 packages/backend-cuda/scripts/gpu-check-torch.py "$OUT/torch.json" || echo "torch benchmarks failed"

node -e '
const fs = require("fs");
const out = process.argv[1];
const read = (f) => { try { return JSON.parse(fs.readFileSync(out + "/" + f, "utf8")); } catch { return null; } };
const k = read("gpu-check.json"), t = read("torch.json");
const s = { status: Number(process.argv[2]) };
if (k && k.bench && t) {
  const r = (a, b) => (a && b ? a / b : null);
  s.matmulTf32OffVsTorch = r(k.bench.matmul4096?.gflops, t.matmul4096?.gflops);
  s.matmulTf32OnVsTorch = r(k.bench.matmul4096Tf32?.gflops, t.matmul4096Tf32?.gflops);
  s.mlpStepTimeVsTorch = r(k.bench.mlpStep?.msPerStep, t.mlpStep?.msPerStep);
  s.addBandwidthVsTorch = r(k.bench.add256M?.gbPerSecond, t.add256M?.gbPerSecond);
  s.targets = { matmul: ">= 0.9", mlp: "<= 1.5", add: ">= 0.8" };
}
if (k && k.conformance) {
  s.kernelGolden = { passed: k.conformance.kernelGolden?.passed, failed: k.conformance.kernelGolden?.failed?.length };
  s.shared = k.conformance.shared && { passed: k.conformance.shared.passed, failed: k.conformance.shared.failed, skipped: k.conformance.shared.skipped };
}
fs.writeFileSync(out + "/summary.json", JSON.stringify(s, null, 2) + "\n");
console.log("[summary]", JSON.stringify(s));
' "$OUT" "$status"
exit $status
