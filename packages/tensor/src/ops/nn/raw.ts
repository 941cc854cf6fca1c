// Kernel-level helpers for the nn ops: they call the backend directly and never record for
// autograd, so a recorded op (softmax, conv2d, maxPool2d, …) can compute its value from parts
// without those parts appearing in the graph.
import type { ReduceOp, View } from '../../backend/contract.js';
import type { DType } from '../../core/dtype.js';
import { tidy } from '../../core/memory.js';
import { contiguousStrides, isContiguousLayout } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { ValueError } from '../../errors/errors.js';
import { newTensor, viewTensor } from '../../internal/make.js';

/** A kernel view of `base`'s storage with another layout (no reference taken). @internal */
export function layout(
  base: View,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): View {
  return { storage: base.storage, shape, strides, offset };
}

/** Reduces `x` over `axes` with the backend kernel; the result keeps the reduced axes as 1s. @internal */
export function rawReduce(
  op: ReduceOp,
  x: Tensor,
  axes: readonly number[],
  outDType: DType = x.dtype,
): Tensor {
  const keepShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = newTensor(x.handle.backend, outDType, keepShape);
  if (out.numel() > 0) {
    const reducedShape = x.shape.filter((_, i) => !axes.includes(i));
    x.handle.backend.reduce(op, x, axes, { storage: out.storage, shape: reducedShape, offset: 0 });
  }
  return out;
}

/** A contiguous copy of any strided view of `base`'s storage. @internal */
export function rawCopy(base: Tensor, src: View, dtype: DType = base.dtype): Tensor {
  const out = newTensor(base.handle.backend, dtype, src.shape);
  if (out.numel() > 0) base.handle.backend.copy(src, out);
  return out;
}

/** `x` when contiguous, else a contiguous copy (never recorded). @internal */
export function rawContiguous(x: Tensor): Tensor {
  if (isContiguousLayout(x.shape, x.strides)) return x;
  return rawCopy(x, x);
}

/**
 * Batched matmul of `a` [...batch, m, k] and `b` [...batch, k, n], both already of the output's
 * batch shape (stride 0 where broadcast). @internal
 */
export function rawMatmul(like: Tensor, a: View, b: View): Tensor {
  const batch = a.shape.slice(0, -2);
  const m = a.shape[a.shape.length - 2]!;
  const n = b.shape[b.shape.length - 1]!;
  const out = newTensor(like.handle.backend, like.dtype, [...batch, m, n]);
  if (out.numel() > 0) like.handle.backend.matmul(a, b, out.out_());
  return out;
}

/**
 * A tensor of `shape` filled with `value` except for the window at `[pre…]` (per dim) which holds
 * `x`: zero or -∞ padding of any rank, bottom/right padding may differ from top/left. @internal
 */
export function rawPad(
  x: Tensor,
  before: readonly number[],
  after: readonly number[],
  value: number,
): Tensor {
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const backend = x.handle.backend;
  const out = newTensor(backend, x.dtype, shape);
  if (out.numel() === 0) return out;
  if (value !== 0) backend.fill(out, value);
  const strides = contiguousStrides(shape);
  let offset = 0;
  for (let i = 0; i < shape.length; i++) offset += before[i]! * strides[i]!;
  if (x.numel() > 0) backend.copy(x, layout(out, x.shape, strides, offset));
  return out;
}

/** A new Tensor (one more reference) over `base`'s storage with another layout. @internal */
export function rawView(
  base: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  op: string,
): Tensor {
  return viewTensor(base, shape, strides, offset, op);
}

/** Runs a composite inside `tidy`, so every intermediate is freed at once. @internal */
export function composite<T extends Tensor | readonly Tensor[]>(fn: () => T): T {
  // NOTE: even while autograd records, the intermediates can go: every tensor a gradient rule saved
  // holds its own reference on the storage, so disposing our handles frees nothing backward needs,
  // and a training loop without dispose does not pile up the composites' temporaries.
  return tidy(fn);
}

/** Normalises an int-or-pair argument with PyTorch's checks. @internal */
export function pair(op: string, name: string, v: number | readonly number[], min: number): [number, number] {
  const p: readonly number[] = typeof v === 'number' ? [v, v] : v;
  if (p.length === 1) return pair(op, name, p[0]!, min);
  if (p.length !== 2 || !p.every((e) => Number.isInteger(e) && e >= min)) {
    throw new ValueError(
      `${op}: ${name} must be ${min > 0 ? 'a positive' : 'a non-negative'} integer or a pair of them (got ${JSON.stringify(v)})`,
    );
  }
  return [p[0]!, p[1]!];
}
