// Shape and stride bookkeeping for the kernels: merging dims that walk like one, and the
// contiguous strides of a shape.

/** Row-major contiguous strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape and one stride list per operand, after dropping size-1 dims and merging dims. */
export interface Collapsed {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 dims and merges neighbours d, d+1 wherever every operand has
 * `stride[d] == stride[d+1] * shape[d+1]`, so the walk has as few, and as long, rows as possible.
 * Never returns rank 0 (a scalar walks as shape [1]).
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0) {
      let mergeable = true;
      for (let k = 0; k < strides.length; k++) {
        if (outStrides[k]![last] !== strides[k]![d]! * n) {
          mergeable = false;
          break;
        }
      }
      if (mergeable) {
        outShape[last] = outShape[last]! * n;
        for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
        continue;
      }
    }
    outShape.push(n);
    for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/** Whether a view's elements are exactly the contiguous row-major block starting at its offset. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    if (n !== 1 && strides[d] !== acc) return false;
    acc *= n;
  }
  return true;
}
