// Device helpers shared by the kernel files.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>
#include <type_traits>
#include "kiln_cuda.h"

namespace kiln {

constexpr int kThreads = 256;

#define KILN_GRID_STRIDE(i, n)                                                          \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

// Element offsets of linear index `i` (row-major over `s`) in up to three operands.
template <int N>
__device__ __forceinline__ void offsetsOf(const Shape& s, const Operand* ops, int64_t i, int64_t* off) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
#pragma unroll
  for (int d = kMaxRank - 1; d >= 0; --d) {
    if (d < s.rank) {
      const int64_t sz = s.size[d];
      const int64_t idx = i % sz;
      i /= sz;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += idx * ops[k].stride[d];
    }
  }
}

__device__ __forceinline__ int64_t offsetOf(const Shape& s, const Operand& o, int64_t i) {
  int64_t off = 0;
#pragma unroll
  for (int d = kMaxRank - 1; d >= 0; --d) {
    if (d < s.rank) {
      const int64_t sz = s.size[d];
      off += (i % sz) * o.stride[d];
      i /= sz;
    }
  }
  return off;
}

template <typename T>
__device__ __forceinline__ bool isNan(T v) {
  if constexpr (std::is_same<T, float>::value) return v != v;
  return false;
}

}  // namespace kiln
