import type { View } from '../backend/contract.js';
import { needsRecord1, needsRecord2, record } from '../core/dispatch.js';
import { broadcastShapes, contiguousStrides, formatShape, normalizeDim } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../errors/errors.js';
import { hostInts, readIntsSync } from '../internal/host-ints.js';
import { alive, commonBackend, newTensor } from '../internal/make.js';
import { gt, maskedFill, where } from './binary.js';
import { runReduce } from './reduce.js';
import { expand, narrow, reshape } from './shape.js';

/** Indexing ops recorded for autograd. The int32 index is input 1 (never differentiable). */
export interface IndexingOpAttrs {
  /** `gather(x, dim, index)`; inputs `[x, index]`. The gradient scatter-adds into `inputShape`. */
  gather: { dim: number; inputShape: readonly number[] };
  /** Out-of-place `scatterAdd(x, dim, index, src)`; inputs `[x, index, src]`. */
  scatterAdd: { dim: number };
  /** `indexSelect(x, dim, index)`; inputs `[x, index]` (index 1-D). */
  indexSelect: { dim: number; inputShape: readonly number[] };
}

const VIEW_1: readonly number[] = [1];

/** A 0-dim view seen as shape [1], so kernels always get an axis to index along. */
function atLeast1d(v: View): View {
  if (v.shape.length > 0) return v;
  return { storage: v.storage, shape: VIEW_1, strides: VIEW_1, offset: v.offset };
}

function requireIndex(op: string, index: Tensor): void {
  alive(index, op);
  if (index.dtype !== 'int32') {
    throw new DTypeError(`${op}: index must be an int32 tensor (got ${index.dtype}, expected int32)`);
  }
}

/** Index tensors up to this size are checked element by element on the host. */
const HOST_CHECK_LIMIT = 4096;

/** Throws PyTorch's out-of-bounds message for an index outside `[0, size)`. */
function checkRange(op: string, index: Tensor, dim: number, size: number): void {
  const n = index.numel();
  if (n === 0) return;
  const backend = index.handle.backend;
  if (backend.readSync === undefined) return;
  const fail = (v: number): ValueError =>
    new ValueError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}`);
  if (n <= HOST_CHECK_LIMIT) {
    // Small indices: report the first offender, as PyTorch does.
    const values = readIntsSync(index, op)!;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < 0 || v >= size) throw fail(v);
    }
    return;
  }
  // NOTE: large indices are checked by two reductions, so only two numbers cross to the host.
  const axes = index.shape.map((_, i) => i);
  const lo = runReduce('min', index, axes, false, 'int32');
  const hi = runReduce('max', index, axes, false, 'int32');
  const min = backend.readSync(lo.storage, 0, 1)[0]!;
  const max = backend.readSync(hi.storage, 0, 1)[0]!;
  lo.dispose();
  hi.dispose();
  if (min < 0) throw fail(min);
  if (max >= size) throw fail(max);
}

function sameRank(op: string, x: Tensor, other: Tensor, what: string): void {
  if (other.shape.length !== x.shape.length) {
    throw new ShapeError(
      `${op}: ${what} must have the same number of dimensions as input (got ${other.shape.length}-D ${what} of shape ${formatShape(other.shape)}, expected ${x.shape.length}-D)`,
    );
  }
}

/** `x` viewed with the index's sizes except along `dim` (the kernels walk the index's shape). */
function alignedView(x: Tensor, index: Tensor, dim: number, keepDim: boolean): View {
  const shape = index.shape.slice();
  if (keepDim && shape.length > 0) shape[dim] = x.shape[dim]!;
  return atLeast1d({ storage: x.storage, shape, strides: x.strides, offset: x.offset });
}

function checkNotLarger(op: string, index: Tensor, other: Tensor, dim: number | null, what: string): void {
  for (let d = 0; d < index.shape.length; d++) {
    if (d !== dim && index.shape[d]! > other.shape[d]!) {
      throw new ShapeError(
        `${op}: size does not match at dimension ${d} (got index ${formatShape(index.shape)}, expected it no larger than ${what} ${formatShape(other.shape)}${dim === null ? '' : ` apart from dimension ${dim}`})`,
      );
    }
  }
}

/**
 * Picks values along `dim` by an int32 index of the same rank:
 * `out[i][j][k] = x[i][index[i][j][k]][k]` for `dim = 1`. The output has the index's shape.
 *
 * @example
 * ```ts
 * import { tensor, gather } from '@kiln/tensor';
 * gather(tensor([[1, 2], [3, 4]]), 1, tensor([[0, 0], [1, 0]])).toArray(); // [[1, 1], [4, 3]]
 * ```
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  alive(x, 'gather');
  requireIndex('gather', index);
  const backend = commonBackend('gather', x, index);
  const d = normalizeDim(dim, x.shape.length, 'gather');
  sameRank('gather', x, index, 'index');
  checkNotLarger('gather', index, x, d, 'input');
  checkRange('gather', index, d, x.shape.length === 0 ? 1 : x.shape[d]!);
  const out = newTensor(backend, x.dtype, index.shape);
  if (out.numel() > 0) {
    const o = out.out_();
    backend.gather(alignedView(x, index, d, true), d, atLeast1d(index), {
      ...o,
      shape: atLeast1d(out).shape,
    });
  }
  if (needsRecord1(x)) record('gather', [x, index], [out], { dim: d, inputShape: x.shape });
  return out;
}

function checkScatter(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | null): number {
  alive(x, op);
  requireIndex(op, index);
  commonBackend(op, x, index);
  const d = normalizeDim(dim, x.shape.length, op);
  sameRank(op, x, index, 'index');
  checkNotLarger(op, index, x, d, 'self');
  if (src !== null) {
    alive(src, op);
    commonBackend(op, x, src);
    if (src.dtype !== x.dtype) {
      throw new DTypeError(
        `${op}: expected self.dtype to be equal to src.dtype (got ${x.dtype} and ${src.dtype})`,
      );
    }
    sameRank(op, x, src, 'src');
    checkNotLarger(op, index, src, null, 'src');
  }
  checkRange(op, index, d, x.shape.length === 0 ? 1 : x.shape[d]!);
  return d;
}

function scatterAddRaw(x: Tensor, d: number, index: Tensor, src: Tensor): Tensor {
  const backend = x.handle.backend;
  const out = newTensor(backend, x.dtype, x.shape);
  if (out.numel() > 0) backend.copy(x, out);
  if (index.numel() > 0) {
    const srcView = atLeast1d({
      storage: src.storage,
      shape: index.shape,
      strides: src.strides,
      offset: src.offset,
    });
    backend.scatterAdd({ ...out.out_(), shape: atLeast1d(out).shape }, d, atLeast1d(index), srcView);
  }
  return out;
}

/**
 * Out of place: a copy of `x` with `src` added at positions given by `index` along `dim`
 * (`out[i][index[i][j]] += src[i][j]` for `dim = 1`); repeated indices accumulate.
 *
 * @example
 * ```ts
 * import { tensor, zeros, scatterAdd } from '@kiln/tensor';
 * scatterAdd(zeros([3]), 0, tensor([0, 2, 0]), tensor([1, 2, 3], { dtype: 'float32' })).toArray(); // [4, 0, 2]
 * ```
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const d = checkScatter('scatterAdd', x, dim, index, src);
  const out = scatterAddRaw(x, d, index, src);
  if (needsRecord2(x, src)) record('scatterAdd', [x, index, src], [out], { dim: d });
  return out;
}

/**
 * Where `index` sends several `src` entries to one position, a bool mask (index-shaped) that
 * keeps only the last of them in row-major order, as PyTorch's sequential cpu loop leaves it; null
 * when every target is distinct or the index cannot be read on the host.
 */
function lastWrites(index: Tensor, dim: number, shape: readonly number[]): Tensor | null {
  const values = readIntsSync(index, 'scatter');
  if (values === null || values.length < 2) return null;
  const rank = index.shape.length;
  const strides = contiguousStrides(shape);
  const coord = new Array<number>(rank).fill(0);
  const last = new Map<number, number>();
  for (let k = 0; k < values.length; k++) {
    let pos = 0;
    for (let i = 0; i < rank; i++) pos += (i === dim ? values[k]! : coord[i]!) * strides[i]!;
    last.set(pos, k);
    for (let i = rank - 1; i >= 0; i--) {
      if (++coord[i]! < index.shape[i]!) break;
      coord[i] = 0;
    }
  }
  if (last.size === values.length) return null;
  const keep = new Uint8Array(values.length);
  for (const k of last.values()) keep[k] = 1;
  const backend = index.handle.backend;
  const mask = newTensor(backend, 'bool', index.shape);
  backend.write(mask.storage, keep);
  return mask;
}

/** `src` narrowed to the index's extent along every dim (scatter reads only that block). */
function narrowedTo(src: Tensor, shape: readonly number[]): Tensor {
  let t = src;
  for (let d = 0; d < shape.length; d++) {
    if (t.shape[d]! > shape[d]!) {
      const next = narrow(t, d, 0, shape[d]!);
      if (t !== src) t.dispose();
      t = next;
    }
  }
  return t;
}

/**
 * Out of place: a copy of `x` with `src` (a tensor, or one number) written at positions given
 * by `index` along `dim`. Where several entries target one position the last one (in row-major
 * order of `index`) wins, as on PyTorch's cpu; only the written entries get a gradient.
 *
 * @example
 * ```ts
 * import { tensor, zeros, scatter } from '@kiln/tensor';
 * scatter(zeros([2, 3]), 1, tensor([[2], [0]]), 7).toArray(); // [[0, 0, 7], [7, 0, 0]]
 * ```
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  const srcTensor = src instanceof Tensor ? src : null;
  const d = checkScatter('scatter', x, dim, index, srcTensor);
  const backend = x.handle.backend;
  const counts = newTensor(backend, 'int32', x.shape);
  const ones = newTensor(backend, 'int32', index.shape);
  if (ones.numel() > 0) backend.fill(ones, 1);
  const hits = scatterAddRaw(counts, d, index, ones);
  const mask = gt(hits, 0);
  counts.dispose();
  ones.dispose();
  hits.dispose();
  let y: Tensor;
  if (srcTensor === null) y = maskedFill(x, mask, src as number);
  else {
    const recording = srcTensor.requiresGrad || x.requiresGrad;
    const keep = lastWrites(index, d, x.shape);
    let source = srcTensor;
    if (keep !== null) {
      const part = narrowedTo(srcTensor, index.shape);
      source = where(keep, part, srcTensor.dtype === 'bool' ? false : 0);
      if (!recording) {
        keep.dispose();
        if (part !== srcTensor) part.dispose();
      }
    }
    const zeros = newTensor(backend, x.dtype, x.shape);
    const placed = scatterAdd(zeros, d, index, source);
    y = where(mask, placed, x);
    zeros.dispose();
    if (!recording) {
      placed.dispose();
      if (source !== srcTensor) source.dispose();
    }
  }
  if (!y.requiresGrad) mask.dispose();
  return y;
}

/**
 * Selects entries along `dim` by a 1-D int32 index (`out.shape[dim] = index.length`).
 *
 * @example
 * ```ts
 * import { tensor, indexSelect } from '@kiln/tensor';
 * indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, tensor([2, 0])).toArray(); // [[5, 6], [1, 2]]
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  alive(x, 'indexSelect');
  requireIndex('indexSelect', index);
  const backend = commonBackend('indexSelect', x, index);
  const d = normalizeDim(dim, x.shape.length, 'indexSelect');
  if (index.shape.length > 1) {
    throw new ShapeError(
      `indexSelect: index must be 0-D or 1-D (got ${index.shape.length}-D of shape ${formatShape(index.shape)})`,
    );
  }
  const size = x.shape.length === 0 ? 1 : x.shape[d]!;
  checkRange('indexSelect', index, d, size);
  const n = index.numel();
  const shape = x.shape.length === 0 ? index.shape.slice() : x.shape.slice();
  if (x.shape.length > 0) shape[d] = n;
  const out = newTensor(backend, x.dtype, shape);
  if (out.numel() > 0) {
    const xv = atLeast1d(x);
    backend.indexSelect(xv, d, atLeast1d(index), {
      ...out.out_(),
      shape: x.shape.length === 0 ? [n] : shape,
    });
  }
  if (needsRecord1(x)) record('indexSelect', [x, index], [out], { dim: d, inputShape: x.shape });
  return out;
}

/**
 * `x[indices]` for an int32 tensor of indices into dim 0 (negative indices count from the end):
 * the result has shape `[...indices.shape, ...x.shape.slice(1)]`.
 *
 * @example
 * ```ts
 * import { tensor, index } from '@kiln/tensor';
 * index(tensor([10, 20, 30]), tensor([[2, -3]])).toArray(); // [[30, 10]]
 * ```
 */
export function index(x: Tensor, indices: Tensor): Tensor {
  alive(x, 'index');
  requireIndex('index', indices);
  if (x.shape.length === 0)
    throw new ShapeError('index: cannot index a 0-dim tensor (got shape [], expected at least 1-D)');
  const size = x.shape[0]!;
  const values = readIntsSync(indices, 'index');
  let flat: Tensor;
  if (values === null) flat = reshape(indices, [-1]);
  else {
    for (const v of values) {
      if (v < -size || v >= size)
        throw new ValueError(`index: index ${v} is out of bounds for dimension 0 with size ${size}`);
    }
    flat = hostInts(
      x.handle.backend,
      values.map((v) => (v < 0 ? v + size : v)),
    );
  }
  const picked = indexSelect(x, 0, flat);
  const y = reshape(picked, [...indices.shape, ...x.shape.slice(1)]);
  if (flat !== indices) flat.dispose();
  if (!picked.requiresGrad && picked !== y) picked.dispose();
  return y;
}

/**
 * The elements of `x` where the bool `mask` (broadcast with `x`) is true, as a 1-D tensor.
 * Reads the mask on the host, so the device must allow synchronous reads.
 *
 * @example
 * ```ts
 * import { tensor, maskedSelect } from '@kiln/tensor';
 * maskedSelect(tensor([[1, 2], [3, 4]]), tensor([true, false])).toArray(); // [1, 3]
 * ```
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  alive(x, 'maskedSelect');
  alive(mask, 'maskedSelect');
  const backend = commonBackend('maskedSelect', x, mask);
  if (mask.dtype !== 'bool') {
    throw new DTypeError(
      `maskedSelect: expected mask to be a bool tensor (got ${mask.dtype}, expected bool)`,
    );
  }
  if (backend.readSync === undefined) {
    throw new ValueError(
      `maskedSelect: device '${backend.name}' cannot be read synchronously\nhelp: move the tensors to 'cpu' first`,
    );
  }
  const shape = broadcastShapes(x.shape, mask.shape, 'maskedSelect');
  const m = expand(mask, shape);
  const mc = m.contiguous();
  const bits = backend.readSync(mc.storage, mc.offset, mc.numel());
  if (mc !== m) mc.dispose();
  m.dispose();
  const positions: number[] = [];
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) positions.push(i);
  const xb = expand(x, shape);
  const flat = reshape(xb, [-1]);
  const idx = hostInts(backend, positions);
  const y = indexSelect(flat, 0, idx);
  idx.dispose();
  if (!flat.requiresGrad) {
    flat.dispose();
    if (xb !== flat) xb.dispose();
  }
  return y;
}
