import type { Conv2dParams } from '../../backend/contract.js';
import { needsRecord, needsRecord2, record } from '../../core/dispatch.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { alive, commonBackend, newTensor, requireFloat } from '../../internal/make.js';
import { contiguous, narrow, permute, reshape, squeeze, transpose, unsqueeze } from '../shape.js';
import { composite, layout, pair, rawContiguous, rawCopy, rawPad } from './raw.js';

/**
 * Convolutions recorded for autograd: inputs `[x, weight, bias | null]`, outputs `[y]`.
 *
 * - `conv2d`: `x` [N, C, H, W], `weight` [O, C/groups, kh, kw]. Gradients:
 *   `conv2dBackwardInput(g, weight, x.shape, params)`, `conv2dBackwardWeight(x, g, weight.shape,
 *   params)`, `g.sum([0, 2, 3])` for the bias.
 * - `convTranspose2d`: `x` [N, Cin, H, W], `weight` [Cin, Cout/groups, kh, kw]; the value is
 *   `conv2dBackwardInput(x, weight, …)` of a conv2d with the same `params` whose input has the
 *   output's size. Gradients: `conv2d(g, weight, null, params)` for `x`,
 *   `conv2dBackwardWeight(g, x, weight.shape, params)` for the weight, `g.sum([0, 2, 3])` for the bias.
 */
export interface ConvOpAttrs {
  conv2d: { params: Conv2dParams };
  convTranspose2d: { params: Conv2dParams; outputPadding: readonly [number, number] };
}

/**
 * Options of {@link conv2d}. Numbers apply to both spatial dims; `padding` may also be `'valid'`
 * (no padding) or `'same'` (output as large as the input; stride 1 only).
 *
 * @example
 * ```ts
 * import { conv2d, ones } from '@kiln/tensor';
 * conv2d(ones([1, 1, 4, 4]), ones([1, 1, 3, 3]), null, { padding: 'same' }).shape; // [1, 1, 4, 4]
 * ```
 */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number] | 'same' | 'valid';
  dilation?: number | readonly [number, number];
  groups?: number;
}

/**
 * Options of {@link conv1d}.
 *
 * @example
 * ```ts
 * import { conv1d, ones } from '@kiln/tensor';
 * conv1d(ones([1, 1, 5]), ones([1, 1, 3]), null, { padding: 1 }).shape; // [1, 1, 5]
 * ```
 */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
}

/**
 * Options of {@link convTranspose2d} (PyTorch's, `outputPadding` adds rows/columns at the end).
 *
 * @example
 * ```ts
 * import { convTranspose2d, ones } from '@kiln/tensor';
 * convTranspose2d(ones([1, 1, 2, 2]), ones([1, 1, 3, 3]), null, { stride: 2, outputPadding: 1 }).shape; // [1, 1, 6, 6]
 * ```
 */
export interface ConvTranspose2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  outputPadding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

/**
 * Options of {@link conv2dBackwardInput} and {@link conv2dBackwardWeight}: those of the forward
 * conv2d (a {@link Conv2dParams} fits).
 *
 * @example
 * ```ts
 * import type { Conv2dGradOptions } from '@kiln/tensor';
 * const o: Conv2dGradOptions = { stride: 2, padding: 1 };
 * ```
 */
export interface Conv2dGradOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
}

function checkGroups(op: string, groups: number | undefined): number {
  const g = groups ?? 1;
  if (!Number.isInteger(g) || g < 1)
    throw new ValueError(`${op}: groups must be a positive integer (got ${g})`);
  return g;
}

function checkOperands(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  alive(x, op);
  alive(weight, op);
  requireFloat(op, x);
  requireFloat(op, weight, 'weight');
  commonBackend(op, x, weight);
  if (x.dtype !== weight.dtype) {
    throw new DTypeError(
      `${op}: input type (${x.dtype}) and weight type (${weight.dtype}) should be the same`,
    );
  }
  if (bias !== null && bias !== undefined) {
    alive(bias, op);
    commonBackend(op, x, bias);
    if (bias.dtype !== x.dtype) {
      throw new DTypeError(`${op}: input type (${x.dtype}) and bias type (${bias.dtype}) should be the same`);
    }
  }
}

function outSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

// ---- raw computation (never recorded) ----------------------------------------------------------

/** conv2d through the backend's kernel, else im2col (a strided view copied once) and matmul. */
function conv2dRaw(x: Tensor, w: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor {
  const backend = x.handle.backend;
  const [N, , H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const [sh, sw] = params.stride;
  const [ph, pw] = params.padding;
  const [dh, dw] = params.dilation;
  const g = params.groups;
  const Ho = outSize(H, kh, sh, ph, dh);
  const Wo = outSize(W, kw, sw, pw, dw);
  const kernels = backend.kernels;
  if (kernels.conv2d !== undefined || N * O * Ho * Wo === 0) {
    const out = newTensor(backend, x.dtype, [N, O, Ho, Wo]);
    if (out.numel() > 0) kernels.conv2d!(x, w, bias, params, out.out_());
    return out;
  }
  const src = ph > 0 || pw > 0 ? rawPad(x, [0, 0, ph, pw], [0, 0, ph, pw], 0) : x;
  const [s0, s1, s2, s3] = src.strides as [number, number, number, number];
  // NOTE: im2col as a pure view: window (i, j) of output (ho, wo) starts at (ho·s, wo·s) + (i·d, j·d).
  const windows = layout(
    src,
    [N, g, Cg, kh, kw, Ho, Wo],
    [s0, Cg * s1, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw],
    src.offset,
  );
  const cols = rawCopy(src, windows);
  if (src !== x) src.dispose();
  const K = Cg * kh * kw;
  const L = Ho * Wo;
  const Og = O / g;
  const wc = rawContiguous(w);
  const y = newTensor(backend, x.dtype, [N, O, Ho, Wo]);
  backend.matmul(
    layout(wc, [N, g, Og, K], [0, Og * K, K, 1], wc.offset),
    layout(cols, [N, g, K, L], [g * K * L, K * L, L, 1], 0),
    { storage: y.storage, shape: [N, g, Og, L], offset: 0 },
  );
  if (wc !== w) wc.dispose();
  cols.dispose();
  if (bias !== null) addBias(y, bias);
  return y;
}

/** Adds `bias` [O] in place to the fresh contiguous `y` [N, O, …]. */
function addBias(y: Tensor, bias: Tensor): void {
  if (y.numel() === 0) return;
  const strides = y.shape.map((_, i) => (i === 1 ? bias.strides[0]! : 0));
  y.handle.backend.binary('add', y, layout(bias, y.shape, strides, bias.offset), y.out_());
}

/**
 * `weight` [Cin, Cout/g, kh, kw] of a transposed conv as the equivalent conv2d weight
 * [Cout, Cin/g, kh, kw]: channels swapped within each group and the kernel flipped.
 */
function flipTransposeWeight(w: Tensor, g: number): Tensor {
  const [Cin, Og, kh, kw] = w.shape as [number, number, number, number];
  const Cing = Cin / g;
  const out = newTensor(w.handle.backend, w.dtype, [Og * g, Cing, kh, kw]);
  if (out.numel() === 0) return out;
  const [w0, w1, w2, w3] = w.strides as [number, number, number, number];
  const kk = kh * kw;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const src = layout(
        w,
        [g, Og, Cing],
        [Cing * w0, w1, w0],
        w.offset + (kh - 1 - i) * w2 + (kw - 1 - j) * w3,
      );
      const dst = layout(out, [g, Og, Cing], [Og * Cing * kk, Cing * kk, kk], i * kw + j);
      w.handle.backend.copy(src, dst);
    }
  }
  return out;
}

/**
 * The transposed convolution (conv2d's input gradient) of `x` [N, Cin, H, W] with `w`
 * [Cin, Cout/g, kh, kw] into an output of spatial size `size`: the backend's
 * `conv2dBackwardInput` kernel, else a stride-1 conv2d over the zero-inserted input with the
 * flipped, transposed weight.
 */
function convTransposeRaw(
  x: Tensor,
  w: Tensor,
  params: Conv2dParams,
  size: readonly [number, number],
): Tensor {
  const backend = x.handle.backend;
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [, Og, kh, kw] = w.shape as [number, number, number, number];
  const g = params.groups;
  const [Ho, Wo] = size;
  const Cout = Og * g;
  const kernels = backend.kernels;
  if (kernels.conv2dBackwardInput !== undefined || N * Cout * Ho * Wo === 0) {
    const out = newTensor(backend, x.dtype, [N, Cout, Ho, Wo]);
    if (out.numel() > 0) kernels.conv2dBackwardInput!(x, w, params, out.out_());
    return out;
  }
  const [sh, sw] = params.stride;
  const [ph, pw] = params.padding;
  const [dh, dw] = params.dilation;
  const Hz = Ho + dh * (kh - 1);
  const Wz = Wo + dw * (kw - 1);
  const qh = dh * (kh - 1) - ph;
  const qw = dw * (kw - 1) - pw;
  // NOTE: input rows land at qh + i·sh; padding larger than the dilated kernel drops the edges.
  const i0 = Math.max(0, Math.ceil(-qh / sh));
  const i1 = Math.min(H - 1, Math.floor((Hz - 1 - qh) / sh));
  const j0 = Math.max(0, Math.ceil(-qw / sw));
  const j1 = Math.min(W - 1, Math.floor((Wz - 1 - qw) / sw));
  const z = newTensor(backend, x.dtype, [N, Cin, Hz, Wz]);
  if (i1 >= i0 && j1 >= j0) {
    const nI = i1 - i0 + 1;
    const nJ = j1 - j0 + 1;
    const [x0, x1, x2, x3] = x.strides as [number, number, number, number];
    const src = layout(x, [N, Cin, nI, nJ], [x0, x1, x2, x3], x.offset + i0 * x2 + j0 * x3);
    const dst = layout(
      z,
      [N, Cin, nI, nJ],
      [Cin * Hz * Wz, Hz * Wz, sh * Wz, sw],
      (qh + i0 * sh) * Wz + (qw + j0 * sw),
    );
    backend.copy(src, dst);
  }
  const wt = flipTransposeWeight(w, g);
  const y = conv2dRaw(z, wt, null, { stride: [1, 1], padding: [0, 0], dilation: [dh, dw], groups: g });
  z.dispose();
  wt.dispose();
  return y;
}

// ---- validation ------------------------------------------------------------------------------

function resolveParams(
  op: string,
  options: {
    stride?: number | readonly number[];
    padding?: number | readonly number[];
    dilation?: number | readonly number[];
  },
  groups: number,
): Conv2dParams {
  return {
    stride: pair(op, 'stride', options.stride ?? 1, 1),
    padding: pair(op, 'padding', options.padding ?? 0, 0),
    dilation: pair(op, 'dilation', options.dilation ?? 1, 1),
    groups,
  };
}

function checkConv2dShapes(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  params: Conv2dParams,
): void {
  if (weight.shape.length !== 4) {
    throw new ShapeError(
      `${op}: expected weight [O, C/groups, kh, kw] to be 4-D (got ${formatShape(weight.shape)})`,
    );
  }
  const [O, Cg, kh, kw] = weight.shape as [number, number, number, number];
  const g = params.groups;
  if (x.shape.length !== 4) {
    throw new ShapeError(
      `${op}: expected input [N, C, H, W] with C = ${Cg * g} (weight ${formatShape(weight.shape)}), got ${formatShape(x.shape)}`,
    );
  }
  if (O % g !== 0) {
    throw new ShapeError(
      `${op}: expected out channels (${O}) of weight ${formatShape(weight.shape)} to be divisible by groups (${g})`,
    );
  }
  if (x.shape[1] !== Cg * g) {
    throw new ShapeError(
      `${op}: expected input [N, C, H, W] with C = ${Cg * g} (weight ${formatShape(weight.shape)}${g > 1 ? `, groups ${g}` : ''}), got ${formatShape(x.shape)}`,
    );
  }
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== O)) {
    throw new ShapeError(
      `${op}: expected bias of shape [${O}] (weight ${formatShape(weight.shape)}), got ${formatShape(bias.shape)}`,
    );
  }
  const hp = x.shape[2]! + 2 * params.padding[0];
  const wp = x.shape[3]! + 2 * params.padding[1];
  const ekh = params.dilation[0] * (kh - 1) + 1;
  const ekw = params.dilation[1] * (kw - 1) + 1;
  if (ekh > hp || ekw > wp) {
    throw new ShapeError(
      `${op}: kernel size [${ekh}, ${ekw}] (dilated) can't be greater than the padded input size [${hp}, ${wp}] (input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)})`,
    );
  }
}

/** conv2d on validated 4-D operands with symmetric padding; records `conv2d`. */
function conv2dCore(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor {
  const y = conv2dRaw(x, weight, bias, params);
  if (needsRecord([x, weight, bias])) record('conv2d', [x, weight, bias], [y], { params });
  return y;
}

function unbatched(op: string, x: Tensor, rank: number): boolean {
  if (x.shape.length === rank - 1) return true;
  if (x.shape.length === rank) return false;
  const what =
    rank === 4 ? '3-D (unbatched) or 4-D (batched) input' : '2-D (unbatched) or 3-D (batched) input';
  throw new ShapeError(
    `${op}: expected ${what} (got ${x.shape.length}-D input of shape ${formatShape(x.shape)})`,
  );
}

/**
 * 2-D convolution (cross-correlation, as PyTorch), NCHW: `x` [N, C, H, W] or [C, H, W], `weight`
 * [O, C/groups, kh, kw], `bias` [O]. Uses the backend's `conv2d` kernel when it has one, else
 * im2col (a strided view of the padded input, copied once) and one matmul per group.
 *
 * @example
 * ```ts
 * import { conv2d, ones } from '@kiln/tensor';
 * conv2d(ones([1, 1, 3, 3]), ones([1, 1, 2, 2])).toArray(); // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor {
  const op = 'conv2d';
  checkOperands(op, x, weight, bias);
  const b = bias ?? null;
  const groups = checkGroups(op, options?.groups);
  const pad = options?.padding ?? 0;
  const batchless = unbatched(op, x, 4);
  return composite(() => {
    const x4 = batchless ? unsqueeze(x, 0) : x;
    let y: Tensor;
    if (pad === 'same' || pad === 'valid') {
      const base = resolveParams(op, { stride: options?.stride, dilation: options?.dilation }, groups);
      if (pad === 'valid') {
        checkConv2dShapes(op, x4, weight, b, base);
        y = conv2dCore(x4, weight, b, base);
      } else {
        if (base.stride[0] !== 1 || base.stride[1] !== 1) {
          throw new ValueError(
            `${op}: padding='same' is not supported for strided convolutions (got stride [${base.stride.join(', ')}], expected 1)`,
          );
        }
        if (weight.shape.length !== 4) checkConv2dShapes(op, x4, weight, b, base);
        // NOTE: 'same' pads d·(k−1) in total, the odd one at the end (as PyTorch); an odd total is
        // computed with one more row of padding on both sides, and the first output row dropped.
        const total = [base.dilation[0] * (weight.shape[2]! - 1), base.dilation[1] * (weight.shape[3]! - 1)];
        const padding: [number, number] = [Math.ceil(total[0]! / 2), Math.ceil(total[1]! / 2)];
        const params: Conv2dParams = { ...base, padding };
        checkConv2dShapes(op, x4, weight, b, params);
        let r = conv2dCore(x4, weight, b, params);
        for (let d = 0; d < 2; d++) {
          if (total[d]! % 2 === 1) r = narrow(r, 2 + d, 1, x4.shape[2 + d]!);
        }
        y = contiguous(r);
      }
    } else {
      const params = resolveParams(
        op,
        { stride: options?.stride, padding: pad, dilation: options?.dilation },
        groups,
      );
      checkConv2dShapes(op, x4, weight, b, params);
      y = conv2dCore(x4, weight, b, params);
    }
    return batchless ? squeeze(y, 0) : y;
  });
}

/**
 * 1-D convolution: `x` [N, C, L] or [C, L], `weight` [O, C/groups, k], `bias` [O] (a conv2d over
 * a height-1 view, so it shares conv2d's kernels and gradient).
 *
 * @example
 * ```ts
 * import { conv1d, tensor } from '@kiln/tensor';
 * conv1d(tensor([[[1, 2, 3]]]), tensor([[[1, 1]]])).toArray(); // [[[3, 5]]]
 * ```
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv1dOptions): Tensor {
  const op = 'conv1d';
  checkOperands(op, x, weight, bias);
  if (weight.shape.length !== 3) {
    throw new ShapeError(
      `${op}: expected weight [O, C/groups, k] to be 3-D (got ${formatShape(weight.shape)})`,
    );
  }
  const batchless = unbatched(op, x, 3);
  const groups = checkGroups(op, options?.groups);
  const x3 = x;
  if (x3.shape[x3.shape.length - 2] !== weight.shape[1]! * groups) {
    throw new ShapeError(
      `${op}: expected input [N, C, L] with C = ${weight.shape[1]! * groups} (weight ${formatShape(weight.shape)}${groups > 1 ? `, groups ${groups}` : ''}), got ${formatShape(x.shape)}`,
    );
  }
  const one = (name: string, v: number | undefined, dflt: number, min: number): number => {
    const n = v ?? dflt;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
      throw new ValueError(
        `${op}: ${name} must be ${min > 0 ? 'a positive' : 'a non-negative'} integer (got ${String(v)})`,
      );
    }
    return n;
  };
  const stride = one('stride', options?.stride, 1, 1);
  const dilation = one('dilation', options?.dilation, 1, 1);
  const pad = options?.padding ?? 0;
  const padding = pad === 'same' || pad === 'valid' ? pad : one('padding', pad, 0, 0);
  return composite(() => {
    const xb = batchless ? unsqueeze(x, 0) : x;
    const y = conv2d(unsqueeze(xb, 2), unsqueeze(weight, 2), bias ?? null, {
      stride: [1, stride],
      padding: typeof padding === 'number' ? [0, padding] : padding,
      dilation: [1, dilation],
      groups,
    });
    const y3 = squeeze(y, 2);
    return batchless ? squeeze(y3, 0) : y3;
  });
}

function convTransposeCore(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  params: Conv2dParams,
  outputPadding: readonly [number, number],
): Tensor {
  const [, , H, W] = x.shape as [number, number, number, number];
  const [, , kh, kw] = weight.shape as [number, number, number, number];
  const size: [number, number] = [
    (H - 1) * params.stride[0] - 2 * params.padding[0] + params.dilation[0] * (kh - 1) + outputPadding[0] + 1,
    (W - 1) * params.stride[1] - 2 * params.padding[1] + params.dilation[1] * (kw - 1) + outputPadding[1] + 1,
  ];
  if (size[0] <= 0 || size[1] <= 0) {
    throw new ShapeError(
      `convTranspose2d: output size [${size.join(', ')}] is too small (input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)})`,
    );
  }
  const y = convTransposeRaw(x, weight, params, size);
  if (bias !== null) addBias(y, bias);
  if (needsRecord([x, weight, bias]))
    record('convTranspose2d', [x, weight, bias], [y], { params, outputPadding });
  return y;
}

function checkTransposeShapes(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  groups: number,
): void {
  if (weight.shape.length !== 4) {
    throw new ShapeError(
      `${op}: expected weight [Cin, Cout/groups, kh, kw] to be 4-D (got ${formatShape(weight.shape)})`,
    );
  }
  const Cin = weight.shape[0]!;
  if (x.shape.length !== 4 || x.shape[1] !== Cin) {
    throw new ShapeError(
      `${op}: expected input [N, C, H, W] with C = ${Cin} (weight ${formatShape(weight.shape)}), got ${formatShape(x.shape)}`,
    );
  }
  if (Cin % groups !== 0) {
    throw new ShapeError(
      `${op}: expected in channels (${Cin}) of weight ${formatShape(weight.shape)} to be divisible by groups (${groups})`,
    );
  }
  const Cout = weight.shape[1]! * groups;
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== Cout)) {
    throw new ShapeError(
      `${op}: expected bias of shape [${Cout}] (weight ${formatShape(weight.shape)}), got ${formatShape(bias.shape)}`,
    );
  }
}

/**
 * Transposed 2-D convolution (the gradient of conv2d with respect to its input): `x` [N, Cin, H, W]
 * or [Cin, H, W], `weight` [Cin, Cout/groups, kh, kw], `bias` [Cout]. Output size
 * `(H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1`. Uses the backend's
 * `conv2dBackwardInput` kernel when it has one, else a conv2d over the zero-inserted input.
 *
 * @example
 * ```ts
 * import { convTranspose2d, ones } from '@kiln/tensor';
 * convTranspose2d(ones([1, 1, 1, 1]), ones([1, 1, 2, 2]), null, { stride: 2 }).toArray(); // [[[[1, 1], [1, 1]]]]
 * ```
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options?: ConvTranspose2dOptions,
): Tensor {
  const op = 'convTranspose2d';
  checkOperands(op, x, weight, bias);
  const b = bias ?? null;
  const groups = checkGroups(op, options?.groups);
  const params = resolveParams(op, options ?? {}, groups);
  const outputPadding = pair(op, 'outputPadding', options?.outputPadding ?? 0, 0);
  for (let d = 0; d < 2; d++) {
    if (outputPadding[d]! >= Math.max(params.stride[d]!, params.dilation[d]!)) {
      throw new ValueError(
        `${op}: output padding must be smaller than either stride or dilation (got outputPadding [${outputPadding.join(', ')}], stride [${params.stride.join(', ')}], dilation [${params.dilation.join(', ')}])`,
      );
    }
  }
  const batchless = unbatched(op, x, 4);
  return composite(() => {
    const x4 = batchless ? unsqueeze(x, 0) : x;
    checkTransposeShapes(op, x4, weight, b, groups);
    const y = convTransposeCore(x4, weight, b, params, outputPadding);
    return batchless ? squeeze(y, 0) : y;
  });
}

/**
 * Transposed 1-D convolution: `x` [N, Cin, L] or [Cin, L], `weight` [Cin, Cout/groups, k].
 *
 * @example
 * ```ts
 * import { convTranspose1d, ones } from '@kiln/tensor';
 * convTranspose1d(ones([1, 1, 2]), ones([1, 1, 2])).toArray(); // [[[1, 2, 1]]]
 * ```
 */
export function convTranspose1d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  options?: { stride?: number; padding?: number; outputPadding?: number; dilation?: number; groups?: number },
): Tensor {
  const op = 'convTranspose1d';
  checkOperands(op, x, weight, bias);
  if (weight.shape.length !== 3) {
    throw new ShapeError(
      `${op}: expected weight [Cin, Cout/groups, k] to be 3-D (got ${formatShape(weight.shape)})`,
    );
  }
  const batchless = unbatched(op, x, 3);
  return composite(() => {
    const x3 = batchless ? unsqueeze(x, 0) : x;
    const y = convTranspose2d(unsqueeze(x3, 2), unsqueeze(weight, 2), bias ?? null, {
      stride: [1, options?.stride ?? 1],
      padding: [0, options?.padding ?? 0],
      outputPadding: [0, options?.outputPadding ?? 0],
      dilation: [1, options?.dilation ?? 1],
      groups: options?.groups ?? 1,
    });
    const y3 = squeeze(y, 2);
    return batchless ? squeeze(y3, 0) : y3;
  });
}

function gradParams(op: string, options: Conv2dGradOptions | undefined): Conv2dParams {
  return resolveParams(op, options ?? {}, checkGroups(op, options?.groups));
}

/**
 * The gradient of `conv2d(x, weight, …, options)` with respect to `x`, given the output gradient
 * `gradOut` [N, O, Ho, Wo] and `x`'s shape [N, C, H, W]. Differentiable (it is a transposed
 * convolution, recorded as `convTranspose2d`), so higher-order gradients work.
 *
 * @example
 * ```ts
 * import { conv2dBackwardInput, ones } from '@kiln/tensor';
 * conv2dBackwardInput(ones([1, 1, 2, 2]), ones([1, 1, 2, 2]), [1, 1, 3, 3]).toArray();
 * // [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]
 * ```
 */
export function conv2dBackwardInput(
  gradOut: Tensor,
  weight: Tensor,
  inputShape: readonly number[],
  options?: Conv2dGradOptions,
): Tensor {
  const op = 'conv2dBackwardInput';
  checkOperands(op, gradOut, weight, null);
  const params = gradParams(op, options);
  if (inputShape.length !== 4 || weight.shape.length !== 4 || gradOut.shape.length !== 4) {
    throw new ShapeError(
      `${op}: expected 4-D gradOut, weight and input shape (got ${formatShape(gradOut.shape)}, ${formatShape(weight.shape)}, ${formatShape(inputShape)})`,
    );
  }
  const [N, C, H, W] = inputShape as [number, number, number, number];
  const [O, Cg, kh, kw] = weight.shape as [number, number, number, number];
  const Ho = outSize(H, kh, params.stride[0], params.padding[0], params.dilation[0]);
  const Wo = outSize(W, kw, params.stride[1], params.padding[1], params.dilation[1]);
  const want = [N, O, Ho, Wo];
  if (C !== Cg * params.groups || !gradOut.shape.every((d, i) => d === want[i])) {
    throw new ShapeError(
      `${op}: expected gradOut ${formatShape(want)} for input ${formatShape(inputShape)} and weight ${formatShape(weight.shape)}, got ${formatShape(gradOut.shape)}`,
    );
  }
  // NOTE: the rows of the input that no window reached are the output padding of the transpose.
  const outputPadding: [number, number] = [
    H - ((Ho - 1) * params.stride[0] - 2 * params.padding[0] + params.dilation[0] * (kh - 1) + 1),
    W - ((Wo - 1) * params.stride[1] - 2 * params.padding[1] + params.dilation[1] * (kw - 1) + 1),
  ];
  return convTransposeCore(gradOut, weight, null, params, outputPadding);
}

/**
 * The gradient of `conv2d(x, weight, …, options)` with respect to `weight` (of shape
 * `weightShape` [O, C/groups, kh, kw]), given `x` and the output gradient `gradOut`. Uses the
 * backend's `conv2dBackwardWeight` kernel when nothing needs recording; otherwise it is written as
 * a conv2d of `x` with `gradOut` (stride and dilation swapped), so higher-order gradients work.
 *
 * @example
 * ```ts
 * import { conv2dBackwardWeight, ones } from '@kiln/tensor';
 * conv2dBackwardWeight(ones([1, 1, 3, 3]), ones([1, 1, 2, 2]), [1, 1, 2, 2]).toArray(); // [[[[4, 4], [4, 4]]]]
 * ```
 */
export function conv2dBackwardWeight(
  x: Tensor,
  gradOut: Tensor,
  weightShape: readonly number[],
  options?: Conv2dGradOptions,
): Tensor {
  const op = 'conv2dBackwardWeight';
  checkOperands(op, x, gradOut, null);
  const params = gradParams(op, options);
  if (weightShape.length !== 4 || x.shape.length !== 4 || gradOut.shape.length !== 4) {
    throw new ShapeError(
      `${op}: expected 4-D input, gradOut and weight shape (got ${formatShape(x.shape)}, ${formatShape(gradOut.shape)}, ${formatShape(weightShape)})`,
    );
  }
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = weightShape as [number, number, number, number];
  const g = params.groups;
  const Ho = outSize(H, kh, params.stride[0], params.padding[0], params.dilation[0]);
  const Wo = outSize(W, kw, params.stride[1], params.padding[1], params.dilation[1]);
  const want = [N, O, Ho, Wo];
  if (C !== Cg * g || O % g !== 0 || !gradOut.shape.every((d, i) => d === want[i])) {
    throw new ShapeError(
      `${op}: expected gradOut ${formatShape(want)} for input ${formatShape(x.shape)} and weight ${formatShape(weightShape)}, got ${formatShape(gradOut.shape)}`,
    );
  }
  const kernels = x.handle.backend.kernels;
  if (kernels.conv2dBackwardWeight !== undefined && !needsRecord2(x, gradOut)) {
    const out = newTensor(x.handle.backend, x.dtype, weightShape);
    if (out.numel() > 0) kernels.conv2dBackwardWeight(x, gradOut, params, out.out_());
    return out;
  }
  // NOTE: gw[o, c, i, j] = Σ_{n, ho, wo} g[n, o, ho, wo]·x[n, c, ho·s + i·d, wo·s + j·d]: a conv2d
  // with batch and channels swapped (per group), stride d and dilation s.
  const Og = O / g;
  return composite(() => {
    const xi = reshape(permute(reshape(x, [N, g, Cg, H, W]), [2, 1, 0, 3, 4]), [Cg, g * N, H, W]);
    const gw = reshape(permute(reshape(gradOut, [N, g, Og, Ho, Wo]), [1, 2, 0, 3, 4]), [O, N, Ho, Wo]);
    const params2: Conv2dParams = {
      stride: params.dilation,
      padding: params.padding,
      dilation: params.stride,
      groups: g,
    };
    const full = conv2dCore(xi, gw, null, params2);
    let r = full;
    if (full.shape[2] !== kh) r = narrow(r, 2, 0, kh);
    if (full.shape[3] !== kw) r = narrow(r, 3, 0, kw);
    return contiguous(transpose(r, 0, 1));
  });
}
