// The addon's own GEMM, used when cuBLAS cannot be loaded: 64x64 output tiles, 16-deep panels in
// shared memory, a 4x4 register tile per thread. Row-major, with transposable strided operands.
#include "device_util.cuh"

namespace kiln {

constexpr int kTile = 64;
constexpr int kDepth = 16;

__global__ void __launch_bounds__(256) gemmKernel(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* A,
                                                  int64_t lda, int64_t sA, const float* B, int64_t ldb, int64_t sB,
                                                  float* C, int64_t ldc, int64_t sC, int64_t batch, float beta) {
  __shared__ float As[kDepth][kTile + 4];
  __shared__ float Bs[kDepth][kTile + 4];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  for (int64_t b = blockIdx.z; b < batch; b += gridDim.z) {
    const float* Ab = A + b * sA;
    const float* Bb = B + b * sB;
    float* Cb = C + b * sC;
    float acc[4][4] = {};
    for (int64_t p0 = 0; p0 < k; p0 += kDepth) {
      for (int e = threadIdx.x; e < kTile * kDepth; e += blockDim.x) {
        // A tile: rows row0..+64, depth p0..+16. Pick the walk order that reads memory in a row.
        int r, c;
        if (ta) { r = e % kTile; c = e / kTile; } else { r = e / kDepth; c = e % kDepth; }
        const int64_t gi = row0 + r, gp = p0 + c;
        As[c][r] = (gi < m && gp < k) ? (ta ? Ab[gp * lda + gi] : Ab[gi * lda + gp]) : 0.f;
        int rb, cb;
        if (tb) { rb = e % kDepth; cb = e / kDepth; } else { rb = e / kTile; cb = e % kTile; }
        const int64_t gq = p0 + rb, gj = col0 + cb;
        Bs[rb][cb] = (gq < k && gj < n) ? (tb ? Bb[gj * ldb + gq] : Bb[gq * ldb + gj]) : 0.f;
      }
      __syncthreads();
#pragma unroll
      for (int p = 0; p < kDepth; ++p) {
        float a[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) a[i] = As[p][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; ++j) bv[j] = Bs[p][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
          for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * bv[j];
      }
      __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int64_t gi = row0 + ty + 16 * i;
      if (gi >= m) continue;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int64_t gj = col0 + tx + 16 * j;
        if (gj >= n) continue;
        float* c = Cb + gi * ldc + gj;
        *c = beta == 0.f ? acc[i][j] : acc[i][j] + beta * *c;
      }
    }
  }
}

cudaError_t launchGemm(cudaStream_t s, bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A,
                       int64_t lda, int64_t strideA, const float* B, int64_t ldb, int64_t strideB, float* C,
                       int64_t ldc, int64_t strideC, int64_t batch, float beta) {
  if (m <= 0 || n <= 0 || batch <= 0) return cudaSuccess;
  const int64_t gx = (n + kTile - 1) / kTile, gy = (m + kTile - 1) / kTile;
  if (gx > 0x7fffffffLL || gy > 65535) return cudaErrorInvalidConfiguration;
  const unsigned gz = static_cast<unsigned>(batch < 65535 ? batch : 65535);
  gemmKernel<<<dim3(static_cast<unsigned>(gx), static_cast<unsigned>(gy), gz), 256, 0, s>>>(
      transA, transB, m, n, k, A, lda, strideA, B, ldb, strideB, C, ldc, strideC, batch, beta);
  return cudaGetLastError();
}

}  // namespace kiln
