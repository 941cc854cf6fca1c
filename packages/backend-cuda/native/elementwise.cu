// Elementwise kernels: unary, binary, where, cast, copy, fill, arange, Philox random and the fused
// optimizer steps. Every kernel is a grid-stride loop with a contiguous fast path.
#include <type_traits>
#include "device_util.cuh"

namespace kiln {

__device__ __forceinline__ float unaryFloat(int op, float x) {
  switch (op) {
    case kNeg: return -x;
    case kAbs: return fabsf(x);
    case kSign: return x != x ? x : static_cast<float>((x > 0.f) - (x < 0.f));
    case kSquare: return x * x;
    case kExp: return expf(x);
    case kExpm1: return expm1f(x);
    case kLog: return logf(x);
    case kLog1p: return log1pf(x);
    case kSqrt: return sqrtf(x);
    case kRsqrt: return rsqrtf(x);
    case kReciprocal: return 1.f / x;
    case kSin: return sinf(x);
    case kCos: return cosf(x);
    case kTan: return tanf(x);
    case kAsin: return asinf(x);
    case kAcos: return acosf(x);
    case kAtan: return atanf(x);
    case kSinh: return sinhf(x);
    case kCosh: return coshf(x);
    case kTanh: return tanhf(x);
    case kSigmoid: return 1.f / (1.f + expf(-x));
    case kRelu: return x <= 0.f ? 0.f : x;
    case kErf: return erff(x);
    case kFloor: return floorf(x);
    case kCeil: return ceilf(x);
    case kRound: return rintf(x);
    case kTrunc: return truncf(x);
    case kGeluErf: return 0.5f * x * (1.f + erff(x * 0.70710678118654752f));
    case kGeluTanh: {
      const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.f + tanhf(inner));
    }
    default: return x;
  }
}

__device__ __forceinline__ int32_t unaryInt(int op, int32_t x) {
  switch (op) {
    case kNeg: return -x;
    case kAbs: return x < 0 ? -x : x;
    case kSign: return (x > 0) - (x < 0);
    case kSquare: return x * x;
    case kRelu: return x < 0 ? 0 : x;
    case kFloor:
    case kCeil:
    case kRound:
    case kTrunc: return x;
    default: return static_cast<int32_t>(unaryFloat(op, static_cast<float>(x)));
  }
}

template <typename T>
__device__ __forceinline__ uint8_t unaryPredicate(int op, T x) {
  switch (op) {
    case kLogicalNot: return x == T(0);
    case kIsnan: return isNan(x);
    case kIsinf:
      if constexpr (std::is_same<T, float>::value) return isinf(x);
      return 0;
    case kIsfinite:
      if constexpr (std::is_same<T, float>::value) return isfinite(x);
      return 1;
    default: return 0;
  }
}

template <typename T, typename O>
__device__ __forceinline__ O applyUnary(int op, T x) {
  if constexpr (std::is_same<O, uint8_t>::value && !std::is_same<T, uint8_t>::value) {
    return unaryPredicate<T>(op, x);
  } else if constexpr (std::is_same<T, float>::value) {
    return unaryFloat(op, x);
  } else if constexpr (std::is_same<T, int32_t>::value) {
    return unaryInt(op, x);
  } else {
    // bool in, bool out
    if (op == kLogicalNot || op == kIsfinite) return op == kLogicalNot ? !x : 1;
    if (op == kIsnan || op == kIsinf) return 0;
    return unaryInt(op, x) != 0;
  }
}

template <typename T, typename O>
__global__ void unaryKernel(int op, int64_t n, Shape shape, Operand x, O* out, bool contiguous) {
  const T* xp = reinterpret_cast<const T*>(x.ptr);
  KILN_GRID_STRIDE(i, n) {
    const int64_t xo = contiguous ? i : offsetOf(shape, x, i);
    out[i] = applyUnary<T, O>(op, xp[xo]);
  }
}

static bool predicateOp(int op) { return op == kLogicalNot || op == kIsnan || op == kIsinf || op == kIsfinite; }

template <typename T>
static cudaError_t unaryFor(cudaStream_t s, int op, int64_t n, const Shape& shape, const Operand& x, char* out) {
  const bool c = isContiguous(shape, x);
  if (predicateOp(op)) {
    unaryKernel<T, uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(op, n, shape, x, reinterpret_cast<uint8_t*>(out), c);
  } else {
    unaryKernel<T, T><<<gridFor(n, kThreads), kThreads, 0, s>>>(op, n, shape, x, reinterpret_cast<T*>(out), c);
  }
  return cudaGetLastError();
}

cudaError_t launchUnary(cudaStream_t s, int op, int64_t n, const Shape& shape, const Operand& x, int xd, char* out,
                        int) {
  if (xd == kF32) return unaryFor<float>(s, op, n, shape, x, out);
  if (xd == kI32) return unaryFor<int32_t>(s, op, n, shape, x, out);
  return unaryFor<uint8_t>(s, op, n, shape, x, out);
}

// ---------------------------------------------------------------------------------------------
// binary

__device__ __forceinline__ float binaryFloat(int op, float a, float b) {
  switch (op) {
    case kAdd: return a + b;
    case kSub: return a - b;
    case kMul: return a * b;
    case kDiv: return a / b;
    case kPow: return powf(a, b);
    case kMax: return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b);
    case kMin: return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b);
    case kAtan2: return atan2f(a, b);
    case kFmod: return fmodf(a, b);
    case kRemainder: {
      float m = fmodf(a, b);
      if (m != 0.f && ((b < 0.f) != (m < 0.f))) m += b;
      return m;
    }
    default: return 0.f;
  }
}

__device__ __forceinline__ int32_t binaryInt(int op, int32_t a, int32_t b) {
  switch (op) {
    case kAdd: return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
    case kSub: return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
    case kMul: return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
    case kDiv: return b == 0 ? 0 : (b == -1 ? -a : a / b);
    case kPow: {
      if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
      int32_t r = 1, base = a;
      while (b) {
        if (b & 1) r *= base;
        base *= base;
        b >>= 1;
      }
      return r;
    }
    case kMax: return a > b ? a : b;
    case kMin: return a < b ? a : b;
    case kAtan2: return static_cast<int32_t>(atan2f(static_cast<float>(a), static_cast<float>(b)));
    case kFmod: return (b == 0 || b == -1) ? 0 : a % b;
    case kRemainder: {
      if (b == 0 || b == -1) return 0;
      int32_t m = a % b;
      if (m != 0 && ((b < 0) != (m < 0))) m += b;
      return m;
    }
    default: return 0;
  }
}

template <typename T>
__device__ __forceinline__ uint8_t binaryPredicate(int op, T a, T b) {
  switch (op) {
    case kEq: return a == b;
    case kNe: return a != b;
    case kLt: return a < b;
    case kLe: return a <= b;
    case kGt: return a > b;
    case kGe: return a >= b;
    case kLogicalAnd: return (a != T(0)) && (b != T(0));
    case kLogicalOr: return (a != T(0)) || (b != T(0));
    case kLogicalXor: return (a != T(0)) != (b != T(0));
    default: return 0;
  }
}

template <typename T, typename O>
__device__ __forceinline__ O applyBinary(int op, T a, T b) {
  if constexpr (std::is_same<O, uint8_t>::value && !std::is_same<T, uint8_t>::value) {
    return binaryPredicate<T>(op, a, b);
  } else if constexpr (std::is_same<T, float>::value) {
    return binaryFloat(op, a, b);
  } else if constexpr (std::is_same<T, int32_t>::value) {
    return binaryInt(op, a, b);
  } else {
    if (op >= kEq) return binaryPredicate<T>(op, a, b);
    if (op == kMul || op == kMin) return a && b;
    if (op == kAdd || op == kMax) return a || b;
    return binaryInt(op, a, b) != 0;
  }
}

template <typename T, typename O>
__global__ void binaryKernel(int op, int64_t n, Shape shape, Operand a, Operand b, O* out, bool contiguous) {
  const T* ap = reinterpret_cast<const T*>(a.ptr);
  const T* bp = reinterpret_cast<const T*>(b.ptr);
  const Operand ops[2] = {a, b};
  KILN_GRID_STRIDE(i, n) {
    int64_t off[2];
    if (contiguous) {
      off[0] = off[1] = i;
    } else {
      offsetsOf<2>(shape, ops, i, off);
    }
    out[i] = applyBinary<T, O>(op, ap[off[0]], bp[off[1]]);
  }
}

// The bandwidth path: contiguous float32 add/sub/mul/div with 16-byte loads and stores.
__global__ void binaryVec4Kernel(int op, int64_t n4, const float4* a, const float4* b, float4* out) {
  KILN_GRID_STRIDE(i, n4) {
    const float4 x = a[i];
    const float4 y = b[i];
    float4 r;
    r.x = binaryFloat(op, x.x, y.x);
    r.y = binaryFloat(op, x.y, y.y);
    r.z = binaryFloat(op, x.z, y.z);
    r.w = binaryFloat(op, x.w, y.w);
    out[i] = r;
  }
}

template <typename T>
static cudaError_t binaryFor(cudaStream_t s, int op, int64_t n, const Shape& shape, const Operand& a,
                             const Operand& b, char* out) {
  const bool c = isContiguous(shape, a) && isContiguous(shape, b);
  if (op >= kEq) {
    binaryKernel<T, uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(op, n, shape, a, b,
                                                                         reinterpret_cast<uint8_t*>(out), c);
    return cudaGetLastError();
  }
  if constexpr (std::is_same<T, float>::value) {
    const bool aligned = ((reinterpret_cast<uintptr_t>(a.ptr) | reinterpret_cast<uintptr_t>(b.ptr) |
                           reinterpret_cast<uintptr_t>(out)) & 15) == 0;
    if (c && aligned && n >= 1024) {
      const int64_t n4 = n / 4;
      // Enough blocks to fill the device several times over; each thread loops.
      unsigned blocks = gridFor(n4, kThreads);
      if (blocks > 132 * 32) blocks = 132 * 32;
      binaryVec4Kernel<<<blocks, kThreads, 0, s>>>(op, n4, reinterpret_cast<const float4*>(a.ptr),
                                                    reinterpret_cast<const float4*>(b.ptr),
                                                    reinterpret_cast<float4*>(out));
      cudaError_t e = cudaGetLastError();
      if (e != cudaSuccess || n4 * 4 == n) return e;
      const int64_t done = n4 * 4;
      Operand ta = a, tb = b;
      ta.ptr += done * sizeof(float);
      tb.ptr += done * sizeof(float);
      Shape tail{1, {n - done}};
      ta.stride[0] = tb.stride[0] = 1;
      binaryKernel<float, float><<<1, kThreads, 0, s>>>(op, n - done, tail, ta, tb,
                                                        reinterpret_cast<float*>(out) + done, true);
      return cudaGetLastError();
    }
  }
  binaryKernel<T, T><<<gridFor(n, kThreads), kThreads, 0, s>>>(op, n, shape, a, b, reinterpret_cast<T*>(out), c);
  return cudaGetLastError();
}

cudaError_t launchBinary(cudaStream_t s, int op, int64_t n, const Shape& shape, const Operand& a, const Operand& b,
                         int dt, char* out, int) {
  if (dt == kF32) return binaryFor<float>(s, op, n, shape, a, b, out);
  if (dt == kI32) return binaryFor<int32_t>(s, op, n, shape, a, b, out);
  return binaryFor<uint8_t>(s, op, n, shape, a, b, out);
}

// ---------------------------------------------------------------------------------------------
// where, cast, copy, fill, arange

template <typename T>
__global__ void whereKernel(int64_t n, Shape shape, Operand c, Operand a, Operand b, T* out) {
  const Operand ops[3] = {c, a, b};
  KILN_GRID_STRIDE(i, n) {
    int64_t off[3];
    offsetsOf<3>(shape, ops, i, off);
    out[i] = reinterpret_cast<const uint8_t*>(c.ptr)[off[0]] ? reinterpret_cast<const T*>(a.ptr)[off[1]]
                                                             : reinterpret_cast<const T*>(b.ptr)[off[2]];
  }
}

cudaError_t launchWhere(cudaStream_t s, int64_t n, const Shape& shape, const Operand& c, const Operand& a,
                        const Operand& b, int esize, char* out) {
  if (esize == 4) {
    whereKernel<uint32_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, c, a, b, reinterpret_cast<uint32_t*>(out));
  } else {
    whereKernel<uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, c, a, b, reinterpret_cast<uint8_t*>(out));
  }
  return cudaGetLastError();
}

template <typename T, typename O>
__device__ __forceinline__ O convert(T v) {
  if constexpr (std::is_same<O, uint8_t>::value) {
    return v != T(0);
  } else if constexpr (std::is_same<T, float>::value && std::is_same<O, int32_t>::value) {
    return __float2int_rz(v);
  } else {
    return static_cast<O>(v);
  }
}

template <typename T, typename O>
__global__ void castKernel(int64_t n, Shape shape, Operand x, O* out) {
  KILN_GRID_STRIDE(i, n) { out[i] = convert<T, O>(reinterpret_cast<const T*>(x.ptr)[offsetOf(shape, x, i)]); }
}

template <typename T>
static cudaError_t castFrom(cudaStream_t s, int64_t n, const Shape& shape, const Operand& x, char* out, int od) {
  const unsigned g = gridFor(n, kThreads);
  if (od == kF32) castKernel<T, float><<<g, kThreads, 0, s>>>(n, shape, x, reinterpret_cast<float*>(out));
  else if (od == kI32) castKernel<T, int32_t><<<g, kThreads, 0, s>>>(n, shape, x, reinterpret_cast<int32_t*>(out));
  else castKernel<T, uint8_t><<<g, kThreads, 0, s>>>(n, shape, x, reinterpret_cast<uint8_t*>(out));
  return cudaGetLastError();
}

cudaError_t launchCast(cudaStream_t s, int64_t n, const Shape& shape, const Operand& x, int xd, char* out, int od) {
  if (xd == kF32) return castFrom<float>(s, n, shape, x, out, od);
  if (xd == kI32) return castFrom<int32_t>(s, n, shape, x, out, od);
  return castFrom<uint8_t>(s, n, shape, x, out, od);
}

template <typename T>
__global__ void copyKernel(int64_t n, Shape shape, Operand src, Operand dst) {
  const Operand ops[2] = {src, dst};
  KILN_GRID_STRIDE(i, n) {
    int64_t off[2];
    offsetsOf<2>(shape, ops, i, off);
    reinterpret_cast<T*>(dst.ptr)[off[1]] = reinterpret_cast<const T*>(src.ptr)[off[0]];
  }
}

cudaError_t launchCopy(cudaStream_t s, int64_t n, const Shape& shape, const Operand& src, const Operand& dst,
                       int esize) {
  if (isContiguous(shape, src) && isContiguous(shape, dst)) {
    return cudaMemcpyAsync(dst.ptr, src.ptr, static_cast<size_t>(n) * esize, cudaMemcpyDeviceToDevice, s);
  }
  if (esize == 4) copyKernel<uint32_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, src, dst);
  else copyKernel<uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, src, dst);
  return cudaGetLastError();
}

template <typename T>
__global__ void fillKernel(int64_t n, Shape shape, Operand dst, T value, bool contiguous) {
  KILN_GRID_STRIDE(i, n) { reinterpret_cast<T*>(dst.ptr)[contiguous ? i : offsetOf(shape, dst, i)] = value; }
}

cudaError_t launchFill(cudaStream_t s, int64_t n, const Shape& shape, const Operand& dst, int esize, uint32_t bits) {
  const bool c = isContiguous(shape, dst);
  if (c && (esize == 1 || bits == 0)) return cudaMemsetAsync(dst.ptr, static_cast<int>(bits & 0xff), n * esize, s);
  if (esize == 4) fillKernel<uint32_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, dst, bits, c);
  else fillKernel<uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, dst, static_cast<uint8_t>(bits), c);
  return cudaGetLastError();
}

template <typename O>
__global__ void arangeKernel(O* out, int64_t n, double start, double step) {
  KILN_GRID_STRIDE(i, n) {
    const double v = start + static_cast<double>(i) * step;
    if constexpr (std::is_same<O, uint8_t>::value) out[i] = v != 0.0;
    else out[i] = static_cast<O>(v);
  }
}

cudaError_t launchArange(cudaStream_t s, char* out, int od, int64_t n, double start, double step) {
  const unsigned g = gridFor(n, kThreads);
  if (od == kF32) arangeKernel<float><<<g, kThreads, 0, s>>>(reinterpret_cast<float*>(out), n, start, step);
  else if (od == kI32) arangeKernel<int32_t><<<g, kThreads, 0, s>>>(reinterpret_cast<int32_t*>(out), n, start, step);
  else arangeKernel<uint8_t><<<g, kThreads, 0, s>>>(reinterpret_cast<uint8_t*>(out), n, start, step);
  return cudaGetLastError();
}

// ---------------------------------------------------------------------------------------------
// Philox4x32-10, exactly as the contract's reference (random/philox.ts in @kiln/tensor).

__device__ __forceinline__ uint2 philoxWords(uint64_t counter, uint32_t k0, uint32_t k1) {
  uint32_t x0 = static_cast<uint32_t>(counter), x1 = static_cast<uint32_t>(counter >> 32), x2 = 0, x3 = 0;
#pragma unroll
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = __umulhi(0xd2511f53u, x0), lo0 = 0xd2511f53u * x0;
    const uint32_t hi1 = __umulhi(0xcd9e8d57u, x2), lo1 = 0xcd9e8d57u * x2;
    const uint32_t y0 = hi1 ^ x1 ^ k0, y1 = lo1, y2 = hi0 ^ x3 ^ k1, y3 = lo0;
    x0 = y0;
    x1 = y1;
    x2 = y2;
    x3 = y3;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  return make_uint2(x0, x1);
}

__global__ void randomKernel(float* out, int64_t n, int normal, uint32_t k0, uint32_t k1, uint64_t offset) {
  const double twoNeg24 = 1.0 / 16777216.0;
  const double twoPi = 2.0 * 3.141592653589793;
  KILN_GRID_STRIDE(i, n) {
    const uint2 w = philoxWords(offset + static_cast<uint64_t>(i), k0, k1);
    if (!normal) {
      out[i] = static_cast<float>((w.x >> 8) * twoNeg24);
    } else {
      const double u1 = ((w.x >> 8) + 1.0) * twoNeg24;
      const double u2 = (w.y >> 8) * twoNeg24;
      out[i] = static_cast<float>(sqrt(-2.0 * log(u1)) * cos(twoPi * u2));
    }
  }
}

cudaError_t launchRandom(cudaStream_t s, float* out, int64_t n, int normal, uint32_t k0, uint32_t k1,
                         uint64_t offset) {
  randomKernel<<<gridFor(n, kThreads), kThreads, 0, s>>>(out, n, normal, k0, k1, offset);
  return cudaGetLastError();
}

// ---------------------------------------------------------------------------------------------
// Fused optimizer steps, PyTorch's single-tensor formulas.

__global__ void adamKernel(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                           float beta2, float eps, float wd, int decoupled, int maximize, float bc1,
                           float bc2sqrt) {
  KILN_GRID_STRIDE(i, n) {
    float grad = maximize ? -g[i] : g[i];
    float param = p[i];
    if (wd != 0.f) {
      if (decoupled) param *= 1.f - lr * wd;
      else grad += wd * param;
    }
    const float mi = beta1 * m[i] + (1.f - beta1) * grad;
    const float vi = beta2 * v[i] + (1.f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrtf(vi) / bc2sqrt + eps;
    p[i] = param - (lr / bc1) * (mi / denom);
  }
}

cudaError_t launchAdam(cudaStream_t s, float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1,
                       float beta2, float eps, float wd, int decoupled, int maximize, float bc1, float bc2sqrt) {
  adamKernel<<<gridFor(n, kThreads), kThreads, 0, s>>>(p, g, m, v, n, lr, beta1, beta2, eps, wd, decoupled, maximize,
                                                       bc1, bc2sqrt);
  return cudaGetLastError();
}

__global__ void sgdKernel(float* p, const float* g, float* buf, int64_t n, float lr, float momentum, float dampening,
                          float wd, int nesterov, int maximize, int firstStep) {
  KILN_GRID_STRIDE(i, n) {
    float grad = maximize ? -g[i] : g[i];
    const float param = p[i];
    if (wd != 0.f) grad += wd * param;
    if (buf != nullptr) {
      const float b = firstStep ? grad : momentum * buf[i] + (1.f - dampening) * grad;
      buf[i] = b;
      grad = nesterov ? grad + momentum * b : b;
    }
    p[i] = param - lr * grad;
  }
}

cudaError_t launchSgd(cudaStream_t s, float* p, const float* g, float* buf, int64_t n, float lr, float momentum,
                      float dampening, float wd, int nesterov, int maximize, int firstStep) {
  sgdKernel<<<gridFor(n, kThreads), kThreads, 0, s>>>(p, g, buf, n, lr, momentum, dampening, wd, nesterov, maximize,
                                                      firstStep);
  return cudaGetLastError();
}

}  // namespace kiln
