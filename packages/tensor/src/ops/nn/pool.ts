import { needsRecord1, record } from '../../core/dispatch.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { ShapeError, ValueError } from '../../errors/errors.js';
import { alive, newTensor, requireFloat } from '../../internal/make.js';
import { div } from '../binary.js';
import { fromTypedArray } from '../creation.js';
import { indexSelect } from '../indexing.js';
import { matmul } from '../linalg.js';
import { amax } from '../reduce.js';
import { clone, narrow, reshape, squeeze, transpose, unsqueeze } from '../shape.js';
import { conv2d } from './conv.js';
import { composite, layout, pair, rawCopy, rawPad } from './raw.js';

/**
 * Pooling ops recorded for autograd. `maxPool2d`: inputs `[x]` ([N, C, H, W]), outputs `[y]`;
 * `indices` (int32, same shape as `y`) holds the flat position `h·W + w` of each maximum within
 * its (n, c) plane, so the gradient is `g` scatter-added at `indices` into a zero [N, C, H·W].
 * Average pooling is a composite (a conv2d), so it needs no rule.
 */
export interface PoolOpAttrs {
  maxPool2d: {
    kernelSize: readonly [number, number];
    stride: readonly [number, number];
    padding: readonly [number, number];
    dilation: readonly [number, number];
    ceilMode: boolean;
    inputShape: readonly number[];
    indices: Tensor;
  };
}

/**
 * Options of {@link maxPool2d} (`stride` defaults to the kernel size).
 *
 * @example
 * ```ts
 * import { maxPool2d, ones } from '@kiln/tensor';
 * maxPool2d(ones([1, 1, 5, 5]), 2, { ceilMode: true }).shape; // [1, 1, 3, 3]
 * ```
 */
export interface MaxPool2dOptions {
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/**
 * Options of {@link maxPool1d}.
 *
 * @example
 * ```ts
 * import { maxPool1d, ones } from '@kiln/tensor';
 * maxPool1d(ones([1, 1, 6]), 3, { stride: 1 }).shape; // [1, 1, 4]
 * ```
 */
export interface MaxPool1dOptions {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

/**
 * Options of {@link avgPool2d}: `countIncludePad` (default true) counts zero padding in the
 * divisor; `divisorOverride` replaces the divisor.
 *
 * @example
 * ```ts
 * import { avgPool2d, ones } from '@kiln/tensor';
 * avgPool2d(ones([1, 1, 2, 2]), 2, { padding: 1, countIncludePad: false }).toArray(); // [[[[1, 1], [1, 1]]]]
 * ```
 */
export interface AvgPool2dOptions {
  stride?: number | readonly [number, number] | null;
  padding?: number | readonly [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/**
 * Options of {@link avgPool1d}.
 *
 * @example
 * ```ts
 * import { avgPool1d, ones } from '@kiln/tensor';
 * avgPool1d(ones([1, 1, 4]), 2).shape; // [1, 1, 2]
 * ```
 */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

interface Geometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  out: [number, number];
}

function pooledSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // NOTE: as PyTorch, the last window must start inside the input or its left padding.
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
}

function geometry(
  op: string,
  x: Tensor,
  kernelSize: number | readonly number[],
  options: {
    stride?: number | readonly number[] | null;
    padding?: number | readonly number[];
    dilation?: number | readonly number[];
    ceilMode?: boolean;
  },
  spatial: readonly [number, number] = [x.shape[x.shape.length - 2]!, x.shape[x.shape.length - 1]!],
): Geometry {
  const kernel = pair(op, 'kernelSize', kernelSize, 1);
  const stride =
    options.stride === undefined || options.stride === null ? kernel : pair(op, 'stride', options.stride, 1);
  const padding = pair(op, 'padding', options.padding ?? 0, 0);
  const dilation = pair(op, 'dilation', options.dilation ?? 1, 1);
  const ceilMode = options.ceilMode ?? false;
  for (let d = 0; d < 2; d++) {
    if (padding[d]! > Math.floor((dilation[d]! * (kernel[d]! - 1) + 1) / 2)) {
      throw new ValueError(
        `${op}: pad should be at most half of effective kernel size (got padding [${padding.join(', ')}], kernel size [${kernel.join(', ')}])`,
      );
    }
  }
  const [H, W] = spatial;
  const out: [number, number] = [
    pooledSize(H, kernel[0], stride[0], padding[0], dilation[0], ceilMode),
    pooledSize(W, kernel[1], stride[1], padding[1], dilation[1], ceilMode),
  ];
  if (out[0] <= 0 || out[1] <= 0) {
    throw new ShapeError(
      `${op}: output size [${out.join(', ')}] is too small (input ${formatShape(x.shape)}, kernel size [${kernel.join(', ')}], stride [${stride.join(', ')}], padding [${padding.join(', ')}], dilation [${dilation.join(', ')}])`,
    );
  }
  return { kernel, stride, padding, dilation, ceilMode, out };
}

function checkPoolInput(op: string, x: Tensor, rank: number): boolean {
  alive(x, op);
  requireFloat(op, x);
  const batched = x.shape.length === rank;
  if (!batched && x.shape.length !== rank - 1) {
    throw new ShapeError(
      `${op}: expected ${rank - 1}-D (unbatched) or ${rank}-D (batched) input (got ${x.shape.length}-D input of shape ${formatShape(x.shape)})`,
    );
  }
  const spatial = x.shape.slice(-(rank - 2));
  if (spatial.some((d) => d === 0)) {
    throw new ShapeError(
      `${op}: expected non-empty spatial dims (got input of shape ${formatShape(x.shape)})`,
    );
  }
  return batched;
}

/** Max pooling values and plane indices: the backend's kernel, else strided windows + argmax. */
function maxPoolRaw(x: Tensor, geo: Geometry, wantIndices: boolean): [Tensor, Tensor | null] {
  const backend = x.handle.backend;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [Ho, Wo] = geo.out;
  const values = newTensor(backend, x.dtype, [N, C, Ho, Wo]);
  const kernel = backend.kernels.maxPool2d;
  if (kernel !== undefined || values.numel() === 0) {
    const indices = wantIndices ? newTensor(backend, 'int32', [N, C, Ho, Wo]) : null;
    if (values.numel() > 0) {
      backend.kernels.maxPool2d!(
        x,
        geo.kernel,
        { stride: geo.stride, padding: geo.padding, dilation: geo.dilation, ceilMode: geo.ceilMode },
        values.out_(),
        indices === null ? null : indices.out_(),
      );
    }
    return [values, indices];
  }
  values.dispose();
  const [kh, kw] = geo.kernel;
  const [sh, sw] = geo.stride;
  const [ph, pw] = geo.padding;
  const [dh, dw] = geo.dilation;
  // NOTE: ceil mode may let the last window run past the bottom/right padding.
  const extraH = Math.max(0, (Ho - 1) * sh + dh * (kh - 1) + 1 - (H + 2 * ph));
  const extraW = Math.max(0, (Wo - 1) * sw + dw * (kw - 1) + 1 - (W + 2 * pw));
  const padded = rawPad(x, [0, 0, ph, pw], [0, 0, ph + extraH, pw + extraW], Number.NEGATIVE_INFINITY);
  const Hp = padded.shape[2]!;
  const Wp = padded.shape[3]!;
  const K = kh * kw;
  const windows = rawCopy(
    padded,
    layout(padded, [N, C, Ho, Wo, kh, kw], [C * Hp * Wp, Hp * Wp, sh * Wp, sw, dh * Wp, dw], 0),
  );
  padded.dispose();
  const flat = layout(windows, [N, C, Ho, Wo, K], [C * Ho * Wo * K, Ho * Wo * K, Wo * K, K, 1], 0);
  const flatT = newTensor(backend, x.dtype, [N, C, Ho, Wo]);
  backend.reduce('max', flat, [4], flatT.out_());
  if (!wantIndices) {
    windows.dispose();
    return [flatT, null];
  }
  const arg = newTensor(backend, 'int32', [N, C, Ho, Wo]);
  backend.reduce('argmax', flat, [4], arg.out_());
  windows.dispose();
  // NOTE: a window position in the padding maps to the window's first in-bounds pixel, which is
  // what PyTorch reports when every value is -∞.
  const table = new Int32Array(Ho * Wo * K);
  for (let oh = 0; oh < Ho; oh++) {
    let h0 = oh * sh - ph;
    while (h0 < 0) h0 += dh;
    for (let ow = 0; ow < Wo; ow++) {
      let w0 = ow * sw - pw;
      while (w0 < 0) w0 += dw;
      const base = (oh * Wo + ow) * K;
      for (let i = 0; i < kh; i++) {
        const h = oh * sh - ph + i * dh;
        for (let j = 0; j < kw; j++) {
          const w = ow * sw - pw + j * dw;
          table[base + i * kw + j] = h >= 0 && h < H && w >= 0 && w < W ? h * W + w : h0 * W + w0;
        }
      }
    }
  }
  const tableT = fromTypedArray(table, [Ho, Wo, K], { device: x.device });
  const indices = newTensor(backend, 'int32', [N, C, Ho, Wo]);
  backend.gather(
    layout(tableT, [N, C, Ho, Wo, K], [0, 0, Wo * K, K, 1], 0),
    4,
    layout(arg, [N, C, Ho, Wo, 1], [C * Ho * Wo, Ho * Wo, Wo, 1, 1], 0),
    { storage: indices.storage, shape: [N, C, Ho, Wo, 1], offset: 0 },
  );
  tableT.dispose();
  arg.dispose();
  return [flatT, indices];
}

function maxPoolCore(x4: Tensor, geo: Geometry, returnIndices: boolean): [Tensor, Tensor | null] {
  const tracked = needsRecord1(x4);
  const [y, indices] = maxPoolRaw(x4, geo, returnIndices || tracked);
  if (tracked) {
    record('maxPool2d', [x4], [y], {
      kernelSize: geo.kernel,
      stride: geo.stride,
      padding: geo.padding,
      dilation: geo.dilation,
      ceilMode: geo.ceilMode,
      inputShape: x4.shape,
      indices: indices!,
    });
  }
  return [y, indices];
}

/**
 * 2-D max pooling over `x` [N, C, H, W] or [C, H, W], with `-∞` padding. With
 * `returnIndices: true` it returns `[values, indices]`, the indices being flat positions `h·W + w`
 * in each input plane (int32), as PyTorch. Uses the backend's `maxPool2d` kernel when it has one.
 *
 * @example
 * ```ts
 * import { maxPool2d, tensor } from '@kiln/tensor';
 * maxPool2d(tensor([[[[1, 2], [3, 4]]]]), 2).toArray(); // [[[[4]]]]
 * const [v, i] = maxPool2d(tensor([[[[1, 2], [3, 4]]]]), 2, { returnIndices: true });
 * i.toArray(); // [[[[3]]]]
 * ```
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly [number, number],
  options: MaxPool2dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly [number, number],
  options?: MaxPool2dOptions,
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: number | readonly [number, number],
  options: MaxPool2dOptions = {},
): Tensor | [Tensor, Tensor] {
  const op = 'maxPool2d';
  const batched = checkPoolInput(op, x, 4);
  const geo = geometry(op, x, kernelSize, options);
  const returnIndices = options.returnIndices === true;
  const r = composite(() => {
    const x4 = batched ? x : unsqueeze(x, 0);
    const [y, indices] = maxPoolCore(x4, geo, returnIndices);
    const out = batched ? y : squeeze(y, 0);
    // NOTE: unrequested indices are left out of the result so that tidy frees them.
    return returnIndices ? [out, batched ? indices! : squeeze(indices!, 0)] : [out];
  });
  return returnIndices ? [r[0]!, r[1]!] : r[0]!;
}

/**
 * 1-D max pooling over `x` [N, C, L] or [C, L] (a height-1 `maxPool2d`); indices are positions
 * along L.
 *
 * @example
 * ```ts
 * import { maxPool1d, tensor } from '@kiln/tensor';
 * maxPool1d(tensor([[[1, 3, 2, 0]]]), 2).toArray(); // [[[3, 2]]]
 * ```
 */
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  options: MaxPool1dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: number, options?: MaxPool1dOptions): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSize: number,
  options: MaxPool1dOptions = {},
): Tensor | [Tensor, Tensor] {
  const op = 'maxPool1d';
  checkPoolInput(op, x, 3);
  const geo = geometry(
    op,
    x,
    [1, kernelSize],
    {
      stride: options.stride === undefined || options.stride === null ? null : [1, options.stride],
      padding: [0, options.padding ?? 0],
      dilation: [1, options.dilation ?? 1],
      ceilMode: options.ceilMode ?? false,
    },
    [1, x.shape[x.shape.length - 1]!],
  );
  const batched = x.shape.length === 3;
  const returnIndices = options.returnIndices === true;
  const r = composite(() => {
    const x4 = unsqueeze(batched ? x : unsqueeze(x, 0), 2);
    const [y, indices] = maxPoolCore(x4, geo, returnIndices);
    const fix = (t: Tensor): Tensor => (batched ? squeeze(t, 2) : squeeze(squeeze(t, 2), 0));
    return returnIndices ? [fix(y), fix(indices!)] : [fix(y)];
  });
  return returnIndices ? [r[0]!, r[1]!] : r[0]!;
}

function avgPoolCore(
  op: string,
  x4: Tensor,
  geo: Geometry,
  countIncludePad: boolean,
  divisorOverride: number | null | undefined,
): Tensor {
  const [N, C, H, W] = x4.shape as [number, number, number, number];
  const [kh, kw] = geo.kernel;
  const [sh, sw] = geo.stride;
  const [ph, pw] = geo.padding;
  const [Ho, Wo] = geo.out;
  if (
    divisorOverride !== undefined &&
    divisorOverride !== null &&
    (!Number.isInteger(divisorOverride) || divisorOverride === 0)
  ) {
    throw new ValueError(`${op}: divisorOverride must be a non-zero integer (got ${divisorOverride})`);
  }
  // NOTE: PyTorch's divisor: the window clipped to the padded input (count_include_pad) or to the
  // input itself; it depends on geometry only, so it is computed here once.
  const divisors = new Float64Array(Ho * Wo);
  let uniform = true;
  for (let oh = 0; oh < Ho; oh++) {
    for (let ow = 0; ow < Wo; ow++) {
      let h0 = oh * sh - ph;
      let w0 = ow * sw - pw;
      let h1 = Math.min(h0 + kh, H + ph);
      let w1 = Math.min(w0 + kw, W + pw);
      const poolSize = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0);
      w0 = Math.max(w0, 0);
      h1 = Math.min(h1, H);
      w1 = Math.min(w1, W);
      const dv =
        divisorOverride !== undefined && divisorOverride !== null
          ? divisorOverride
          : countIncludePad
            ? poolSize
            : (h1 - h0) * (w1 - w0);
      divisors[oh * Wo + ow] = dv;
      if (dv !== divisors[0]) uniform = false;
    }
  }
  // NOTE: a sum over windows is a depthwise conv2d with a ones kernel, so gradients come from
  // conv2d's rule. In ceil mode the last window may pass the padding: one more stride of zero
  // padding on each side keeps it inside, and the extra leading output is dropped.
  const floorH = pooledSize(H, kh, sh, ph, 1, false);
  const floorW = pooledSize(W, kw, sw, pw, 1, false);
  const extraH = Ho > floorH ? sh : 0;
  const extraW = Wo > floorW ? sw : 0;
  const planes = reshape(x4, [N * C, 1, H, W]);
  const scale = uniform ? 1 / divisors[0]! : 1;
  const weight = newTensor(x4.handle.backend, x4.dtype, [1, 1, kh, kw]);
  x4.handle.backend.fill(weight, scale);
  let s = conv2d(planes, weight, null, { stride: geo.stride, padding: [ph + extraH, pw + extraW] });
  if (extraH > 0) s = narrow(s, 2, 1, Ho);
  if (extraW > 0) s = narrow(s, 3, 1, Wo);
  let y = reshape(s, [N, C, Ho, Wo]);
  if (!uniform) {
    const d = fromTypedArray(x4.dtype === 'float64' ? divisors : Float32Array.from(divisors), [Ho, Wo], {
      device: x4.device,
    });
    y = div(y, d);
  }
  return y;
}

/**
 * 2-D average pooling over `x` [N, C, H, W] or [C, H, W] (a depthwise conv2d with a constant
 * kernel, so its gradient is conv2d's).
 *
 * @example
 * ```ts
 * import { avgPool2d, tensor } from '@kiln/tensor';
 * avgPool2d(tensor([[[[1, 2], [3, 4]]]]), 2).toArray(); // [[[[2.5]]]]
 * ```
 */
export function avgPool2d(
  x: Tensor,
  kernelSize: number | readonly [number, number],
  options: AvgPool2dOptions = {},
): Tensor {
  const op = 'avgPool2d';
  const batched = checkPoolInput(op, x, 4);
  const geo = geometry(op, x, kernelSize, { ...options, dilation: 1 });
  return composite(() => {
    const x4 = batched ? x : unsqueeze(x, 0);
    const y = avgPoolCore(op, x4, geo, options.countIncludePad ?? true, options.divisorOverride);
    return batched ? y : squeeze(y, 0);
  });
}

/**
 * 1-D average pooling over `x` [N, C, L] or [C, L].
 *
 * @example
 * ```ts
 * import { avgPool1d, tensor } from '@kiln/tensor';
 * avgPool1d(tensor([[[1, 3, 5, 7]]]), 2).toArray(); // [[[2, 6]]]
 * ```
 */
export function avgPool1d(x: Tensor, kernelSize: number, options: AvgPool1dOptions = {}): Tensor {
  const op = 'avgPool1d';
  checkPoolInput(op, x, 3);
  const batched = x.shape.length === 3;
  const geo = geometry(
    op,
    x,
    [1, kernelSize],
    {
      stride: options.stride === undefined || options.stride === null ? null : [1, options.stride],
      padding: [0, options.padding ?? 0],
      ceilMode: options.ceilMode ?? false,
    },
    [1, x.shape[x.shape.length - 1]!],
  );
  return composite(() => {
    const x4 = unsqueeze(batched ? x : unsqueeze(x, 0), 2);
    const y = squeeze(avgPoolCore(op, x4, geo, options.countIncludePad ?? true, null), 2);
    return batched ? y : squeeze(y, 0);
  });
}

/** The [out, size] averaging matrix of adaptive pooling along one dim (PyTorch's windows). */
function adaptiveMatrix(size: number, out: number, like: Tensor): Tensor {
  const m = like.dtype === 'float64' ? new Float64Array(out * size) : new Float32Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return fromTypedArray(m, [out, size], { device: like.device });
}

function adaptiveSize(
  op: string,
  x: Tensor,
  outputSize: number | readonly (number | null)[],
): [number, number] {
  const raw: readonly (number | null)[] =
    typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (raw.length !== 2)
    throw new ValueError(`${op}: outputSize must be a number or a pair (got ${JSON.stringify(outputSize)})`);
  const H = x.shape[x.shape.length - 2]!;
  const W = x.shape[x.shape.length - 1]!;
  const r = [raw[0] ?? H, raw[1] ?? W] as [number, number];
  if (!r.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ValueError(`${op}: outputSize must hold positive integers (got ${JSON.stringify(outputSize)})`);
  }
  return r;
}

/**
 * Adaptive average pooling to `outputSize` ([Ho, Wo], a number for both, `null` to keep a dim):
 * output cell `i` averages input rows `floor(i·H/Ho)` to `ceil((i+1)·H/Ho)`, as PyTorch. Written
 * as two matmuls with averaging matrices, so its gradient comes from matmul.
 *
 * @example
 * ```ts
 * import { adaptiveAvgPool2d, tensor } from '@kiln/tensor';
 * adaptiveAvgPool2d(tensor([[[[1, 2], [3, 4]]]]), 1).toArray(); // [[[[2.5]]]]
 * ```
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkPoolInput(op, x, 4);
  const [Ho, Wo] = adaptiveSize(op, x, outputSize);
  const H = x.shape[x.shape.length - 2]!;
  const W = x.shape[x.shape.length - 1]!;
  if (Ho === H && Wo === W) return clone(x);
  return composite(() => {
    let y = x;
    if (Wo !== W) y = matmul(y, transpose(adaptiveMatrix(W, Wo, x), 0, 1));
    if (Ho !== H) y = matmul(adaptiveMatrix(H, Ho, x), y);
    return y;
  });
}

/** Row indices of each adaptive window, padded to the longest by repeating its last row. */
function windowIndex(size: number, out: number): { index: Int32Array; k: number } {
  let k = 0;
  for (let i = 0; i < out; i++) {
    k = Math.max(k, Math.ceil(((i + 1) * size) / out) - Math.floor((i * size) / out));
  }
  const index = new Int32Array(out * k);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    // NOTE: a repeated row cannot change a max, and its gradient share returns to the same row.
    for (let j = 0; j < k; j++) index[i * k + j] = Math.min(start + j, end - 1);
  }
  return { index, k };
}

/**
 * Adaptive max pooling to `outputSize` (windows as {@link adaptiveAvgPool2d}). When every window
 * has the same size this is a plain `maxPool2d`; otherwise rows then columns of each window are
 * gathered (`indexSelect`) and reduced with `amax`, so gradients come from those ops (split
 * evenly between equal maxima, where PyTorch picks one).
 *
 * @example
 * ```ts
 * import { adaptiveMaxPool2d, tensor } from '@kiln/tensor';
 * adaptiveMaxPool2d(tensor([[[[1, 2], [3, 4]]]]), 1).toArray(); // [[[[4]]]]
 * ```
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveMaxPool2d';
  const batched = checkPoolInput(op, x, 4);
  const [Ho, Wo] = adaptiveSize(op, x, outputSize);
  return composite(() => {
    const x4 = batched ? x : unsqueeze(x, 0);
    const [N, C, H, W] = x4.shape as [number, number, number, number];
    let y: Tensor;
    if (H % Ho === 0 && W % Wo === 0) {
      y = maxPool2d(x4, [H / Ho, W / Wo]);
    } else {
      const cols = windowIndex(W, Wo);
      const ci = fromTypedArray(cols.index, [cols.index.length], { device: x.device });
      const byCol = amax(reshape(indexSelect(x4, 3, ci), [N, C, H, Wo, cols.k]), 4);
      const rows = windowIndex(H, Ho);
      const ri = fromTypedArray(rows.index, [rows.index.length], { device: x.device });
      y = amax(reshape(indexSelect(byCol, 2, ri), [N, C, Ho, rows.k, Wo]), 3);
    }
    return batched ? y : squeeze(y, 0);
  });
}
