import { needsRecord1, record } from '../core/dispatch.js';
import {
  contiguousStrides,
  formatShape,
  isContiguousLayout,
  normalizeDim,
  shapeSize,
} from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { ShapeError, ValueError } from '../errors/errors.js';
import { alive, newTensor, viewTensor } from '../internal/make.js';

/** View and copy ops recorded for autograd. */
export interface ShapeOpAttrs {
  /** Any reshape-like view (reshape, view, squeeze, unsqueeze, flatten, unflatten). */
  view: { inputShape: readonly number[] };
  permute: { dims: readonly number[] };
  expand: { inputShape: readonly number[] };
  /** A strided slice along one dim (narrow, select with keep, split, chunk, slice). */
  slice: { dim: number; start: number; end: number; step: number; inputShape: readonly number[] };
  /** `select(dim, index)`: a slice that drops the dim. */
  select: { dim: number; index: number; inputShape: readonly number[] };
  diagonal: { offset: number; dim1: number; dim2: number; inputShape: readonly number[] };
  /** A materialising copy (contiguous, clone). */
  clone: Record<string, never>;
}

/**
 * `step` of `slice`.
 *
 * @example
 * ```ts
 * import { arange } from '@kiln/tensor';
 * arange(6).slice(0, 0, 6, { step: 2 }).toArray(); // [0, 2, 4]
 * ```
 */
export interface SliceOptions {
  step?: number;
}

/** Normalises a dim for a given rank, with PyTorch's message. @internal */
export function checkedDim(dim: number, rank: number, op: string): number {
  return normalizeDim(dim, rank, op);
}

/** Whether a tensor is row-major without gaps. @internal */
export function isContiguousTensor(t: Tensor): boolean {
  return isContiguousLayout(t.shape, t.strides);
}

/**
 * A new tensor sharing storage with `x`, outside the autograd graph.
 *
 * @example
 * ```ts
 * import { ones } from '@kiln/tensor';
 * ones([2], { requiresGrad: true }).detach().requiresGrad; // false
 * ```
 */
export function detach(x: Tensor): Tensor {
  return viewTensor(x, x.shape, x.strides, x.offset, 'detach');
}

function materialize(x: Tensor, op: string): Tensor {
  alive(x, op);
  const backend = x.handle.backend;
  const out = newTensor(backend, x.dtype, x.shape);
  if (out.numel() > 0) backend.copy(x, out);
  if (needsRecord1(x)) record('clone', [x], [out], {});
  return out;
}

/**
 * `x` itself when contiguous, else a contiguous copy.
 *
 * @example
 * ```ts
 * import { ones, contiguous } from '@kiln/tensor';
 * contiguous(ones([2, 3]).t()).isContiguous(); // true
 * ```
 */
export function contiguous(x: Tensor): Tensor {
  alive(x, 'contiguous');
  if (isContiguousLayout(x.shape, x.strides)) return x;
  return materialize(x, 'contiguous');
}

/**
 * A copy with its own storage.
 *
 * @example
 * ```ts
 * import { tensor, clone } from '@kiln/tensor';
 * clone(tensor([1, 2])).toArray(); // [1, 2]
 * ```
 */
export function clone(x: Tensor): Tensor {
  return materialize(x, 'clone');
}

function inferShape(shape: readonly number[], numel: number, op: string, from: readonly number[]): number[] {
  let infer = -1;
  let known = 1;
  const out = shape.slice();
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (d === -1) {
      if (infer >= 0)
        throw new ShapeError(`${op}: only one dimension can be inferred (got ${formatShape(shape)})`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: invalid shape dimension ${d} (got ${formatShape(shape)})`);
    } else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new ShapeError(
        `${op}: shape '${formatShape(shape)}' is invalid for input of size ${numel} (input shape ${formatShape(from)})`,
      );
    }
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(
      `${op}: shape '${formatShape(shape)}' is invalid for input of size ${numel} (input shape ${formatShape(from)})`,
    );
  }
  return out;
}

/** Strides for viewing `shape`/`strides` as `target` without a copy, or null when impossible. */
function viewStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] | null {
  const numel = shapeSize(shape);
  if (numel === 0) return contiguousStrides(target);
  const out = new Array<number>(target.length);
  // Walk chunks of the old shape that are contiguous among themselves (PyTorch's computeStride).
  let viewD = target.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= target[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) {
    while (viewD >= 0) {
      if (target[viewD] !== 1) return null;
      out[viewD] = 1;
      viewD--;
    }
  }
  return out;
}

function reshapeView(x: Tensor, target: number[], op: string): Tensor | null {
  const strides = viewStrides(x.shape, x.strides, target);
  if (strides === null) return null;
  const y = viewTensor(x, target, strides, x.offset, op);
  if (needsRecord1(x)) record('view', [x], [y], { inputShape: x.shape });
  return y;
}

/**
 * A view with a new shape (one dim may be -1); copies only when the layout makes a view impossible.
 *
 * @example
 * ```ts
 * import { arange, reshape } from '@kiln/tensor';
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  alive(x, 'reshape');
  const target = inferShape(shape, x.numel(), 'reshape', x.shape);
  const v = reshapeView(x, target, 'reshape');
  if (v !== null) return v;
  const c = materialize(x, 'reshape');
  const y = reshapeView(c, target, 'reshape')!;
  c.dispose();
  return y;
}

/**
 * A view with a new shape; throws when the layout does not allow one (use `reshape`).
 *
 * @example
 * ```ts
 * import { arange, view } from '@kiln/tensor';
 * view(arange(6), [3, 2]).shape; // [3, 2]
 * ```
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  alive(x, 'view');
  const target = inferShape(shape, x.numel(), 'view', x.shape);
  const v = reshapeView(x, target, 'view');
  if (v === null) {
    throw new ShapeError(
      `view: size is not compatible with input tensor's size and stride (got shape ${formatShape(x.shape)} with strides ${formatShape(x.strides)}, expected a layout viewable as ${formatShape(target)})\nhelp: use .reshape(...) instead`,
    );
  }
  return v;
}

/**
 * Reorders dims (a view).
 *
 * @example
 * ```ts
 * import { zeros, permute } from '@kiln/tensor';
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  alive(x, 'permute');
  const n = x.shape.length;
  if (dims.length !== n) {
    throw new ShapeError(
      `permute: number of dims don't match (got ${dims.length} dims ${formatShape(dims)}, expected ${n})`,
    );
  }
  const seen = new Array<boolean>(n).fill(false);
  const norm = dims.map((d) => normalizeDim(d, n, 'permute'));
  for (const d of norm) {
    if (seen[d]) throw new ShapeError(`permute: repeated dim in ${formatShape(dims)}`);
    seen[d] = true;
  }
  const y = viewTensor(
    x,
    norm.map((d) => x.shape[d]!),
    norm.map((d) => x.strides[d]!),
    x.offset,
    'permute',
  );
  if (needsRecord1(x)) record('permute', [x], [y], { dims: norm });
  return y;
}

/**
 * Swaps two dims (a view).
 *
 * @example
 * ```ts
 * import { zeros, transpose } from '@kiln/tensor';
 * transpose(zeros([2, 3, 4]), 0, 2).shape; // [4, 3, 2]
 * ```
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const n = x.shape.length;
  if (n === 0) return permute(x, []);
  const a = normalizeDim(dim0, n, 'transpose');
  const b = normalizeDim(dim1, n, 'transpose');
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, dims);
}

/**
 * Transpose of a matrix (at most 2-D, as PyTorch's `t()`).
 *
 * @example
 * ```ts
 * import { zeros, t } from '@kiln/tensor';
 * t(zeros([2, 3])).shape; // [3, 2]
 * ```
 */
export function t(x: Tensor): Tensor {
  if (x.shape.length > 2) {
    throw new ShapeError(
      `t: expects a tensor with <= 2 dimensions (got ${x.shape.length}-D of shape ${formatShape(x.shape)})\nhelp: use transpose(dim0, dim1) or .mT`,
    );
  }
  return x.shape.length < 2
    ? permute(
        x,
        x.shape.map((_, i) => i),
      )
    : transpose(x, 0, 1);
}

/**
 * Broadcasts size-1 dims (and new leading dims) to `shape` without copying; -1 keeps a size.
 *
 * @example
 * ```ts
 * import { zeros, expand } from '@kiln/tensor';
 * expand(zeros([2, 1]), [2, 5]).shape; // [2, 5]
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  alive(x, 'expand');
  const n = shape.length;
  const lead = n - x.shape.length;
  if (lead < 0) {
    throw new ShapeError(
      `expand: the number of sizes provided (${n}) must be greater or equal to the number of dimensions in the tensor (${x.shape.length})`,
    );
  }
  const outShape = new Array<number>(n);
  const outStrides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const want = shape[i]!;
    if (i < lead) {
      if (want < 0)
        throw new ShapeError(`expand: -1 is not allowed in a leading, non-existing dimension ${i}`);
      outShape[i] = want;
      outStrides[i] = 0;
      continue;
    }
    const have = x.shape[i - lead]!;
    if (want === -1 || want === have) {
      outShape[i] = have;
      outStrides[i] = x.strides[i - lead]!;
    } else if (have === 1 && Number.isInteger(want) && want >= 0) {
      outShape[i] = want;
      outStrides[i] = 0;
    } else {
      throw new ShapeError(
        `expand: the expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i} (target ${formatShape(shape)}, tensor ${formatShape(x.shape)})`,
      );
    }
  }
  const y = viewTensor(x, outShape, outStrides, x.offset, 'expand');
  if (needsRecord1(x)) record('expand', [x], [y], { inputShape: x.shape });
  return y;
}

function reshapeTo(x: Tensor, shape: number[], strides: number[], op: string): Tensor {
  const y = viewTensor(x, shape, strides, x.offset, op);
  if (needsRecord1(x)) record('view', [x], [y], { inputShape: x.shape });
  return y;
}

/**
 * Removes size-1 dims (all, one, or a list).
 *
 * @example
 * ```ts
 * import { zeros, squeeze } from '@kiln/tensor';
 * squeeze(zeros([2, 1, 3])).shape; // [2, 3]
 * ```
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  alive(x, 'squeeze');
  const n = x.shape.length;
  const dims =
    dim === undefined
      ? null
      : new Set((typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim(d, n, 'squeeze')));
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < n; i++) {
    if (x.shape[i] === 1 && (dims === null || dims.has(i))) continue;
    shape.push(x.shape[i]!);
    strides.push(x.strides[i]!);
  }
  return reshapeTo(x, shape, strides, 'squeeze');
}

/**
 * Inserts a size-1 dim at `dim`.
 *
 * @example
 * ```ts
 * import { zeros, unsqueeze } from '@kiln/tensor';
 * unsqueeze(zeros([2, 3]), 1).shape; // [2, 1, 3]
 * ```
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  alive(x, 'unsqueeze');
  const n = x.shape.length;
  const d = normalizeDim(dim, n + 1, 'unsqueeze');
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  const s = d < n ? x.shape[d]! * x.strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, s);
  return reshapeTo(x, shape, strides, 'unsqueeze');
}

/**
 * Flattens dims `startDim … endDim` into one.
 *
 * @example
 * ```ts
 * import { zeros, flatten } from '@kiln/tensor';
 * flatten(zeros([2, 3, 4]), 1).shape; // [2, 12]
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  alive(x, 'flatten');
  const n = x.shape.length;
  if (n === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, n, 'flatten');
  const e = normalizeDim(endDim, n, 'flatten');
  if (s > e) throw new ShapeError(`flatten: start_dim cannot come after end_dim (got ${s} and ${e})`);
  const shape = [...x.shape.slice(0, s), shapeSize(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/**
 * Splits dim `dim` into `sizes` (one may be -1).
 *
 * @example
 * ```ts
 * import { zeros, unflatten } from '@kiln/tensor';
 * unflatten(zeros([2, 12]), 1, [3, 4]).shape; // [2, 3, 4]
 * ```
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  alive(x, 'unflatten');
  const n = x.shape.length;
  const d = normalizeDim(dim, n, 'unflatten');
  const inner = inferShape(sizes, x.shape[d]!, 'unflatten', x.shape);
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/**
 * Elements `start … end-1` (step `step`) along `dim`, as a view; negative and out-of-range
 * bounds are clamped as in Python slicing.
 *
 * @example
 * ```ts
 * import { arange, slice } from '@kiln/tensor';
 * slice(arange(10), 0, 2, 5).toArray(); // [2, 3, 4]
 * ```
 */
export function slice(
  x: Tensor,
  dim: number,
  start?: number | null,
  end?: number | null,
  options?: SliceOptions,
): Tensor {
  alive(x, 'slice');
  const n = x.shape.length;
  const d = normalizeDim(dim, n, 'slice');
  const size = x.shape[d]!;
  const step = options?.step ?? 1;
  if (!Number.isInteger(step) || step <= 0)
    throw new ValueError(`slice: step must be a positive integer (got ${step})`);
  const clampIndex = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start === undefined || start === null ? 0 : clampIndex(start);
  const e = Math.max(s, end === undefined || end === null ? size : clampIndex(end));
  return sliceView(x, d, s, e, step);
}

/** A view of `[start, end)` step `step` along a normalised dim. @internal */
export function sliceView(x: Tensor, d: number, start: number, end: number, step: number): Tensor {
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape[d] = Math.max(0, Math.ceil((end - start) / step));
  strides[d] = x.strides[d]! * step;
  const y = viewTensor(x, shape, strides, x.offset + start * x.strides[d]!, 'slice');
  if (needsRecord1(x)) record('slice', [x], [y], { dim: d, start, end, step, inputShape: x.shape });
  return y;
}

/**
 * `length` elements of `dim` from `start` (a view).
 *
 * @example
 * ```ts
 * import { arange, narrow } from '@kiln/tensor';
 * narrow(arange(5), 0, 1, 2).toArray(); // [1, 2]
 * ```
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  alive(x, 'narrow');
  const d = normalizeDim(dim, x.shape.length, 'narrow');
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || s < 0 || s > size) {
    throw new ValueError(`narrow: start (${start}) is out of bounds for dimension ${d} of size ${size}`);
  }
  if (!Number.isInteger(length) || length < 0 || s + length > size) {
    throw new ValueError(`narrow: start (${s}) + length (${length}) exceeds dimension size (${size})`);
  }
  return sliceView(x, d, s, s + length, 1);
}

/**
 * The slice at `index` along `dim`, with that dim removed (a view).
 *
 * @example
 * ```ts
 * import { tensor, select } from '@kiln/tensor';
 * select(tensor([[1, 2], [3, 4]]), 0, 1).toArray(); // [3, 4]
 * ```
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  alive(x, 'select');
  const n = x.shape.length;
  if (n === 0) throw new ShapeError('select: cannot be applied to a 0-dim tensor');
  const d = normalizeDim(dim, n, 'select');
  const size = x.shape[d]!;
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new ValueError(`select: index ${index} is out of bounds for dimension ${d} with size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  const shape = x.shape.slice();
  const strides = x.strides.slice();
  shape.splice(d, 1);
  strides.splice(d, 1);
  const y = viewTensor(x, shape, strides, x.offset + i * x.strides[d]!, 'select');
  if (needsRecord1(x)) record('select', [x], [y], { dim: d, index: i, inputShape: x.shape });
  return y;
}

/**
 * Splits into pieces of `splitSize` (the last may be smaller) or of the given sizes (views).
 *
 * @example
 * ```ts
 * import { arange, split } from '@kiln/tensor';
 * split(arange(5), 2).map((p) => p.toArray()); // [[0, 1], [2, 3], [4]]
 * ```
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  alive(x, 'split');
  const d = normalizeDim(dim, x.shape.length, 'split');
  const size = x.shape[d]!;
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && size !== 0)) {
      throw new ValueError(
        `split: split_size can only be 0 if dimension size is 0 (got split_size ${s} for size ${size})`,
      );
    }
    sizes = [];
    if (size === 0) sizes.push(0);
    for (let i = 0; i < size; i += s) sizes.push(Math.min(s, size - i));
  } else {
    sizes = splitSizeOrSections.slice();
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size || sizes.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new ValueError(
        `split: split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${formatShape(sizes)}`,
      );
    }
  }
  const out: Tensor[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(sliceView(x, d, start, start + s, 1));
    start += s;
  }
  return out;
}

/**
 * Splits into `chunks` nearly equal pieces (views), as PyTorch's `chunk`.
 *
 * @example
 * ```ts
 * import { arange, chunk } from '@kiln/tensor';
 * chunk(arange(6), 3).length; // 3
 * ```
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError(`chunk: chunks must be greater than 0 (got ${chunks})`);
  const d = normalizeDim(dim, x.shape.length, 'chunk');
  const size = x.shape[d]!;
  return split(x, Math.max(1, Math.ceil(size / chunks)), d);
}

/**
 * Removes a dim, returning the slices along it (views).
 *
 * @example
 * ```ts
 * import { tensor, unbind } from '@kiln/tensor';
 * unbind(tensor([[1, 2], [3, 4]])).length; // 2
 * ```
 */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.shape.length, 'unbind');
  const out: Tensor[] = [];
  for (let i = 0; i < x.shape[d]!; i++) out.push(select(x, d, i));
  return out;
}

/**
 * Moves dim `source` to position `destination` (a view).
 *
 * @example
 * ```ts
 * import { zeros, movedim } from '@kiln/tensor';
 * movedim(zeros([2, 3, 4]), 0, 2).shape; // [3, 4, 2]
 * ```
 */
export function movedim(x: Tensor, source: number, destination: number): Tensor {
  const n = x.shape.length;
  const s = normalizeDim(source, n, 'movedim');
  const d = normalizeDim(destination, n, 'movedim');
  const order = x.shape.map((_, i) => i).filter((i) => i !== s);
  order.splice(d, 0, s);
  return permute(x, order);
}

/**
 * The diagonal of the (dim1, dim2) planes, as a view with that dim last.
 *
 * @example
 * ```ts
 * import { eye, diagonal } from '@kiln/tensor';
 * diagonal(eye(3)).toArray(); // [1, 1, 1]
 * ```
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  alive(x, 'diagonal');
  const n = x.shape.length;
  const a = normalizeDim(dim1, n, 'diagonal');
  const b = normalizeDim(dim2, n, 'diagonal');
  if (a === b) throw new ShapeError(`diagonal: dimensions cannot be identical ${dim1}, ${dim2}`);
  let start = x.offset;
  let len: number;
  if (offset >= 0) {
    len = Math.max(0, Math.min(x.shape[a]!, x.shape[b]! - offset));
    start += len > 0 ? offset * x.strides[b]! : 0;
  } else {
    len = Math.max(0, Math.min(x.shape[a]! + offset, x.shape[b]!));
    start += len > 0 ? -offset * x.strides[a]! : 0;
  }
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === a || i === b) continue;
    shape.push(x.shape[i]!);
    strides.push(x.strides[i]!);
  }
  shape.push(len);
  strides.push(x.strides[a]! + x.strides[b]!);
  const y = viewTensor(x, shape, strides, start, 'diagonal');
  if (needsRecord1(x)) record('diagonal', [x], [y], { offset, dim1: a, dim2: b, inputShape: x.shape });
  return y;
}
