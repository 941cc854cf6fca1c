// Indexing (gather, scatter-add, index-select) and the convolution / pooling helpers.
#include "device_util.cuh"

namespace kiln {

template <typename T>
__global__ void gatherKernel(int64_t n, Shape shape, Operand idx, Operand x, int64_t xAxis, T* out) {
  const Operand ops[2] = {idx, x};
  KILN_GRID_STRIDE(i, n) {
    int64_t off[2];
    offsetsOf<2>(shape, ops, i, off);
    const int64_t k = reinterpret_cast<const int32_t*>(idx.ptr)[off[0]];
    out[i] = reinterpret_cast<const T*>(x.ptr)[off[1] + k * xAxis];
  }
}

cudaError_t launchGather(cudaStream_t s, int64_t n, const Shape& shape, const Operand& idx, const Operand& x,
                         int64_t xAxisStride, char* out, int esize) {
  if (esize == 4) {
    gatherKernel<uint32_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, idx, x, xAxisStride,
                                                                       reinterpret_cast<uint32_t*>(out));
  } else {
    gatherKernel<uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, idx, x, xAxisStride,
                                                                      reinterpret_cast<uint8_t*>(out));
  }
  return cudaGetLastError();
}

template <typename T>
__global__ void scatterAddKernel(int64_t n, Shape shape, Operand idx, Operand src, Operand dst, int64_t dstAxis) {
  const Operand ops[3] = {idx, src, dst};
  KILN_GRID_STRIDE(i, n) {
    int64_t off[3];
    offsetsOf<3>(shape, ops, i, off);
    const int64_t k = reinterpret_cast<const int32_t*>(idx.ptr)[off[0]];
    atomicAdd(reinterpret_cast<T*>(dst.ptr) + off[2] + k * dstAxis, reinterpret_cast<const T*>(src.ptr)[off[1]]);
  }
}

cudaError_t launchScatterAdd(cudaStream_t s, int64_t n, const Shape& shape, const Operand& idx, const Operand& src,
                             const Operand& dst, int64_t dstAxisStride, int dt) {
  if (dt == kF32) {
    scatterAddKernel<float><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, idx, src, dst, dstAxisStride);
  } else if (dt == kI32) {
    scatterAddKernel<int32_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, idx, src, dst, dstAxisStride);
  } else {
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

template <typename T>
__global__ void indexSelectKernel(int64_t n, Shape shape, int axis, Operand x, int64_t xAxis, const int32_t* idx,
                                  int64_t idxStride, T* out) {
  KILN_GRID_STRIDE(i, n) {
    int64_t rest = i, off = 0, at = 0;
#pragma unroll
    for (int d = kMaxRank - 1; d >= 0; --d) {
      if (d < shape.rank) {
        const int64_t c = rest % shape.size[d];
        rest /= shape.size[d];
        off += c * x.stride[d];
        if (d == axis) at = c;
      }
    }
    const int64_t k = idx[at * idxStride];
    out[i] = reinterpret_cast<const T*>(x.ptr)[off + k * xAxis];
  }
}

cudaError_t launchIndexSelect(cudaStream_t s, int64_t n, const Shape& shape, int axis, const Operand& x,
                              const int32_t* idx, int64_t idxStride, char* out, int esize) {
  // The axis coordinate indexes `idx`; the axis stride then applies to the selected value.
  Operand xs = x;
  const int64_t axisStride = xs.stride[axis];
  xs.stride[axis] = 0;
  if (esize == 4) {
    indexSelectKernel<uint32_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, axis, xs, axisStride, idx, idxStride,
                                                                            reinterpret_cast<uint32_t*>(out));
  } else {
    indexSelectKernel<uint8_t><<<gridFor(n, kThreads), kThreads, 0, s>>>(n, shape, axis, xs, axisStride, idx, idxStride,
                                                                           reinterpret_cast<uint8_t*>(out));
  }
  return cudaGetLastError();
}

// ---------------------------------------------------------------------------------------------
// convolution helpers: im2col / col2im over NCHW, bias add, max pooling.

struct Conv {
  int N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo;
};

__global__ void im2colKernel(const float* x, int64_t xs0, int64_t xs1, int64_t xs2, int64_t xs3, Conv p, float* col) {
  const int64_t L = static_cast<int64_t>(p.Ho) * p.Wo;
  const int64_t total = static_cast<int64_t>(p.N) * p.C * p.kh * p.kw * L;
  KILN_GRID_STRIDE(t, total) {
    const int64_t l = t % L;
    int64_t r = t / L;
    const int ki = static_cast<int>(r % p.kw);
    r /= p.kw;
    const int kj = static_cast<int>(r % p.kh);
    r /= p.kh;
    const int c = static_cast<int>(r % p.C);
    const int64_t n = r / p.C;
    const int ho = static_cast<int>(l / p.Wo), wo = static_cast<int>(l % p.Wo);
    const int h = ho * p.sh - p.ph + kj * p.dh;
    const int w = wo * p.sw - p.pw + ki * p.dw;
    col[t] = (h >= 0 && h < p.H && w >= 0 && w < p.W) ? x[n * xs0 + c * xs1 + h * xs2 + w * xs3] : 0.f;
  }
}

cudaError_t launchIm2col(cudaStream_t s, const float* x, const int64_t* xs, int N, int C, int H, int W, int kh, int kw,
                         int sh, int sw, int ph, int pw, int dh, int dw, int Ho, int Wo, float* col) {
  const Conv p{N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo};
  const int64_t total = static_cast<int64_t>(N) * C * kh * kw * Ho * Wo;
  if (total == 0) return cudaSuccess;
  im2colKernel<<<gridFor(total, kThreads), kThreads, 0, s>>>(x, xs[0], xs[1], xs[2], xs[3], p, col);
  return cudaGetLastError();
}

__global__ void col2imKernel(const float* col, Conv p, float* x) {
  const int64_t L = static_cast<int64_t>(p.Ho) * p.Wo;
  const int64_t total = static_cast<int64_t>(p.N) * p.C * p.H * p.W;
  KILN_GRID_STRIDE(t, total) {
    const int w = static_cast<int>(t % p.W);
    int64_t r = t / p.W;
    const int h = static_cast<int>(r % p.H);
    r /= p.H;
    const int c = static_cast<int>(r % p.C);
    const int64_t n = r / p.C;
    float sum = 0.f;
    for (int kj = 0; kj < p.kh; ++kj) {
      const int hh = h + p.ph - kj * p.dh;
      if (hh < 0 || hh % p.sh != 0) continue;
      const int ho = hh / p.sh;
      if (ho >= p.Ho) continue;
      for (int ki = 0; ki < p.kw; ++ki) {
        const int ww = w + p.pw - ki * p.dw;
        if (ww < 0 || ww % p.sw != 0) continue;
        const int wo = ww / p.sw;
        if (wo >= p.Wo) continue;
        const int64_t row = (static_cast<int64_t>(c) * p.kh + kj) * p.kw + ki;
        sum += col[(n * p.C * p.kh * p.kw + row) * L + static_cast<int64_t>(ho) * p.Wo + wo];
      }
    }
    x[t] = sum;
  }
}

cudaError_t launchCol2im(cudaStream_t s, const float* col, int N, int C, int H, int W, int kh, int kw, int sh, int sw,
                         int ph, int pw, int dh, int dw, int Ho, int Wo, float* x) {
  const Conv p{N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo};
  const int64_t total = static_cast<int64_t>(N) * C * H * W;
  if (total == 0) return cudaSuccess;
  col2imKernel<<<gridFor(total, kThreads), kThreads, 0, s>>>(col, p, x);
  return cudaGetLastError();
}

__global__ void biasAddKernel(float* out, const float* bias, int64_t bs, int64_t total, int64_t C, int64_t L) {
  KILN_GRID_STRIDE(t, total) { out[t] += bias[((t / L) % C) * bs]; }
}

cudaError_t launchBiasAdd(cudaStream_t s, float* out, const float* bias, int64_t biasStride, int64_t N, int64_t C,
                          int64_t L) {
  const int64_t total = N * C * L;
  if (total == 0) return cudaSuccess;
  biasAddKernel<<<gridFor(total, kThreads), kThreads, 0, s>>>(out, bias, biasStride, total, C, L);
  return cudaGetLastError();
}

__global__ void maxPoolKernel(const float* x, int64_t xs0, int64_t xs1, int64_t xs2, int64_t xs3, Conv p, float* out,
                              int32_t* indices) {
  const int64_t total = static_cast<int64_t>(p.N) * p.C * p.Ho * p.Wo;
  KILN_GRID_STRIDE(t, total) {
    const int wo = static_cast<int>(t % p.Wo);
    int64_t r = t / p.Wo;
    const int ho = static_cast<int>(r % p.Ho);
    r /= p.Ho;
    const int c = static_cast<int>(r % p.C);
    const int64_t n = r / p.C;
    const float* plane = x + n * xs0 + c * xs1;
    float best = -INFINITY;
    int bestIdx = -1;
    for (int kj = 0; kj < p.kh; ++kj) {
      const int h = ho * p.sh - p.ph + kj * p.dh;
      if (h < 0 || h >= p.H) continue;
      for (int ki = 0; ki < p.kw; ++ki) {
        const int w = wo * p.sw - p.pw + ki * p.dw;
        if (w < 0 || w >= p.W) continue;
        const float v = plane[h * xs2 + w * xs3];
        if (bestIdx < 0 || v > best || (v != v && best == best)) {
          best = v;
          bestIdx = h * p.W + w;
        }
      }
    }
    out[t] = best;
    if (indices != nullptr) indices[t] = bestIdx < 0 ? 0 : bestIdx;
  }
}

cudaError_t launchMaxPool2d(cudaStream_t s, const float* x, const int64_t* xs, int N, int C, int H, int W, int kh,
                            int kw, int sh, int sw, int ph, int pw, int dh, int dw, int Ho, int Wo, float* out,
                            int32_t* indices) {
  const Conv p{N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Ho, Wo};
  const int64_t total = static_cast<int64_t>(N) * C * Ho * Wo;
  if (total == 0) return cudaSuccess;
  maxPoolKernel<<<gridFor(total, kThreads), kThreads, 0, s>>>(x, xs[0], xs[1], xs[2], xs[3], p, out, indices);
  return cudaGetLastError();
}

}  // namespace kiln
