// Optional accelerated kernels: convolution (im2col + GEMM), max pooling, softmax, layer norm,
// GELU, fused matmul + bias + activation, and fused optimizer steps.

import { collapse, contiguousStrides, isContiguous, sizeOf } from '../internal/layout.js';
import { U_GELU, U_GELU_TANH } from '../internal/op-codes.js';
import type { Conv2dParams, OptionalKernels, Out, View } from '../internal/tensor-types.js';
import type { WasmContext } from './context.js';
import { copy, gemm, gemmConv, unaryCode } from './primitives.js';

/** A contiguous float32 copy of a view in scratch memory (or the view itself when contiguous). */
function contiguousF32(ctx: WasmContext, v: View, op: string): { ptr: number; release: () => void } {
  if (isContiguous(v.shape, v.strides)) return { ptr: ctx.addr(v), release: () => {} };
  const n = sizeOf(v.shape);
  const ptr = ctx.scratch(n * 4, op);
  copy(ctx, v, {
    storage: { dtype: 'float32', length: n, ptr, freed: false } as never,
    shape: v.shape,
    strides: contiguousStrides(v.shape),
    offset: 0,
  });
  return { ptr, release: () => ctx.freeScratch(ptr) };
}

interface ConvGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  Cg: number;
  Og: number;
  kh: number;
  kw: number;
  Ho: number;
  Wo: number;
  K: number;
  L: number;
  G: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

function geometry(
  xShape: readonly number[],
  wShape: readonly number[],
  outHW: readonly number[],
  params: Conv2dParams,
): ConvGeom {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, Cg, kh, kw] = wShape as [number, number, number, number];
  const [Ho, Wo] = outHW as [number, number];
  const G = params.groups;
  return {
    N,
    C,
    H,
    W,
    O,
    Cg,
    Og: O / G,
    kh,
    kw,
    Ho,
    Wo,
    K: Cg * kh * kw,
    L: Ho * Wo,
    G,
    sh: params.stride[0],
    sw: params.stride[1],
    ph: params.padding[0],
    pw: params.padding[1],
    dh: params.dilation[0],
    dw: params.dilation[1],
  };
}

/** Whether the conv is a plain 1×1 (no im2col needed). */
function isPointwise(g: ConvGeom): boolean {
  return g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0;
}

/** im2col of image n, group gi into `col` [K, L], split across threads by rows of col. */
function im2col(ctx: WasmContext, g: ConvGeom, x: View, n: number, gi: number, col: number): void {
  const [sN, sC, sH, sW] = x.strides as [number, number, number, number];
  const base = ctx.addr(x) + (n * sN + gi * g.Cg * sC) * 4;
  ctx.runner.range(
    'im2colK',
    [base, sC, sH, sW, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Ho, g.Wo, col],
    g.K,
    g.L,
  );
}

/** Weight as a matrix [O, K]: its address and strides (materialised when not mergeable). */
function weightMatrix(
  ctx: WasmContext,
  w: View,
  g: ConvGeom,
): { ptr: number; rs: number; cs: number; release: () => void } {
  const c = collapse(w.shape.slice(1), [w.strides.slice(1)]);
  if (c.shape.length === 1)
    return {
      ptr: ctx.addr(w),
      rs: w.strides[0]!,
      cs: c.shape[0] === 1 ? 1 : c.strides[0]![0]!,
      release: () => {},
    };
  const m = contiguousF32(ctx, w, 'conv2d');
  return { ptr: m.ptr, rs: g.K, cs: 1, release: m.release };
}

/** A [N, O, Ho, Wo] view as per-image matrices [O, L]: strides (rs, cs) and image stride. */
function imageMatrix(
  ctx: WasmContext,
  v: View,
): { ptr: number; sN: number; rs: number; cs: number; release: () => void } {
  const [sN, sC] = v.strides as [number, number];
  const c = collapse(v.shape.slice(2), [v.strides.slice(2)]);
  if (c.shape.length === 1)
    return { ptr: ctx.addr(v), sN, rs: sC, cs: c.shape[0] === 1 ? 1 : c.strides[0]![0]!, release: () => {} };
  const m = contiguousF32(ctx, v, 'conv2d');
  const [, C, H, W] = v.shape as [number, number, number, number];
  return { ptr: m.ptr, sN: C * H * W, rs: H * W, cs: 1, release: m.release };
}

/** The stride of x's merged (H, W) dims. */
function hwStride(x: View): number {
  const c = collapse(x.shape.slice(2), [x.strides.slice(2)]);
  return c.shape[0] === 1 ? 1 : c.strides[0]![0]!;
}

/** Whether x's (H, W) dims walk as one of stride x.strides[3] (needed to skip im2col). */
function hwMergeable(x: View): boolean {
  return collapse(x.shape.slice(2), [x.strides.slice(2)]).shape.length === 1;
}

/** Smallest channel counts (in and out) for which Winograd beats the direct GEMM. */
const WINOGRAD_MIN_CHANNELS = 16;
/**
 * Largest Winograd work buffer per thread (padded image + transformed tiles, in and out, about
 * 8× the image and output); bigger images take the direct path, which needs no such buffer.
 */
const WINOGRAD_MAX_WORK_BYTES = 64 * 1024 * 1024;

/**
 * Winograd F(2×2, 3×3) serves 3×3 kernels with stride 1, dilation 1 and one group, when the
 * channels are wide enough for its 16 GEMMs to run well ([O × C]·[C × tiles] each).
 */
function winogradApplies(ctx: WasmContext, g: ConvGeom): boolean {
  return (
    g.G === 1 &&
    g.kh === 3 &&
    g.kw === 3 &&
    g.sh === 1 &&
    g.sw === 1 &&
    g.dh === 1 &&
    g.dw === 1 &&
    g.C >= WINOGRAD_MIN_CHANNELS &&
    g.O >= WINOGRAD_MIN_CHANNELS &&
    g.Ho >= 2 &&
    g.Wo >= 2 &&
    ctx.k.winogradWorkBytes(g.C, g.O, g.Ho, g.Wo) <= WINOGRAD_MAX_WORK_BYTES
  );
}

/**
 * conv2d by Winograd F(2×2, 3×3): the weights transformed once, then one task per thread, each
 * taking every `threads`-th image through its own work buffer (see assembly/winograd.ts).
 */
function winogradConv(ctx: WasmContext, x: View, weight: View, g: ConvGeom, outPtr: number): void {
  const [sO, sC, sH, sW] = weight.strides as [number, number, number, number];
  const u = ctx.scratch(16 * g.O * g.C * 4, 'conv2d', false);
  const parts = Math.max(1, Math.min(ctx.runner.threads, g.N));
  const workBytes = Math.ceil(ctx.k.winogradWorkBytes(g.C, g.O, g.Ho, g.Wo) / 16) * 16;
  const work = ctx.scratch(parts * workBytes, 'conv2d', false);
  try {
    ctx.k.winogradWeightsK(ctx.addr(weight), sO, sC, sH, sW, g.O, g.C, u);
    const [sNx, sCx, sHx, sWx] = x.strides as [number, number, number, number];
    const tasks = [];
    for (let t = 0; t < parts; t++) {
      tasks.push({
        name: 'winogradImagesK' as const,
        args: [
          ctx.addr(x),
          sNx,
          sCx,
          sHx,
          sWx,
          g.C,
          g.H,
          g.W,
          g.ph,
          g.pw,
          u,
          g.O,
          g.Ho,
          g.Wo,
          outPtr,
          g.O * g.L,
          t,
          g.N,
          parts,
          work + t * workBytes,
          -1,
        ],
      });
    }
    ctx.runner.tasks(tasks);
  } finally {
    ctx.freeScratch(work);
    ctx.freeScratch(u);
  }
}

function conv2d(
  ctx: WasmContext,
  x: View,
  weight: View,
  bias: View | null,
  params: Conv2dParams,
  out: Out,
): void {
  const g = geometry(x.shape, weight.shape, out.shape.slice(2), params);
  if (sizeOf(out.shape) === 0) return;
  const outPtr = ctx.addr(out);
  if (g.K === 0) {
    ctx.heap.zero(outPtr, sizeOf(out.shape) * 4);
  } else if (winogradApplies(ctx, g)) {
    winogradConv(ctx, x, weight, g, outPtr);
  } else {
    const w = weightMatrix(ctx, weight, g);
    const pointwise = isPointwise(g) && hwMergeable(x);
    // With padding, the images are first copied into a zero-bordered buffer (in chunks of
    // images): the GEMM's B panels are then packed from it with plain vector copies, never
    // testing a bound.
    const Hp = g.H + 2 * g.ph;
    const Wp = g.W + 2 * g.pw;
    const padded = !pointwise && (g.ph > 0 || g.pw > 0);
    const perImage = g.C * Hp * Wp * 4;
    const chunk = padded ? Math.max(1, Math.min(g.N, Math.floor(ctx.convPadLimitBytes / perImage))) : g.N;
    const pad = padded ? ctx.scratch(chunk * perImage, 'conv2d', false) : 0;
    try {
      for (let n0 = 0; n0 < g.N; n0 += chunk) {
        const nb = Math.min(chunk, g.N - n0);
        let src: View = x;
        let cp: number;
        if (padded) {
          const storage = { dtype: 'float32', length: nb * g.C * Hp * Wp, ptr: pad, freed: false } as never;
          const [sN0, sC0, sH0, sW0] = x.strides as [number, number, number, number];
          ctx.runner.range(
            'padImagesK',
            [ctx.addr(x) + n0 * sN0 * 4, sN0, sC0, sH0, sW0, g.C, g.H, g.W, g.ph, g.pw, pad],
            nb * g.C,
            Hp * Wp,
          );
          src = { storage, shape: [nb, g.C, Hp, Wp], strides: [g.C * Hp * Wp, Hp * Wp, Wp, 1], offset: 0 };
          cp = ctx.paramsHigh([Hp * Wp, Wp, 1, Hp, Wp, g.kh, g.kw, g.sh, g.sw, 0, 0, g.dh, g.dw, g.Wo]);
        } else {
          const [, sC, sH, sW] = x.strides as [number, number, number, number];
          cp = ctx.paramsHigh([sC, sH, sW, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Wo]);
          src = {
            storage: x.storage,
            shape: x.shape,
            strides: x.strides,
            offset: x.offset + n0 * x.strides[0]!,
          };
        }
        const [sN, sC] = src.strides as [number, number];
        const xAddr = ctx.addr(src);
        // Several images on several threads: one task per image and group, each a whole
        // single-threaded implicit GEMM (no packing is shared, so none is repeated).
        const threads = ctx.runner.threads;
        const jobs = nb * g.G;
        const perTask = threads > 1 && jobs >= 2 * threads && 2 * g.Og * g.L * g.K * jobs >= 4e6;
        const tasks = [];
        for (let n = 0; n < nb; n++) {
          for (let gi = 0; gi < g.G; gi++) {
            const c = outPtr + ((n0 + n) * g.O + gi * g.Og) * g.L * 4;
            const a = w.ptr + gi * g.Og * w.rs * 4;
            const xb = xAddr + (n * sN + gi * g.Cg * sC) * 4;
            if (perTask) {
              tasks.push(
                pointwise
                  ? {
                      name: 'gemm' as const,
                      args: [g.Og, g.L, g.K, a, w.rs, w.cs, xb, sC, hwStride(x), c, g.L, 0, -1],
                    }
                  : {
                      name: 'gemmConv' as const,
                      args: [g.Og, g.L, g.K, a, w.rs, w.cs, xb, cp, 0, c, g.L, 0, -1],
                    },
              );
            } else if (pointwise)
              gemm(ctx, g.Og, g.L, g.K, a, w.rs, w.cs, xb, sC, hwStride(x), c, g.L, false);
            else gemmConv(ctx, g.Og, g.L, g.K, a, w.rs, w.cs, xb, cp, c, g.L);
          }
        }
        if (perTask) ctx.runner.tasks(tasks);
      }
    } finally {
      if (pad !== 0) ctx.freeScratch(pad);
      w.release();
    }
  }
  if (bias !== null) {
    const b = contiguousF32(ctx, bias, 'conv2d');
    for (let n = 0; n < g.N; n++) {
      ctx.runner.range('epilogueK', [outPtr + n * g.O * g.L * 4, g.L, b.ptr, 2, 0], g.O, g.L);
    }
    b.release();
  }
}

/**
 * The input gradient of a 3×3, stride-1, one-group convolution with padding ≤ 2 is itself such a
 * convolution: of the output gradient, with the kernel flipped and its in/out channels swapped
 * (a view with negative strides, no copy), and padding 2 − p. Runs it through Winograd when that
 * applies and returns whether it did.
 */
function winogradBackwardInput(
  ctx: WasmContext,
  gradOut: View,
  weight: View,
  g: ConvGeom,
  outPtr: number,
): boolean {
  if (g.G !== 1 || g.kh !== 3 || g.kw !== 3 || g.sh !== 1 || g.sw !== 1 || g.dh !== 1 || g.dw !== 1)
    return false;
  if (g.ph > 2 || g.pw > 2) return false;
  const [sO, sC, sH, sW] = weight.strides as [number, number, number, number];
  const flipped: View = {
    storage: weight.storage,
    shape: [g.C, g.O, 3, 3],
    strides: [sC, sO, -sH, -sW],
    offset: weight.offset + 2 * sH + 2 * sW,
  };
  const gb = geometry(gradOut.shape, flipped.shape, [g.H, g.W], {
    stride: [1, 1],
    padding: [2 - g.ph, 2 - g.pw],
    dilation: [1, 1],
    groups: 1,
  });
  if (!winogradApplies(ctx, gb)) return false;
  winogradConv(ctx, gradOut, flipped, gb, outPtr);
  return true;
}

function conv2dBackwardInput(
  ctx: WasmContext,
  gradOut: View,
  weight: View,
  params: Conv2dParams,
  out: Out,
): void {
  const g = geometry(out.shape, weight.shape, gradOut.shape.slice(2), params);
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const outPtr = ctx.addr(out);
  if (winogradBackwardInput(ctx, gradOut, weight, g, outPtr)) return;
  ctx.heap.zero(outPtr, total * 4);
  if (g.K === 0 || g.L === 0 || g.Og === 0) return;
  const w = weightMatrix(ctx, weight, g);
  const go = imageMatrix(ctx, gradOut);
  const pointwise = isPointwise(g);
  const col = pointwise ? 0 : ctx.scratch(g.K * g.L * 4, 'conv2dBackwardInput');
  try {
    for (let n = 0; n < g.N; n++) {
      for (let gi = 0; gi < g.G; gi++) {
        // Wᵀ [K, Og] · gradOut [Og, L]
        const a = w.ptr + gi * g.Og * w.rs * 4;
        const b = go.ptr + (n * go.sN + gi * g.Og * go.rs) * 4;
        const dx = outPtr + (n * g.C + gi * g.Cg) * g.H * g.W * 4;
        if (pointwise) {
          gemm(ctx, g.K, g.L, g.Og, a, w.cs, w.rs, b, go.rs, go.cs, dx, g.L, false);
        } else {
          gemm(ctx, g.K, g.L, g.Og, a, w.cs, w.rs, b, go.rs, go.cs, col, g.L, false);
          ctx.runner.range(
            'col2imK',
            [col, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.Ho, g.Wo, dx],
            g.Cg,
            g.kh * g.kw * g.L,
          );
        }
      }
    }
  } finally {
    if (col !== 0) ctx.freeScratch(col);
    w.release();
    go.release();
  }
}

function conv2dBackwardWeight(
  ctx: WasmContext,
  x: View,
  gradOut: View,
  params: Conv2dParams,
  out: Out,
): void {
  const g = geometry(x.shape, out.shape, gradOut.shape.slice(2), params);
  const total = sizeOf(out.shape);
  if (total === 0) return;
  const outPtr = ctx.addr(out);
  if (g.N === 0 || g.L === 0) {
    ctx.heap.zero(outPtr, total * 4);
    return;
  }
  const go = imageMatrix(ctx, gradOut);
  const pointwise = isPointwise(g) && hwMergeable(x);
  const col = pointwise ? 0 : ctx.scratch(g.K * g.L * 4, 'conv2dBackwardWeight');
  try {
    for (let n = 0; n < g.N; n++) {
      for (let gi = 0; gi < g.G; gi++) {
        // gradOut [Og, L] · colᵀ [L, K]
        const a = go.ptr + (n * go.sN + gi * g.Og * go.rs) * 4;
        const c = outPtr + gi * g.Og * g.K * 4;
        if (pointwise) {
          const xb = ctx.addr(x) + (n * x.strides[0]! + gi * g.Cg * x.strides[1]!) * 4;
          gemm(ctx, g.Og, g.K, g.L, a, go.rs, go.cs, xb, hwStride(x), x.strides[1]!, c, g.K, n > 0);
        } else {
          im2col(ctx, g, x, n, gi, col);
          gemm(ctx, g.Og, g.K, g.L, a, go.rs, go.cs, col, 1, g.L, c, g.K, n > 0);
        }
      }
    }
  } finally {
    if (col !== 0) ctx.freeScratch(col);
    go.release();
  }
}

function maxPool2d(
  ctx: WasmContext,
  x: View,
  kernel: readonly [number, number],
  params: Omit<Conv2dParams, 'groups'> & { readonly ceilMode: boolean },
  out: Out,
  indices: Out | null,
): void {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [, , Ho, Wo] = out.shape as [number, number, number, number];
  const planes = N * C;
  if (planes * Ho * Wo === 0) return;
  const p = ctx.params([C, x.strides[0]!, x.strides[1]!, x.strides[2]!, x.strides[3]!]);
  ctx.runner.range(
    'maxPoolK',
    [
      p,
      ctx.addr(x),
      H,
      W,
      Ho,
      Wo,
      kernel[0],
      kernel[1],
      params.stride[0],
      params.stride[1],
      params.padding[0],
      params.padding[1],
      params.dilation[0],
      params.dilation[1],
      ctx.addr(out),
      indices === null ? 0 : ctx.addr(indices),
    ],
    planes,
    Ho * Wo * kernel[0] * kernel[1],
  );
}

function softmaxAny(ctx: WasmContext, isLog: boolean, x: View, axis: number, out: Out): void {
  if (sizeOf(out.shape) === 0) return;
  const oStrides = contiguousStrides(out.shape);
  const outer: number[] = [];
  const xs: number[] = [];
  const os: number[] = [];
  for (let d = 0; d < x.shape.length; d++) {
    if (d === axis) continue;
    outer.push(x.shape[d]!);
    xs.push(x.strides[d]!);
    os.push(oStrides[d]!);
  }
  const c = collapse(outer, [xs, os]);
  const shape = [...c.shape, x.shape[axis]!];
  const p = ctx.params(shape, [...c.strides[0]!, x.strides[axis]!], [...c.strides[1]!, oStrides[axis]!]);
  let rows = 1;
  for (let d = 0; d < shape.length - 1; d++) rows *= shape[d]!;
  ctx.runner.range(
    'softmaxK',
    [isLog ? 1 : 0, shape.length, p, ctx.addr(x), ctx.addr(out)],
    rows,
    20 * x.shape[axis]!,
  );
}

function batchNorm(
  ctx: WasmContext,
  x: View,
  weight: View | null,
  bias: View | null,
  eps: number,
  out: Out,
  mean: Out,
  variance: Out,
): void {
  const [N, C, S] = x.shape as [number, number, number];
  if (C === 0) return;
  const xc = contiguousF32(ctx, x, 'batchNorm');
  const wc = weight === null ? null : contiguousF32(ctx, weight, 'batchNorm');
  const bc = bias === null ? null : contiguousF32(ctx, bias, 'batchNorm');
  try {
    ctx.runner.range(
      'batchNormK',
      [xc.ptr, N, C, S, wc?.ptr ?? 0, bc?.ptr ?? 0, eps, ctx.addr(out), ctx.addr(mean), ctx.addr(variance)],
      C,
      3 * N * S,
    );
  } finally {
    xc.release();
    wc?.release();
    bc?.release();
  }
}

function crossEntropy(ctx: WasmContext, logits: View, target: View, ignoreIndex: number, out: Out): void {
  const [N, C] = logits.shape as [number, number];
  if (N === 0) return;
  const xc = contiguousF32(ctx, logits, 'crossEntropy');
  try {
    ctx.runner.range(
      'crossEntropyK',
      [xc.ptr, C, ctx.addr(target), target.strides[0]!, ignoreIndex, ctx.addr(out)],
      N,
      12 * C,
    );
  } finally {
    xc.release();
  }
}

function crossEntropyBackward(
  ctx: WasmContext,
  logits: View,
  target: View,
  gradOut: View,
  ignoreIndex: number,
  out: Out,
): void {
  const [N, C] = logits.shape as [number, number];
  if (N === 0 || C === 0) return;
  const xc = contiguousF32(ctx, logits, 'crossEntropyBackward');
  try {
    ctx.runner.range(
      'crossEntropyBackwardK',
      [
        xc.ptr,
        C,
        ctx.addr(target),
        target.strides[0]!,
        ctx.addr(gradOut),
        gradOut.strides[0]!,
        ignoreIndex,
        ctx.addr(out),
      ],
      N,
      24 * C,
    );
  } finally {
    xc.release();
  }
}

function layerNorm(
  ctx: WasmContext,
  x: View,
  normalizedSize: number,
  weight: View | null,
  bias: View | null,
  eps: number,
  out: Out,
  mean: Out | null,
  rstd: Out | null,
): void {
  const total = sizeOf(x.shape);
  if (total === 0 || normalizedSize === 0) return;
  const rows = total / normalizedSize;
  const xc = contiguousF32(ctx, x, 'layerNorm');
  const wc = weight === null ? null : contiguousF32(ctx, weight, 'layerNorm');
  const bc = bias === null ? null : contiguousF32(ctx, bias, 'layerNorm');
  try {
    ctx.k.layerNormK(
      xc.ptr,
      0,
      rows,
      normalizedSize,
      wc?.ptr ?? 0,
      bc?.ptr ?? 0,
      eps,
      ctx.addr(out),
      mean === null ? 0 : ctx.addr(mean),
      rstd === null ? 0 : ctx.addr(rstd),
    );
  } finally {
    xc.release();
    wc?.release();
    bc?.release();
  }
}

function matmulBiasActivation(
  ctx: WasmContext,
  a: View,
  b: View,
  bias: View | null,
  activation: 'none' | 'relu' | 'gelu',
  out: Out,
): void {
  const [m, n] = out.shape as [number, number];
  const k = a.shape[1]!;
  if (m === 0 || n === 0) return;
  const c = ctx.addr(out);
  gemm(
    ctx,
    m,
    n,
    k,
    ctx.addr(a),
    a.strides[0]!,
    a.strides[1]!,
    ctx.addr(b),
    b.strides[0]!,
    b.strides[1]!,
    c,
    n,
    false,
  );
  const act = activation === 'relu' ? 1 : activation === 'gelu' ? 2 : 0;
  if (bias === null && act === 0) return;
  const bc = bias === null ? null : contiguousF32(ctx, bias, 'matmulBiasActivation');
  ctx.runner.range('epilogueK', [c, n, bc?.ptr ?? 0, bc === null ? 0 : 1, act], m, n * (act === 2 ? 20 : 1));
  bc?.release();
}

/**
 * [from, length] chunks of n elements for an elementwise kernel without a range parameter: one
 * chunk on one thread or when small, else up to 4 per thread, each a multiple of 4 elements
 * (whole vectors) except the last.
 */
function elementChunks(ctx: WasmContext, n: number, cost: number): [number, number][] {
  const threads = ctx.runner.threads;
  const parts = Math.min(threads * 4, Math.floor((n * cost) / (1 << 16)));
  if (threads <= 1 || parts <= 1) return [[0, n]];
  const out: [number, number][] = [];
  const step = Math.ceil(n / parts / 4) * 4;
  for (let from = 0; from < n; from += step) out.push([from, Math.min(step, n - from)]);
  return out;
}

/** The optional kernels this backend implements, bound to a context. */
export function optionalKernels(ctx: WasmContext): OptionalKernels {
  return {
    conv2d: (x, weight, bias, params, out) => conv2d(ctx, x, weight, bias, params, out),
    conv2dBackwardInput: (gradOut, weight, params, out) =>
      conv2dBackwardInput(ctx, gradOut, weight, params, out),
    conv2dBackwardWeight: (x, gradOut, params, out) => conv2dBackwardWeight(ctx, x, gradOut, params, out),
    maxPool2d: (x, kernel, params, out, indices) => maxPool2d(ctx, x, kernel, params, out, indices),
    softmax: (x, axis, out) => softmaxAny(ctx, false, x, axis, out),
    logSoftmax: (x, axis, out) => softmaxAny(ctx, true, x, axis, out),
    layerNorm: (x, normalizedSize, weight, bias, eps, out, mean, rstd) =>
      layerNorm(ctx, x, normalizedSize, weight, bias, eps, out, mean, rstd),
    batchNorm: (x, weight, bias, eps, out, mean, variance) =>
      batchNorm(ctx, x, weight, bias, eps, out, mean, variance),
    crossEntropy: (logits, target, ignoreIndex, out) => crossEntropy(ctx, logits, target, ignoreIndex, out),
    crossEntropyBackward: (logits, target, gradOut, ignoreIndex, out) =>
      crossEntropyBackward(ctx, logits, target, gradOut, ignoreIndex, out),
    gelu: (x, approximate, out) => unaryCode(ctx, approximate === 'tanh' ? U_GELU_TANH : U_GELU, x, out),
    matmulBiasActivation: (a, b, bias, activation, out) =>
      matmulBiasActivation(ctx, a, b, bias, activation, out),
    adamStep: (param, grad, expAvg, expAvgSq, o) => {
      const n = sizeOf(param.shape);
      if (n === 0) return;
      const g = contiguousF32(ctx, grad, 'adamStep');
      const p0 = ctx.addr(param);
      const m0 = ctx.addr(expAvg);
      const v0 = ctx.addr(expAvgSq);
      const tasks = elementChunks(ctx, n, 40).map(([from, len]) => ({
        name: 'adamK' as const,
        args: [
          p0 + from * 4,
          g.ptr + from * 4,
          m0 + from * 4,
          v0 + from * 4,
          len,
          o.lr,
          o.beta1,
          o.beta2,
          o.eps,
          o.weightDecay,
          o.decoupled ? 1 : 0,
          o.step,
          o.maximize ? 1 : 0,
        ],
      }));
      try {
        ctx.runner.tasks(tasks);
      } finally {
        g.release();
      }
    },
    sgdStep: (param, grad, momentumBuffer, o) => {
      const n = sizeOf(param.shape);
      if (n === 0) return;
      const g = contiguousF32(ctx, grad, 'sgdStep');
      const p0 = ctx.addr(param);
      const b0 = momentumBuffer === null ? 0 : ctx.addr(momentumBuffer);
      const tasks = elementChunks(ctx, n, 10).map(([from, len]) => ({
        name: 'sgdK' as const,
        args: [
          p0 + from * 4,
          g.ptr + from * 4,
          b0 === 0 ? 0 : b0 + from * 4,
          len,
          o.lr,
          o.momentum,
          o.dampening,
          o.weightDecay,
          o.nesterov ? 1 : 0,
          o.maximize ? 1 : 0,
          o.firstStep ? 1 : 0,
        ],
      }));
      try {
        ctx.runner.tasks(tasks);
      } finally {
        g.release();
      }
    },
  };
}
