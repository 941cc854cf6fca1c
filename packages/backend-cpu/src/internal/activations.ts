import { type Elems, elemsOf } from './elems.js';
import { erf } from './erf.js';
import { contiguousStrides } from './shape.js';
import { forEachRow } from './strided.js';
import type { Out, View } from './tensor-types.js';

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU of one value: exact `x·Φ(x)` with erf, or PyTorch's tanh approximation.
 *
 * @example
 * ```ts
 * geluScalar(1, 'none'); // 0.8413447460685429
 * ```
 */
export function geluScalar(v: number, approximate: 'none' | 'tanh'): number {
  if (approximate === 'tanh') return 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
  return 0.5 * v * (1 + erf(v * SQRT1_2));
}

/**
 * Exact (erf) or tanh-approximated GELU of any strided `x` into the contiguous `out`.
 *
 * @example
 * ```ts
 * gelu(xView, 'none', out);
 * ```
 */
export function gelu(x: View, approximate: 'none' | 'tanh', out: Out): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  forEachRow(
    out.shape,
    [contiguousStrides(out.shape), x.strides],
    [out.offset, x.offset],
    (offs, n, inner) => {
      for (let i = 0, o = offs[0]!, p = offs[1]!; i < n; i++, o++, p += inner[1]!)
        od[o] = geluScalar(xd[p], approximate);
    },
  );
}

/**
 * Softmax (or log-softmax) along `axis`, max-subtracted so large inputs do not overflow; the
 * normaliser is a float64 sum.
 *
 * @example
 * ```ts
 * softmax(xView, 1, out, false);
 * ```
 */
export function softmax(x: View, axis: number, out: Out, log: boolean): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const os = contiguousStrides(out.shape);
  const len = x.shape[axis]!;
  if (len === 0) return;
  const xStep = x.strides[axis]!;
  const oStep = os[axis]!;
  const shape = x.shape.filter((_, d) => d !== axis);
  forEachRow(
    shape,
    [os.filter((_, d) => d !== axis), x.strides.filter((_, d) => d !== axis)],
    [out.offset, x.offset],
    (offs, n, inner) => {
      for (let i = 0, ob = offs[0]!, xb = offs[1]!; i < n; i++, ob += inner[0]!, xb += inner[1]!) {
        softmaxLine(xd, xb, xStep, od, ob, oStep, len, log);
      }
    },
  );
}

function softmaxLine(
  x: Elems,
  xb: number,
  xs: number,
  o: Elems,
  ob: number,
  os: number,
  len: number,
  log: boolean,
): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let r = 0, p = xb; r < len; r++, p += xs) {
    const v = x[p];
    if (v > max || Number.isNaN(v)) max = v;
  }
  // An all -inf row has no finite max; subtracting 0 keeps exp(-inf) = 0 instead of NaN.
  const shift = max === Number.NEGATIVE_INFINITY ? 0 : max;
  let sum = 0;
  if (log) {
    for (let r = 0, p = xb; r < len; r++, p += xs) sum += Math.exp(x[p] - shift);
    const lse = Math.log(sum);
    for (let r = 0, p = xb, q = ob; r < len; r++, p += xs, q += os) o[q] = x[p] - shift - lse;
    return;
  }
  for (let r = 0, p = xb, q = ob; r < len; r++, p += xs, q += os) {
    const e = Math.exp(x[p] - shift);
    o[q] = e;
    sum += e;
  }
  // Divide the float64 exponentials again rather than the rounded stored ones.
  const inv = 1 / sum;
  for (let r = 0, p = xb, q = ob; r < len; r++, p += xs, q += os) o[q] = Math.exp(x[p] - shift) * inv;
}

/**
 * Materialises any view into a row-major float64 array (for small parameters such as layer-norm
 * weights, read many times).
 *
 * @example
 * ```ts
 * const w = toFloat64(weightView);
 * ```
 */
export function toFloat64(v: View): Float64Array {
  const d = elemsOf(v);
  let size = 1;
  for (const s of v.shape) size *= s;
  const r = new Float64Array(size);
  let o = 0;
  forEachRow(v.shape, [v.strides], [v.offset], (offs, n, inner) => {
    for (let i = 0, p = offs[0]!; i < n; i++, p += inner[0]!) r[o++] = d[p];
  });
  return r;
}

/**
 * Layer normalisation over the trailing `normalizedSize` elements of each row of a contiguous
 * `x`, with biased variance (two-pass in float64), as `torch.nn.functional.layer_norm`.
 *
 * @example
 * ```ts
 * layerNorm(xView, 8, null, null, 1e-5, out, null, null);
 * ```
 */
export function layerNorm(
  x: View,
  normalizedSize: number,
  weight: View | null,
  bias: View | null,
  eps: number,
  out: Out,
  mean: Out | null,
  rstd: Out | null,
): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  let total = 1;
  for (const s of x.shape) total *= s;
  const rows = normalizedSize === 0 ? 0 : total / normalizedSize;
  const w = weight ? toFloat64(weight) : null;
  const b = bias ? toFloat64(bias) : null;
  const md = mean ? elemsOf(mean) : null;
  const rd = rstd ? elemsOf(rstd) : null;
  const n = normalizedSize;
  for (let r = 0; r < rows; r++) {
    const xb = x.offset + r * n;
    const ob = out.offset + r * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += xd[xb + i];
    const mu = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const dlt = xd[xb + i] - mu;
      v += dlt * dlt;
    }
    const inv = 1 / Math.sqrt(v / n + eps);
    if (w && b) for (let i = 0; i < n; i++) od[ob + i] = (xd[xb + i] - mu) * inv * w[i]! + b[i]!;
    else if (w) for (let i = 0; i < n; i++) od[ob + i] = (xd[xb + i] - mu) * inv * w[i]!;
    else if (b) for (let i = 0; i < n; i++) od[ob + i] = (xd[xb + i] - mu) * inv + b[i]!;
    else for (let i = 0; i < n; i++) od[ob + i] = (xd[xb + i] - mu) * inv;
    if (md && mean) md[mean.offset + r] = mu;
    if (rd && rstd) rd[rstd.offset + r] = inv;
  }
}
