import { needsRecord, record } from '../core/dispatch.js';
import { type DType, promoteTypes } from '../core/dtype.js';
import { contiguousStrides, formatShape, normalizeDim } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { ShapeError, ValueError } from '../errors/errors.js';
import { alive, commonBackendOf, newTensor } from '../internal/make.js';
import { cast } from './device.js';
import { unsqueeze } from './shape.js';

/** Joining ops recorded for autograd. */
export interface JoinOpAttrs {
  /**
   * `cat` along `dim`; `sizes[i]` is input i's extent along `dim` (the gradient of input i is
   * the slice of the output gradient at that position). Inputs skipped as PyTorch skips them
   * (1-D empty tensors) are not among the recorded inputs.
   */
  cat: { dim: number; sizes: readonly number[] };
}

function isLegacyEmpty(t: Tensor): boolean {
  return t.shape.length === 1 && t.shape[0] === 0;
}

/**
 * Concatenates tensors along an existing dim. Shapes must match except along `dim`; dtypes
 * promote as in PyTorch. 1-D empty tensors are skipped, as PyTorch does for backward
 * compatibility.
 *
 * @example
 * ```ts
 * import { tensor, cat } from '@kiln/tensor';
 * cat([tensor([[1, 2]]), tensor([[3, 4]])], 0).toArray(); // [[1, 2], [3, 4]]
 * cat([tensor([[1], [2]]), tensor([[3], [4]])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0)
    throw new ValueError('cat: expected a non-empty list of tensors (got an empty list)');
  for (const t of tensors) alive(t, 'cat');
  const backend = commonBackendOf('cat', tensors);
  let dtype: DType = tensors[0]!.dtype;
  for (const t of tensors) dtype = promoteTypes(dtype, t.dtype);
  const parts = tensors.filter((t) => !isLegacyEmpty(t));
  if (parts.length === 0) return newTensor(backend, dtype, [0]);
  const ref = parts[0]!;
  const rank = ref.shape.length;
  if (rank === 0) {
    throw new ShapeError(
      'cat: zero-dimensional tensor (at position 0) cannot be concatenated (got shape [], expected at least 1-D)',
    );
  }
  const d = normalizeDim(dim, rank, 'cat');
  let total = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    if (isLegacyEmpty(t)) continue;
    if (t.shape.length !== rank) {
      throw new ShapeError(
        `cat: tensors must have the same number of dimensions (got ${rank}-D and ${t.shape.length}-D for tensor number ${i} in the list)`,
      );
    }
    for (let k = 0; k < rank; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) {
        throw new ShapeError(
          `cat: sizes of tensors must match except in dimension ${d} (got size ${t.shape[k]} for tensor number ${i} in the list, expected size ${ref.shape[k]} at dimension ${k})`,
        );
      }
    }
    total += t.shape[d]!;
  }
  const shape = ref.shape.slice();
  shape[d] = total;
  const out = newTensor(backend, dtype, shape);
  const strides = contiguousStrides(shape);
  let start = 0;
  for (const t of parts) {
    if (t.numel() > 0) {
      const src = t.dtype === dtype ? t : cast(t, dtype);
      backend.copy(src, { storage: out.storage, shape: t.shape, strides, offset: start * strides[d]! });
      if (src !== t) src.dispose();
    }
    start += t.shape[d]!;
  }
  if (needsRecord(parts)) record('cat', parts, [out], { dim: d, sizes: parts.map((t) => t.shape[d]!) });
  return out;
}

/**
 * Joins tensors of equal shape along a new dim.
 *
 * @example
 * ```ts
 * import { tensor, stack } from '@kiln/tensor';
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0)
    throw new ValueError('stack: expected a non-empty list of tensors (got an empty list)');
  const first = tensors[0]!;
  alive(first, 'stack');
  for (let i = 1; i < tensors.length; i++) {
    const t = tensors[i]!;
    alive(t, 'stack');
    const same = t.shape.length === first.shape.length && t.shape.every((s, k) => s === first.shape[k]);
    if (!same) {
      throw new ShapeError(
        `stack: expects each tensor to be equal size (got ${formatShape(first.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i})`,
      );
    }
  }
  const d = normalizeDim(dim, first.shape.length + 1, 'stack');
  const views = tensors.map((t) => unsqueeze(t, d));
  const y = cat(views, d);
  for (const v of views) v.dispose();
  return y;
}
