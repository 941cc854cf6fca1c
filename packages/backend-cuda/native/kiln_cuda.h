// Shared declarations between the N-API glue (.cc, compiled by the host compiler) and the CUDA
// kernels (.cu, compiled by nvcc). Launchers return cudaError_t; the caller checks it and names
// the kernel in the error it throws.
#pragma once
#include <cstdint>
#include <cuda_runtime_api.h>

namespace kiln {

constexpr int kMaxRank = 8;

// Element types on the device. Codes match src/internal/codes.ts.
enum DType : int { kF32 = 0, kI32 = 1, kBool = 2 };

inline int dtypeSize(int dt) { return dt == kBool ? 1 : 4; }

// Op codes: the index of each op in the contract's union, as listed in src/internal/codes.ts.
enum UnaryOp : int {
  kNeg, kAbs, kSign, kSquare, kExp, kExpm1, kLog, kLog1p, kSqrt, kRsqrt, kReciprocal, kSin, kCos, kTan,
  kAsin, kAcos, kAtan, kSinh, kCosh, kTanh, kSigmoid, kRelu, kErf, kFloor, kCeil, kRound, kTrunc,
  kLogicalNot, kIsnan, kIsinf, kIsfinite, kGeluErf, kGeluTanh
};
enum BinaryOp : int {
  kAdd, kSub, kMul, kDiv, kPow, kMax, kMin, kAtan2, kFmod, kRemainder, kEq, kNe, kLt, kLe, kGt, kGe,
  kLogicalAnd, kLogicalOr, kLogicalXor
};
enum ReduceOp : int { kSum, kProd, kRMax, kRMin, kArgmax, kArgmin, kAny, kAll };
enum ScanOp : int { kCumsum, kCumprod, kCummax, kCummin };

// A shape of rank <= 8, passed to kernels by value.
struct Shape {
  int rank;
  int64_t size[kMaxRank];
};

// One strided operand: `ptr` already points at the view's first element; strides in elements.
struct Operand {
  char* ptr;
  int64_t stride[kMaxRank];
};

inline bool isContiguous(const Shape& s, const Operand& o) {
  int64_t expect = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    if (s.size[d] != 1 && o.stride[d] != expect) return false;
    expect *= s.size[d];
  }
  return true;
}

// Launch geometry shared by every grid-stride kernel: never an invalid configuration.
inline unsigned gridFor(int64_t n, int threads) {
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks < 1) blocks = 1;
  if (blocks > 65535LL * 32) blocks = 65535LL * 32;
  return static_cast<unsigned>(blocks);
}

// elementwise.cu
cudaError_t launchUnary(cudaStream_t s, int op, int64_t n, const Shape& shape, const Operand& x, int xd,
                        char* out, int od);
cudaError_t launchBinary(cudaStream_t s, int op, int64_t n, const Shape& shape, const Operand& a,
                         const Operand& b, int dt, char* out, int od);
cudaError_t launchWhere(cudaStream_t s, int64_t n, const Shape& shape, const Operand& c, const Operand& a,
                        const Operand& b, int esize, char* out);
cudaError_t launchCast(cudaStream_t s, int64_t n, const Shape& shape, const Operand& x, int xd, char* out,
                       int od);
cudaError_t launchCopy(cudaStream_t s, int64_t n, const Shape& shape, const Operand& src, const Operand& dst,
                       int esize);
cudaError_t launchFill(cudaStream_t s, int64_t n, const Shape& shape, const Operand& dst, int esize,
                       uint32_t bits);
cudaError_t launchArange(cudaStream_t s, char* out, int od, int64_t n, double start, double step);
cudaError_t launchRandom(cudaStream_t s, float* out, int64_t n, int normal, uint32_t k0, uint32_t k1,
                         uint64_t offset);
cudaError_t launchAdam(cudaStream_t s, float* p, const float* g, float* m, float* v, int64_t n, float lr,
                       float beta1, float beta2, float eps, float wd, int decoupled, int maximize,
                       float bc1, float bc2sqrt);
cudaError_t launchSgd(cudaStream_t s, float* p, const float* g, float* buf, int64_t n, float lr, float momentum,
                      float dampening, float wd, int nesterov, int maximize, int firstStep);

// reduce.cu
struct ReduceArgs {
  int64_t outer, inner;
  Shape kept, red;
  Operand xKept, xRed;
  char* out;
  int xd, od;
};
// Returns the number of float-sized scratch slots needed for partial results (0: single pass).
int64_t reduceScratchBytes(const ReduceArgs& r, int op, int smCount, int* chunks);
cudaError_t launchReduce(cudaStream_t s, int op, const ReduceArgs& r, int chunks, void* scratch);
cudaError_t launchScan(cudaStream_t s, int op, int64_t outer, int64_t len, const Shape& kept,
                       const Operand& xKept, int64_t xAxisStride, int xd, const Operand& outKept,
                       int64_t outAxisStride, int od);
cudaError_t launchSoftmax(cudaStream_t s, const float* x, float* out, int64_t outer, int64_t len,
                          int64_t inner, int logSoftmax);
cudaError_t launchLayerNorm(cudaStream_t s, const float* x, const float* w, const float* b, float* out,
                            float* mean, float* rstd, int64_t rows, int64_t n, float eps);

// index.cu
cudaError_t launchGather(cudaStream_t s, int64_t n, const Shape& shape, const Operand& idx, const Operand& x,
                         int64_t xAxisStride, char* out, int esize);
cudaError_t launchScatterAdd(cudaStream_t s, int64_t n, const Shape& shape, const Operand& idx,
                             const Operand& src, const Operand& dst, int64_t dstAxisStride, int dt);
cudaError_t launchIndexSelect(cudaStream_t s, int64_t n, const Shape& shape, int axis, const Operand& x,
                              const int32_t* idx, int64_t idxStride, char* out, int esize);
cudaError_t launchIm2col(cudaStream_t s, const float* x, const int64_t* xs, int N, int C, int H, int W, int kh,
                         int kw, int sh, int sw, int ph, int pw, int dh, int dw, int Ho, int Wo, float* col);
cudaError_t launchCol2im(cudaStream_t s, const float* col, int N, int C, int H, int W, int kh, int kw, int sh,
                         int sw, int ph, int pw, int dh, int dw, int Ho, int Wo, float* x);
cudaError_t launchBiasAdd(cudaStream_t s, float* out, const float* bias, int64_t biasStride, int64_t N,
                          int64_t C, int64_t L);
cudaError_t launchMaxPool2d(cudaStream_t s, const float* x, const int64_t* xs, int N, int C, int H, int W,
                            int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int Ho, int Wo,
                            float* out, int32_t* indices);

// gemm.cu: row-major C[b] = op(A[b]) (m x k) * op(B[b]) (k x n) + beta * C[b], the fallback when
// cuBLAS is absent.
cudaError_t launchGemm(cudaStream_t s, bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                       const float* A, int64_t lda, int64_t strideA, const float* B, int64_t ldb,
                       int64_t strideB, float* C, int64_t ldc, int64_t strideC, int64_t batch, float beta);

}  // namespace kiln
