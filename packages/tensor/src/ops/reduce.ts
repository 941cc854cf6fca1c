import type { ReduceOp, ScanOp } from '../backend/contract.js';
import { needsRecord1, record } from '../core/dispatch.js';
import { type DType, isFloatingDType } from '../core/dtype.js';
import { contiguousStrides, formatShape, normalizeDim, normalizeDims } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { DTypeError, ShapeError } from '../errors/errors.js';
import { alive, newTensor, viewTensor } from '../internal/make.js';
import { add, div, eq, ne, pow, sub, where } from './binary.js';
import { cast } from './device.js';
import { abs, exp, log, runUnary, sqrt, square } from './unary.js';

/** Reductions and scans recorded for autograd (composites such as mean or var need no entry). */
export interface ReduceOpAttrs {
  /** `sum` over `dims` (sorted, normalised; all dims when the user gave none). */
  sum: { dims: readonly number[]; keepdim: boolean; inputShape: readonly number[] };
  /** `prod` over `dims` (one dim or all). */
  prod: { dims: readonly number[]; keepdim: boolean; inputShape: readonly number[] };
  /** `amax` (and `max()` without a dim): the gradient is shared evenly among tied maxima. */
  amax: { dims: readonly number[]; keepdim: boolean; inputShape: readonly number[] };
  /** `amin` (and `min()` without a dim): the gradient is shared evenly among tied minima. */
  amin: { dims: readonly number[]; keepdim: boolean; inputShape: readonly number[] };
  /** `max(dim)` values; the gradient goes to `indices` (int32, the op's second output). */
  maxDim: { dim: number; keepdim: boolean; inputShape: readonly number[]; indices: Tensor };
  /** `min(dim)` values; the gradient goes to `indices` (int32, the op's second output). */
  minDim: { dim: number; keepdim: boolean; inputShape: readonly number[]; indices: Tensor };
  cumsum: { dim: number };
  cumprod: { dim: number };
}

/**
 * `dtype` of `sum`: the input is cast to it before summing (PyTorch's `dtype=` argument).
 *
 * @example
 * ```ts
 * import { tensor, sum } from '@kiln/tensor';
 * sum(tensor([1, 2]), null, false, { dtype: 'float64' }).dtype; // 'float64'
 * ```
 */
export interface SumOptions {
  dtype?: DType;
}

/**
 * Options of `var`/`std`: the divisor is `N - correction` (`unbiased: false` means correction 0).
 *
 * @example
 * ```ts
 * import { tensor, variance } from '@kiln/tensor';
 * variance(tensor([1, 2, 3, 4]).float(), null, false, { correction: 0 }).item(); // 1.25
 * ```
 */
export interface VarOptions {
  unbiased?: boolean;
  correction?: number;
}

/**
 * The result of `max(dim)` / `min(dim)`: the extreme values and their (first) positions.
 *
 * @example
 * ```ts
 * import { tensor, max } from '@kiln/tensor';
 * const { values, indices } = max(tensor([[1, 5], [7, 2]]), 1);
 * values.toArray(); // [5, 7]
 * indices.toArray(); // [1, 0]
 * ```
 */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

type Dims = number | readonly number[] | null | undefined;

// ---- helpers ------------------------------------------------------------------------------------

/** Normalised, sorted reduction axes; all axes when `dim` is absent or an empty list. @internal */
export function reductionAxes(x: Tensor, dim: Dims, op: string): number[] {
  const n = x.shape.length;
  if (dim === null || dim === undefined) return x.shape.map((_, i) => i);
  if (typeof dim === 'number') {
    const d = normalizeDim(dim, n, op);
    return n === 0 ? [] : [d];
  }
  if (dim.length === 0) return x.shape.map((_, i) => i);
  const ds = normalizeDims(dim, n, op);
  return n === 0 ? [] : ds;
}

function keptShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (!axes.includes(i)) out.push(shape[i]!);
    else if (keepdim) out.push(1);
  }
  return out;
}

function countOf(shape: readonly number[], axes: readonly number[]): number {
  let n = 1;
  for (const a of axes) n *= shape[a]!;
  return n;
}

/** Runs a reduction kernel without recording; the result already has the keepdim shape. @internal */
export function runReduce(
  op: ReduceOp,
  x: Tensor,
  axes: readonly number[],
  keepdim: boolean,
  dtype: DType,
): Tensor {
  const backend = x.handle.backend;
  const out = newTensor(backend, dtype, keptShape(x.shape, axes, keepdim));
  if (out.numel() === 0) return out;
  if (axes.length === 0) {
    // NOTE: reducing a 0-dim tensor over its (virtual) dim 0 leaves it as it is, converted.
    if (op === 'argmax' || op === 'argmin') return out;
    if (x.dtype === dtype) backend.copy(x, out);
    else backend.cast(x, out.out_());
    return out;
  }
  // The keepdim layout is the reduced one with size-1 dims inserted: the same contiguous block.
  backend.reduce(op, x, axes, { storage: out.storage, shape: keptShape(x.shape, axes, false), offset: 0 });
  return out;
}

function requireNonEmpty(op: string, x: Tensor, axes: readonly number[]): void {
  for (const a of axes) {
    if (x.shape[a] === 0) {
      throw new ShapeError(
        `${op}: expected reduction dim ${a} to have non-zero size (got input of shape ${formatShape(x.shape)})`,
      );
    }
  }
}

function requireFloatInput(op: string, x: Tensor, why: string): void {
  if (!isFloatingDType(x.dtype)) {
    throw new DTypeError(
      `${op}: ${why} (got ${x.dtype}, expected float32 or float64)\nhelp: cast first with .float()`,
    );
  }
}

/** A squeezed (keepdim=false) view of a keepdim result, outside the graph. */
function squeezeKept(t: Tensor, axes: readonly number[]): Tensor {
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < t.shape.length; i++) {
    if (axes.includes(i)) continue;
    shape.push(t.shape[i]!);
    strides.push(t.strides[i]!);
  }
  return viewTensor(t, shape, strides, t.offset, 'squeeze');
}

function sumAxes(x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  const y = runReduce('sum', x, axes, keepdim, isFloatingDType(x.dtype) ? x.dtype : 'int32');
  if (needsRecord1(x)) record('sum', [x], [y], { dims: axes, keepdim, inputShape: x.shape });
  return y;
}

function extremeAxes(op: 'amax' | 'amin', x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  requireNonEmpty(op, x, axes);
  const y = runReduce(op === 'amax' ? 'max' : 'min', x, axes, keepdim, x.dtype);
  if (needsRecord1(x)) record(op, [x], [y], { dims: axes, keepdim, inputShape: x.shape });
  return y;
}

/** Frees intermediates of a composite unless autograd may have saved them. */
function release(recording: boolean, ...ts: Tensor[]): void {
  if (recording) return;
  for (const t of ts) t.dispose();
}

// ---- sums and products ----------------------------------------------------------------------------

/**
 * Sum over `dim` (one dim, a list, or all when absent), keeping reduced dims as size 1 with
 * `keepdim`. Integer and bool inputs sum to int32 (PyTorch's int64).
 *
 * @example
 * ```ts
 * import { tensor, sum } from '@kiln/tensor';
 * sum(tensor([[1, 2], [3, 4]]), 1).toArray(); // [3, 7]
 * sum(tensor([[1, 2], [3, 4]])).item(); // 10
 * ```
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false, options?: SumOptions): Tensor {
  alive(x, 'sum');
  const axes = reductionAxes(x, dim, 'sum');
  const want = options?.dtype;
  if (want === undefined || want === x.dtype) return sumAxes(x, axes, keepdim);
  const input = cast(x, want);
  const y = runReduce('sum', input, axes, keepdim, isFloatingDType(want) ? want : 'int32');
  input.dispose();
  if (needsRecord1(x) && isFloatingDType(y.dtype))
    record('sum', [x], [y], { dims: axes, keepdim, inputShape: x.shape });
  return y;
}

/**
 * Mean over `dim` (all dims when absent). Float inputs only, as in PyTorch; the mean of an
 * empty selection is NaN.
 *
 * @example
 * ```ts
 * import { tensor, mean } from '@kiln/tensor';
 * mean(tensor([[1, 2], [3, 5]]).float(), 0).toArray(); // [2, 3.5]
 * ```
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  alive(x, 'mean');
  requireFloatInput('mean', x, 'could not infer output dtype; input dtype must be floating point');
  const axes = reductionAxes(x, dim, 'mean');
  return meanAxes(x, axes, keepdim);
}

function meanAxes(x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  const s = sumAxes(x, axes, keepdim);
  const y = div(s, countOf(x.shape, axes));
  release(needsRecord1(x), s);
  return y;
}

/**
 * Product over one dim, or over all elements when `dim` is absent. Integer and bool inputs give
 * int32.
 *
 * @example
 * ```ts
 * import { tensor, prod } from '@kiln/tensor';
 * prod(tensor([[1, 2], [3, 4]]), 0).toArray(); // [3, 8]
 * ```
 */
export function prod(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  alive(x, 'prod');
  const axes = reductionAxes(x, dim, 'prod');
  const y = runReduce('prod', x, axes, keepdim, isFloatingDType(x.dtype) ? x.dtype : 'int32');
  if (needsRecord1(x)) record('prod', [x], [y], { dims: axes, keepdim, inputShape: x.shape });
  return y;
}

// ---- extremes ---------------------------------------------------------------------------------------

/**
 * Maximum over `dim` (one, several, or all dims). The gradient is shared evenly among ties.
 *
 * @example
 * ```ts
 * import { tensor, amax } from '@kiln/tensor';
 * amax(tensor([[1, 5], [7, 2]]), 1).toArray(); // [5, 7]
 * ```
 */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  alive(x, 'amax');
  return extremeAxes('amax', x, reductionAxes(x, dim, 'amax'), keepdim);
}

/**
 * Minimum over `dim` (one, several, or all dims). The gradient is shared evenly among ties.
 *
 * @example
 * ```ts
 * import { tensor, amin } from '@kiln/tensor';
 * amin(tensor([[1, 5], [7, 2]]), 0).toArray(); // [1, 2]
 * ```
 */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  alive(x, 'amin');
  return extremeAxes('amin', x, reductionAxes(x, dim, 'amin'), keepdim);
}

/**
 * Without a dim, the largest element (0-dim); with a dim, `{ values, indices }` of the maxima
 * along it (the first index among ties; NaN counts as the maximum).
 *
 * @example
 * ```ts
 * import { tensor, max } from '@kiln/tensor';
 * max(tensor([[1, 5], [7, 2]])).item(); // 7
 * max(tensor([[1, 5], [7, 2]]), 0).indices.toArray(); // [1, 0]
 * ```
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extreme('max', x, dim, keepdim);
}

/**
 * Without a dim, the smallest element (0-dim); with a dim, `{ values, indices }` of the minima
 * along it (the first index among ties).
 *
 * @example
 * ```ts
 * import { tensor, min } from '@kiln/tensor';
 * min(tensor([[1, 5], [7, 2]])).item(); // 1
 * min(tensor([[1, 5], [7, 2]]), 1).values.toArray(); // [1, 2]
 * ```
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return extreme('min', x, dim, keepdim);
}

function extreme(
  op: 'max' | 'min',
  x: Tensor,
  dim: number | undefined,
  keepdim: boolean,
): Tensor | ValuesIndices {
  alive(x, op);
  if (dim === undefined) {
    if (x.numel() === 0) {
      throw new ShapeError(
        `${op}: expected reduction dim to be specified for input.numel() == 0 (got shape ${formatShape(x.shape)})\nhelp: specify the reduction dim with the 'dim' argument`,
      );
    }
    return extremeAxes(op === 'max' ? 'amax' : 'amin', x, reductionAxes(x, null, op), false);
  }
  const axes = reductionAxes(x, dim, op);
  requireNonEmpty(op, x, axes);
  const values = runReduce(op, x, axes, keepdim, x.dtype);
  const indices = runReduce(op === 'max' ? 'argmax' : 'argmin', x, axes, keepdim, 'int32');
  if (needsRecord1(x)) {
    const d = axes[0] ?? 0;
    record(op === 'max' ? 'maxDim' : 'minDim', [x], [values], {
      dim: d,
      keepdim,
      inputShape: x.shape,
      indices,
    });
  }
  return { values, indices };
}

/**
 * Index of the maximum along `dim`, or in the flattened tensor when `dim` is absent (int32; the
 * first index among ties).
 *
 * @example
 * ```ts
 * import { tensor, argmax } from '@kiln/tensor';
 * argmax(tensor([[1, 5], [7, 2]])).item(); // 2
 * argmax(tensor([[1, 5], [7, 2]]), 1).toArray(); // [1, 0]
 * ```
 */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme('argmax', x, dim, keepdim);
}

/**
 * Index of the minimum along `dim`, or in the flattened tensor when `dim` is absent (int32).
 *
 * @example
 * ```ts
 * import { tensor, argmin } from '@kiln/tensor';
 * argmin(tensor([[1, 5], [7, 2]]), 0).toArray(); // [0, 1]
 * ```
 */
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argExtreme('argmin', x, dim, keepdim);
}

function argExtreme(
  op: 'argmax' | 'argmin',
  x: Tensor,
  dim: number | null | undefined,
  keepdim: boolean,
): Tensor {
  alive(x, op);
  if (dim !== null && dim !== undefined) {
    const axes = reductionAxes(x, dim, op);
    requireNonEmpty(op, x, axes);
    return runReduce(op, x, axes, keepdim, 'int32');
  }
  const n = x.numel();
  if (n === 0) {
    throw new ShapeError(
      `${op}: expected reduction dim to be specified for input.numel() == 0 (got shape ${formatShape(x.shape)})\nhelp: specify the reduction dim with the 'dim' argument`,
    );
  }
  const backend = x.handle.backend;
  const flat = newTensor(backend, x.dtype, [n]);
  backend.copy(x, { storage: flat.storage, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 });
  const y = runReduce(op, flat, [0], false, 'int32');
  flat.dispose();
  if (!keepdim || x.shape.length === 0) return y;
  const ones = x.shape.map(() => 1);
  const kept = viewTensor(y, ones, ones, 0, op);
  y.dispose();
  return kept;
}

/**
 * Whether every element is true (non-zero), over `dim` or all elements (bool).
 *
 * @example
 * ```ts
 * import { tensor, all } from '@kiln/tensor';
 * all(tensor([[true, false], [true, true]]), 1).toArray(); // [false, true]
 * ```
 */
export function all(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  alive(x, 'all');
  return runReduce('all', x, reductionAxes(x, dim, 'all'), keepdim, 'bool');
}

/**
 * Whether any element is true (non-zero), over `dim` or all elements (bool).
 *
 * @example
 * ```ts
 * import { tensor, any } from '@kiln/tensor';
 * any(tensor([0, 0, 3])).item(); // true
 * ```
 */
export function any(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  alive(x, 'any');
  return runReduce('any', x, reductionAxes(x, dim, 'any'), keepdim, 'bool');
}

// ---- statistics ---------------------------------------------------------------------------------------

function correctionOf(options: VarOptions | undefined): number {
  if (options?.correction !== undefined) return options.correction;
  return options?.unbiased === false ? 0 : 1;
}

/**
 * Variance over `dim` (all dims when absent), divided by `N - correction` (Bessel's correction
 * by default). Computed in two passes (mean, then squared deviations) for accuracy. Exported
 * from the package as `variance`; the method is `x.var()`.
 *
 * @example
 * ```ts
 * import { tensor, variance } from '@kiln/tensor';
 * variance(tensor([1, 2, 3, 4]).float()).item(); // 1.6666666269302368
 * tensor([1, 2, 3, 4]).float().var(null, false, { unbiased: false }).item(); // 1.25
 * ```
 */
export function var_(x: Tensor, dim?: Dims, keepdim = false, options?: VarOptions): Tensor {
  alive(x, 'var');
  requireFloatInput('var', x, 'std and var only support floating point dtypes');
  return varAxes(x, reductionAxes(x, dim, 'var'), keepdim, correctionOf(options));
}

function varAxes(x: Tensor, axes: readonly number[], keepdim: boolean, correction: number): Tensor {
  const recording = needsRecord1(x);
  const m = meanAxes(x, axes, true);
  const d = sub(x, m);
  const sq = square(d);
  const s = sumAxes(sq, axes, keepdim);
  // NOTE: PyTorch clamps the divisor at 0, so too few elements give inf or NaN rather than an error.
  const y = div(s, Math.max(0, countOf(x.shape, axes) - correction));
  release(recording, m, d, sq, s);
  return y;
}

/**
 * Standard deviation over `dim`: the square root of {@link var_}.
 *
 * @example
 * ```ts
 * import { tensor, std } from '@kiln/tensor';
 * std(tensor([2, 4, 4, 4, 5, 5, 7, 9]).float(), null, false, { unbiased: false }).item(); // 2
 * ```
 */
export function std(x: Tensor, dim?: Dims, keepdim = false, options?: VarOptions): Tensor {
  alive(x, 'std');
  requireFloatInput('std', x, 'std and var only support floating point dtypes');
  const v = varAxes(x, reductionAxes(x, dim, 'std'), keepdim, correctionOf(options));
  const y = sqrt(v);
  release(needsRecord1(x), v);
  return y;
}

/**
 * `log(sum(exp(x)))` over `dim`, computed stably by shifting by the maximum (infinite maxima
 * are not shifted, so all `-inf` rows give `-inf` and `+inf` gives `+inf`). Integer inputs are
 * promoted to float32.
 *
 * @example
 * ```ts
 * import { tensor, logsumexp } from '@kiln/tensor';
 * logsumexp(tensor([1000, 1000]), 0).item(); // 1000.6931762695312
 * ```
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  alive(x, 'logsumexp');
  const axes = reductionAxes(x, dim, 'logsumexp');
  const xf = isFloatingDType(x.dtype) ? x : cast(x, 'float32');
  const recording = needsRecord1(x);
  let shift: Tensor;
  if (axes.some((a) => x.shape[a] === 0))
    shift = newTensor(xf.handle.backend, xf.dtype, keptShape(x.shape, axes, true));
  else {
    // The shift is a constant for autograd (its contributions cancel), so it is computed unrecorded.
    const m = runReduce('max', xf, axes, true, xf.dtype);
    const inf = runUnary('isinf', m, 'bool');
    shift = where(inf, 0, m);
    m.dispose();
    inf.dispose();
  }
  const shifted = sub(xf, shift);
  const e = exp(shifted);
  const s = sumAxes(e, axes, keepdim);
  const l = log(s);
  const back = keepdim ? shift : squeezeKept(shift, axes);
  const y = add(l, back);
  release(recording, shifted, e, s, l);
  if (back !== shift) back.dispose();
  if (!recording) shift.dispose();
  if (xf !== x) xf.dispose();
  return y;
}

/**
 * Vector p-norm over `dim` (all elements when absent): `p` is 2 or `'fro'` by default, any
 * positive or negative number, `Infinity` (max |x|), `-Infinity` (min |x|) or 0 (count of
 * non-zeros). Float inputs only.
 *
 * @example
 * ```ts
 * import { tensor, norm } from '@kiln/tensor';
 * norm(tensor([3, 4]).float()).item(); // 5
 * norm(tensor([[1, -2], [3, -4]]).float(), 1, 1).toArray(); // [3, 7]
 * ```
 */
export function norm(x: Tensor, p: number | 'fro' = 2, dim?: Dims, keepdim = false): Tensor {
  alive(x, 'norm');
  requireFloatInput('norm', x, 'input dtype should be floating point');
  const axes = reductionAxes(x, dim, 'norm');
  const recording = needsRecord1(x);
  if (p === 'fro' || p === 2) {
    const sq = square(x);
    const s = sumAxes(sq, axes, keepdim);
    const y = rootOf(s, sqrt);
    release(recording, sq, s);
    return y;
  }
  if (typeof p !== 'number' || Number.isNaN(p)) {
    throw new DTypeError(`norm: p must be a number or 'fro' (got ${String(p)})`);
  }
  const a = abs(x);
  let y: Tensor;
  if (p === Number.POSITIVE_INFINITY || p === Number.NEGATIVE_INFINITY) {
    y = extremeAxes(p > 0 ? 'amax' : 'amin', a, axes, keepdim);
  } else if (p === 0) {
    const nz = ne(x, 0);
    const counts = cast(nz, x.dtype);
    y = runReduce('sum', counts, axes, keepdim, x.dtype);
    nz.dispose();
    counts.dispose();
  } else if (p === 1) {
    y = sumAxes(a, axes, keepdim);
  } else {
    const powered = pow(a, p);
    const s = sumAxes(powered, axes, keepdim);
    y = rootOf(s, (t) => pow(t, 1 / p));
    release(recording, powered, s);
  }
  release(recording, a);
  return y;
}

/**
 * `root(s)` for the last step of a norm. Where `s` is 0 the root's derivative is infinite and the
 * chain rule would give NaN; PyTorch's norm gives a zero gradient there, and so does routing
 * those entries around the root with `where` (only done when a gradient is being recorded).
 */
function rootOf(s: Tensor, root: (t: Tensor) => Tensor): Tensor {
  if (!s.requiresGrad) return root(s);
  const zero = eq(s, 0);
  const safe = where(zero, 1, s);
  return where(zero, 0, root(safe));
}

// ---- scans ------------------------------------------------------------------------------------------

function scan(op: ScanOp & ('cumsum' | 'cumprod'), x: Tensor, dim: number): Tensor {
  alive(x, op);
  const d = normalizeDim(dim, x.shape.length, op);
  const input = isFloatingDType(x.dtype) || x.dtype === 'int32' ? x : cast(x, 'int32');
  const backend = x.handle.backend;
  const out = newTensor(backend, input.dtype, x.shape);
  if (out.numel() > 0) {
    if (x.shape.length === 0) backend.copy(input, out);
    else backend.scan(op, input, d, out.out_());
  }
  if (input !== x) input.dispose();
  if (needsRecord1(x)) record(op, [x], [out], { dim: d });
  return out;
}

/**
 * Cumulative sum along `dim` (integer and bool inputs give int32).
 *
 * @example
 * ```ts
 * import { tensor, cumsum } from '@kiln/tensor';
 * cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [[1, 3, 6], [4, 9, 15]]
 * ```
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  return scan('cumsum', x, dim);
}

/**
 * Cumulative product along `dim` (integer and bool inputs give int32).
 *
 * @example
 * ```ts
 * import { tensor, cumprod } from '@kiln/tensor';
 * cumprod(tensor([1, 2, 3, 4]), 0).toArray(); // [1, 2, 6, 24]
 * ```
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  return scan('cumprod', x, dim);
}
