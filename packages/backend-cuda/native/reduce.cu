// Reductions over a set of axes, inclusive scans, softmax / log-softmax and layer norm.
#include <cfloat>
#include <climits>
#include "device_util.cuh"

namespace kiln {

template <typename A>
struct Acc {
  A v;
  int64_t i;
};

template <typename T>
__device__ __forceinline__ T lowest() {
  if constexpr (std::is_same<T, float>::value) return -INFINITY;
  else if constexpr (std::is_same<T, int32_t>::value) return INT_MIN;
  else return 0;
}
template <typename T>
__device__ __forceinline__ T highest() {
  if constexpr (std::is_same<T, float>::value) return INFINITY;
  else if constexpr (std::is_same<T, int32_t>::value) return INT_MAX;
  else return 1;
}

// Per-op accumulator semantics. `A` is the accumulator type, `T` the input element type.
template <int OP, typename T, typename A>
struct Reducer {
  __device__ static Acc<A> init() {
    if (OP == kSum || OP == kAny) return {A(0), INT64_MAX};
    if (OP == kProd || OP == kAll) return {A(1), INT64_MAX};
    if (OP == kRMax || OP == kArgmax) return {static_cast<A>(lowest<T>()), INT64_MAX};
    return {static_cast<A>(highest<T>()), INT64_MAX};
  }
  __device__ static Acc<A> merge(Acc<A> a, Acc<A> b) {
    switch (OP) {
      case kSum: return {static_cast<A>(a.v + b.v), 0};
      case kProd: return {static_cast<A>(a.v * b.v), 0};
      case kAny: return {A(a.v || b.v), 0};
      case kAll: return {A(a.v && b.v), 0};
      case kRMax:
        if (isNan(a.v)) return a;
        if (isNan(b.v)) return b;
        return {a.v > b.v ? a.v : b.v, 0};
      case kRMin:
        if (isNan(a.v)) return a;
        if (isNan(b.v)) return b;
        return {a.v < b.v ? a.v : b.v, 0};
      case kArgmax:
      case kArgmin: {
        const bool an = isNan(a.v), bn = isNan(b.v);
        if (an || bn) {
          if (an && bn) return a.i <= b.i ? a : b;
          return an ? a : b;
        }
        if (a.v == b.v) return a.i <= b.i ? a : b;
        const bool bBetter = OP == kArgmax ? b.v > a.v : b.v < a.v;
        return bBetter ? b : a;
      }
    }
    return a;
  }
  __device__ static Acc<A> lift(T x, int64_t i) {
    if (OP == kAny || OP == kAll) return {A(x != T(0)), i};
    return {static_cast<A>(x), i};
  }
};

template <int OP, typename T, typename A, typename O>
__device__ __forceinline__ void store(O* out, int64_t o, Acc<A> acc) {
  if (OP == kArgmax || OP == kArgmin) out[o] = static_cast<O>(acc.i == INT64_MAX ? 0 : acc.i);
  else out[o] = static_cast<O>(acc.v);
}

// One thread per output element: best when there are many outputs.
template <int OP, typename T, typename A, typename O>
__global__ void reduceThreadKernel(ReduceArgs r) {
  const T* x = reinterpret_cast<const T*>(r.xKept.ptr);
  O* out = reinterpret_cast<O*>(r.out);
  KILN_GRID_STRIDE(o, r.outer) {
    const int64_t base = offsetOf(r.kept, r.xKept, o);
    Acc<A> acc = Reducer<OP, T, A>::init();
    for (int64_t j = 0; j < r.inner; ++j) {
      acc = Reducer<OP, T, A>::merge(acc, Reducer<OP, T, A>::lift(x[base + offsetOf(r.red, r.xRed, j)], j));
    }
    store<OP, T, A, O>(out, o, acc);
  }
}

template <int OP, typename T, typename A>
__device__ Acc<A> blockReduce(Acc<A> acc) {
  __shared__ A sv[kThreads];
  __shared__ int64_t si[kThreads];
  sv[threadIdx.x] = acc.v;
  si[threadIdx.x] = acc.i;
  __syncthreads();
  for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
    if (threadIdx.x < stride) {
      Acc<A> a{sv[threadIdx.x], si[threadIdx.x]};
      Acc<A> b{sv[threadIdx.x + stride], si[threadIdx.x + stride]};
      a = Reducer<OP, T, A>::merge(a, b);
      sv[threadIdx.x] = a.v;
      si[threadIdx.x] = a.i;
    }
    __syncthreads();
  }
  return {sv[0], si[0]};
}

// One block per (output, chunk). With chunks == 1 it writes the result; otherwise partials.
template <int OP, typename T, typename A, typename O>
__global__ void reduceBlockKernel(ReduceArgs r, int chunks, Acc<A>* partial) {
  const T* x = reinterpret_cast<const T*>(r.xKept.ptr);
  const int64_t o = blockIdx.x;
  const int64_t chunk = blockIdx.y;
  const int64_t per = (r.inner + chunks - 1) / chunks;
  const int64_t begin = chunk * per;
  const int64_t end = begin + per < r.inner ? begin + per : r.inner;
  const int64_t base = offsetOf(r.kept, r.xKept, o);
  Acc<A> acc = Reducer<OP, T, A>::init();
  for (int64_t j = begin + threadIdx.x; j < end; j += blockDim.x) {
    acc = Reducer<OP, T, A>::merge(acc, Reducer<OP, T, A>::lift(x[base + offsetOf(r.red, r.xRed, j)], j));
  }
  acc = blockReduce<OP, T, A>(acc);
  if (threadIdx.x == 0) {
    if (chunks == 1) store<OP, T, A, O>(reinterpret_cast<O*>(r.out), o, acc);
    else partial[o * chunks + chunk] = acc;
  }
}

template <int OP, typename T, typename A, typename O>
__global__ void reduceFinishKernel(int64_t outer, int chunks, const Acc<A>* partial, O* out) {
  KILN_GRID_STRIDE(o, outer) {
    Acc<A> acc = Reducer<OP, T, A>::init();
    for (int c = 0; c < chunks; ++c) acc = Reducer<OP, T, A>::merge(acc, partial[o * chunks + c]);
    store<OP, T, A, O>(out, o, acc);
  }
}

static int chooseChunks(const ReduceArgs& r, int smCount) {
  if (r.inner <= 64 || r.outer >= 2048) return 0;  // thread per output
  const int64_t target = 4LL * smCount;
  int64_t chunks = (target + r.outer - 1) / r.outer;
  const int64_t maxChunks = (r.inner + 4095) / 4096;
  if (chunks > maxChunks) chunks = maxChunks;
  if (chunks > 1024) chunks = 1024;
  if (chunks < 1) chunks = 1;
  return static_cast<int>(chunks);
}

int64_t reduceScratchBytes(const ReduceArgs& r, int, int smCount, int* chunks) {
  *chunks = chooseChunks(r, smCount);
  if (*chunks <= 1) return 0;
  return r.outer * *chunks * static_cast<int64_t>(sizeof(Acc<double>));
}

template <int OP, typename T, typename A, typename O>
static cudaError_t reduceRun(cudaStream_t s, const ReduceArgs& r, int chunks, void* scratch) {
  if (chunks == 0) {
    reduceThreadKernel<OP, T, A, O><<<gridFor(r.outer, kThreads), kThreads, 0, s>>>(r);
    return cudaGetLastError();
  }
  if (r.outer > 0x7fffffffLL) return cudaErrorInvalidConfiguration;
  dim3 grid(static_cast<unsigned>(r.outer), static_cast<unsigned>(chunks));
  reduceBlockKernel<OP, T, A, O><<<grid, kThreads, 0, s>>>(r, chunks, reinterpret_cast<Acc<A>*>(scratch));
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess || chunks == 1) return e;
  reduceFinishKernel<OP, T, A, O><<<gridFor(r.outer, kThreads), kThreads, 0, s>>>(
      r.outer, chunks, reinterpret_cast<const Acc<A>*>(scratch), reinterpret_cast<O*>(r.out));
  return cudaGetLastError();
}

template <typename T>
static cudaError_t reduceTyped(cudaStream_t s, int op, const ReduceArgs& r, int chunks, void* scratch) {
  using Wide = typename std::conditional<std::is_same<T, float>::value, float, int32_t>::type;
  switch (op) {
    case kSum: return reduceRun<kSum, T, Wide, Wide>(s, r, chunks, scratch);
    case kProd: return reduceRun<kProd, T, Wide, Wide>(s, r, chunks, scratch);
    case kRMax: return reduceRun<kRMax, T, T, T>(s, r, chunks, scratch);
    case kRMin: return reduceRun<kRMin, T, T, T>(s, r, chunks, scratch);
    case kArgmax: return reduceRun<kArgmax, T, T, int32_t>(s, r, chunks, scratch);
    case kArgmin: return reduceRun<kArgmin, T, T, int32_t>(s, r, chunks, scratch);
    case kAny: return reduceRun<kAny, T, uint8_t, uint8_t>(s, r, chunks, scratch);
    case kAll: return reduceRun<kAll, T, uint8_t, uint8_t>(s, r, chunks, scratch);
  }
  return cudaErrorInvalidValue;
}

cudaError_t launchReduce(cudaStream_t s, int op, const ReduceArgs& r, int chunks, void* scratch) {
  if (r.xd == kF32) return reduceTyped<float>(s, op, r, chunks, scratch);
  if (r.xd == kI32) return reduceTyped<int32_t>(s, op, r, chunks, scratch);
  return reduceTyped<uint8_t>(s, op, r, chunks, scratch);
}

// ---------------------------------------------------------------------------------------------
// scans: one thread per row, sequential along the axis.

template <int OP, typename T, typename O>
__global__ void scanKernel(int64_t outer, int64_t len, Shape kept, Operand xKept, int64_t xAxis, Operand outKept,
                           int64_t outAxis) {
  const T* x = reinterpret_cast<const T*>(xKept.ptr);
  O* out = reinterpret_cast<O*>(outKept.ptr);
  KILN_GRID_STRIDE(o, outer) {
    const Operand ops[2] = {xKept, outKept};
    int64_t off[2];
    offsetsOf<2>(kept, ops, o, off);
    O acc = OP == kCumprod ? O(1) : O(0);
    for (int64_t j = 0; j < len; ++j) {
      const O v = static_cast<O>(x[off[0] + j * xAxis]);
      if (j == 0) acc = v;
      else if (OP == kCumsum) acc = acc + v;
      else if (OP == kCumprod) acc = acc * v;
      else if (OP == kCummax) acc = (isNan(acc) || isNan(v)) ? (isNan(acc) ? acc : v) : (v > acc ? v : acc);
      else acc = (isNan(acc) || isNan(v)) ? (isNan(acc) ? acc : v) : (v < acc ? v : acc);
      out[off[1] + j * outAxis] = acc;
    }
  }
}

template <int OP>
static cudaError_t scanTyped(cudaStream_t s, int64_t outer, int64_t len, const Shape& kept, const Operand& x,
                             int64_t xa, int xd, const Operand& o, int64_t oa, int od) {
  const unsigned g = gridFor(outer, kThreads);
  if (xd == kF32) scanKernel<OP, float, float><<<g, kThreads, 0, s>>>(outer, len, kept, x, xa, o, oa);
  else if (xd == kI32) scanKernel<OP, int32_t, int32_t><<<g, kThreads, 0, s>>>(outer, len, kept, x, xa, o, oa);
  else if (od == kI32) scanKernel<OP, uint8_t, int32_t><<<g, kThreads, 0, s>>>(outer, len, kept, x, xa, o, oa);
  else scanKernel<OP, uint8_t, uint8_t><<<g, kThreads, 0, s>>>(outer, len, kept, x, xa, o, oa);
  return cudaGetLastError();
}

cudaError_t launchScan(cudaStream_t s, int op, int64_t outer, int64_t len, const Shape& kept, const Operand& xKept,
                       int64_t xAxisStride, int xd, const Operand& outKept, int64_t outAxisStride, int od) {
  switch (op) {
    case kCumsum: return scanTyped<kCumsum>(s, outer, len, kept, xKept, xAxisStride, xd, outKept, outAxisStride, od);
    case kCumprod: return scanTyped<kCumprod>(s, outer, len, kept, xKept, xAxisStride, xd, outKept, outAxisStride, od);
    case kCummax: return scanTyped<kCummax>(s, outer, len, kept, xKept, xAxisStride, xd, outKept, outAxisStride, od);
    default: return scanTyped<kCummin>(s, outer, len, kept, xKept, xAxisStride, xd, outKept, outAxisStride, od);
  }
}

// ---------------------------------------------------------------------------------------------
// softmax / log-softmax over a contiguous [outer, len, inner] block.

__device__ __forceinline__ float warpMax(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}
__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// One warp per row (inner == 1).
__global__ void softmaxRowKernel(const float* x, float* out, int64_t rows, int64_t len, int logSoftmax) {
  const int lane = threadIdx.x & 31;
  const int64_t warpsPerGrid = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; row < rows;
       row += warpsPerGrid) {
    const float* xr = x + row * len;
    float* orow = out + row * len;
    float m = -INFINITY;
    bool nan = false;
    for (int64_t j = lane; j < len; j += 32) {
      const float v = xr[j];
      nan |= v != v;
      m = fmaxf(m, v);
    }
    m = warpMax(m);
    nan = __any_sync(0xffffffffu, nan);
    float sum = 0.f;
    for (int64_t j = lane; j < len; j += 32) sum += expf(xr[j] - m);
    sum = warpSum(sum);
    const float logSum = logf(sum);
    for (int64_t j = lane; j < len; j += 32) {
      const float v = xr[j] - m;
      float r = logSoftmax ? v - logSum : expf(v) / sum;
      if (nan) r = __int_as_float(0x7fc00000);
      orow[j] = r;
    }
  }
}

// One thread per (outer, inner) column (inner > 1).
__global__ void softmaxColKernel(const float* x, float* out, int64_t outer, int64_t len, int64_t inner,
                                 int logSoftmax) {
  KILN_GRID_STRIDE(t, outer * inner) {
    const int64_t o = t / inner, in = t % inner;
    const float* xc = x + o * len * inner + in;
    float* oc = out + o * len * inner + in;
    float m = -INFINITY;
    bool nan = false;
    for (int64_t j = 0; j < len; ++j) {
      const float v = xc[j * inner];
      nan |= v != v;
      m = fmaxf(m, v);
    }
    float sum = 0.f;
    for (int64_t j = 0; j < len; ++j) sum += expf(xc[j * inner] - m);
    const float logSum = logf(sum);
    for (int64_t j = 0; j < len; ++j) {
      const float v = xc[j * inner] - m;
      oc[j * inner] = nan ? __int_as_float(0x7fc00000) : (logSoftmax ? v - logSum : expf(v) / sum);
    }
  }
}

cudaError_t launchSoftmax(cudaStream_t s, const float* x, float* out, int64_t outer, int64_t len, int64_t inner,
                          int logSoftmax) {
  if (inner == 1) {
    softmaxRowKernel<<<gridFor(outer * 32, kThreads), kThreads, 0, s>>>(x, out, outer, len, logSoftmax);
  } else {
    softmaxColKernel<<<gridFor(outer * inner, kThreads), kThreads, 0, s>>>(x, out, outer, len, inner, logSoftmax);
  }
  return cudaGetLastError();
}

// ---------------------------------------------------------------------------------------------
// layer norm: one warp per row, two passes (mean, then centred variance), biased variance.

__global__ void layerNormKernel(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                                int64_t rows, int64_t n, float eps) {
  const int lane = threadIdx.x & 31;
  const int64_t warpsPerGrid = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; row < rows;
       row += warpsPerGrid) {
    const float* xr = x + row * n;
    float sum = 0.f;
    for (int64_t j = lane; j < n; j += 32) sum += xr[j];
    const float mu = warpSum(sum) / static_cast<float>(n);
    float sq = 0.f;
    for (int64_t j = lane; j < n; j += 32) {
      const float d = xr[j] - mu;
      sq += d * d;
    }
    const float rs = rsqrtf(warpSum(sq) / static_cast<float>(n) + eps);
    for (int64_t j = lane; j < n; j += 32) {
      float v = (xr[j] - mu) * rs;
      if (w != nullptr) v *= w[j];
      if (b != nullptr) v += b[j];
      out[row * n + j] = v;
    }
    if (lane == 0) {
      if (mean != nullptr) mean[row] = mu;
      if (rstd != nullptr) rstd[row] = rs;
    }
  }
}

cudaError_t launchLayerNorm(cudaStream_t s, const float* x, const float* w, const float* b, float* out, float* mean,
                            float* rstd, int64_t rows, int64_t n, float eps) {
  layerNormKernel<<<gridFor(rows * 32, kThreads), kThreads, 0, s>>>(x, w, b, out, mean, rstd, rows, n, eps);
  return cudaGetLastError();
}

}  // namespace kiln
