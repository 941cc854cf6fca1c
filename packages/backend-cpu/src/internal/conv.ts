import { toFloat64 } from './activations.js';
import { type Elems, elemsOf } from './elems.js';
import { type GemmScratch, gemm } from './gemm.js';
import { isContiguous } from './shape.js';
import type { Conv2dParams, Out, View } from './tensor-types.js';

/** A view's elements with row-major contiguous strides: itself when it already is, else a copy. */
function contiguousData(v: View): { data: Elems; offset: number } {
  if (isContiguous(v.shape, v.strides)) return { data: elemsOf(v), offset: v.offset };
  return { data: toFloat64(v), offset: 0 };
}

interface Geometry {
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  Ho: number;
  Wo: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

/**
 * Writes the receptive fields of channels `[c0, c0 + cg)` of image `xOff` as rows of a K×P
 * matrix (K = cg·kh·kw, P = Ho·Wo); padding reads as zero. `x` is read through its strides.
 */
function im2col(
  x: Elems,
  xOff: number,
  xsC: number,
  xsH: number,
  xsW: number,
  c0: number,
  cg: number,
  g: Geometry,
  col: Elems,
): void {
  const P = g.Ho * g.Wo;
  let row = 0;
  for (let c = 0; c < cg; c++) {
    const cb = xOff + (c0 + c) * xsC;
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, row++) {
        let dst = row * P;
        for (let oh = 0; oh < g.Ho; oh++) {
          const ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.H) {
            col.fill(0, dst, dst + g.Wo);
            dst += g.Wo;
            continue;
          }
          const rb = cb + ih * xsH;
          let iw = j * g.dw - g.pw;
          for (let ow = 0; ow < g.Wo; ow++, dst++, iw += g.sw)
            col[dst] = iw >= 0 && iw < g.W ? x[rb + iw * xsW] : 0;
        }
      }
    }
  }
}

/** The inverse scatter of {@link im2col}: adds each K×P entry back onto its input pixel. */
function col2imAdd(col: Elems, out: Elems, oOff: number, c0: number, cg: number, g: Geometry): void {
  const P = g.Ho * g.Wo;
  const plane = g.H * g.W;
  let row = 0;
  for (let c = 0; c < cg; c++) {
    const cb = oOff + (c0 + c) * plane;
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, row++) {
        let src = row * P;
        for (let oh = 0; oh < g.Ho; oh++) {
          const ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.H) {
            src += g.Wo;
            continue;
          }
          const rb = cb + ih * g.W;
          let iw = j * g.dw - g.pw;
          for (let ow = 0; ow < g.Wo; ow++, src++, iw += g.sw)
            if (iw >= 0 && iw < g.W) out[rb + iw] += col[src];
        }
      }
    }
  }
}

function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  oShape: readonly number[],
  p: Conv2dParams,
): Geometry {
  return {
    C: xShape[1]!,
    H: xShape[2]!,
    W: xShape[3]!,
    kh: wShape[2]!,
    kw: wShape[3]!,
    Ho: oShape[2]!,
    Wo: oShape[3]!,
    sh: p.stride[0],
    sw: p.stride[1],
    ph: p.padding[0],
    pw: p.padding[1],
    dh: p.dilation[0],
    dw: p.dilation[1],
  };
}

/**
 * 2-D convolution, NCHW: per image and group, im2col into a reused scratch, then one blocked GEMM
 * `out[n, group] = W_group [Og, K] @ col [K, P]`, then the bias.
 *
 * @example
 * ```ts
 * conv2d(x, w, null, { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }, out, scratch);
 * ```
 */
export function conv2d(
  x: View,
  weight: View,
  bias: View | null,
  params: Conv2dParams,
  out: Out,
  scratch: GemmScratch,
): void {
  const N = x.shape[0]!;
  const O = weight.shape[0]!;
  const g = geometry(x.shape, weight.shape, out.shape, params);
  const G = params.groups;
  const Cg = g.C / G;
  const Og = O / G;
  const K = Cg * g.kh * g.kw;
  const P = g.Ho * g.Wo;
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const w = contiguousData(weight);
  const col = scratch.borrow(out.storage.dtype === 'float64', K * P);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      im2col(
        xd,
        x.offset + n * x.strides[0]!,
        x.strides[1]!,
        x.strides[2]!,
        x.strides[3]!,
        gi * Cg,
        Cg,
        g,
        col,
      );
      gemm(
        Og,
        P,
        K,
        w.data,
        w.offset + gi * Og * K,
        K,
        1,
        col,
        0,
        P,
        1,
        od,
        out.offset + (n * O + gi * Og) * P,
        P,
        false,
        scratch,
      );
    }
  }
  if (bias) {
    const b = toFloat64(bias);
    for (let n = 0; n < N; n++) {
      for (let o = 0; o < O; o++) {
        const base = out.offset + (n * O + o) * P;
        const bo = b[o]!;
        for (let p = 0; p < P; p++) od[base + p] += bo;
      }
    }
  }
}

/**
 * Gradient of conv2d with respect to its input: `col = W_groupᵀ @ gradOut[n, group]`, then
 * col2im adds every column entry back onto the pixel it came from.
 *
 * @example
 * ```ts
 * conv2dBackwardInput(gradOut, w, params, gradX, scratch);
 * ```
 */
export function conv2dBackwardInput(
  gradOut: View,
  weight: View,
  params: Conv2dParams,
  out: Out,
  scratch: GemmScratch,
): void {
  const N = out.shape[0]!;
  const C = out.shape[1]!;
  const O = weight.shape[0]!;
  const g = geometry(out.shape, weight.shape, gradOut.shape, params);
  const G = params.groups;
  const Cg = C / G;
  const Og = O / G;
  const K = Cg * g.kh * g.kw;
  const P = g.Ho * g.Wo;
  const od = elemsOf(out);
  const w = contiguousData(weight);
  const go = contiguousData(gradOut);
  const col = scratch.borrow(out.storage.dtype === 'float64', K * P);
  od.fill(0, out.offset, out.offset + N * C * g.H * g.W);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      // A = W_groupᵀ: element (kk, o) of the [K, Og] transpose sits at o·K + kk.
      gemm(
        K,
        P,
        Og,
        w.data,
        w.offset + gi * Og * K,
        1,
        K,
        go.data,
        go.offset + (n * O + gi * Og) * P,
        P,
        1,
        col,
        0,
        P,
        false,
        scratch,
      );
      col2imAdd(col, od, out.offset + n * C * g.H * g.W, gi * Cg, Cg, g);
    }
  }
}

/**
 * Gradient of conv2d with respect to its weight: `gradW_group += gradOut[n, group] @ colᵀ`
 * summed over the batch, with colᵀ read in place through strides.
 *
 * @example
 * ```ts
 * conv2dBackwardWeight(x, gradOut, params, gradW, scratch);
 * ```
 */
export function conv2dBackwardWeight(
  x: View,
  gradOut: View,
  params: Conv2dParams,
  out: Out,
  scratch: GemmScratch,
): void {
  const N = x.shape[0]!;
  const O = out.shape[0]!;
  const g = geometry(x.shape, out.shape, gradOut.shape, params);
  const G = params.groups;
  const Cg = g.C / G;
  const Og = O / G;
  const K = Cg * g.kh * g.kw;
  const P = g.Ho * g.Wo;
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const go = contiguousData(gradOut);
  const col = scratch.borrow(out.storage.dtype === 'float64', K * P);
  if (N === 0) od.fill(0, out.offset, out.offset + O * K);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      im2col(
        xd,
        x.offset + n * x.strides[0]!,
        x.strides[1]!,
        x.strides[2]!,
        x.strides[3]!,
        gi * Cg,
        Cg,
        g,
        col,
      );
      gemm(
        Og,
        K,
        P,
        go.data,
        go.offset + (n * O + gi * Og) * P,
        P,
        1,
        col,
        0,
        1,
        P,
        od,
        out.offset + gi * Og * K,
        K,
        n > 0,
        scratch,
      );
    }
  }
}
