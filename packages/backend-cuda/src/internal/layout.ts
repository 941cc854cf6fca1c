/** The largest rank a kernel accepts after merging dimensions (native/kiln_cuda.h kMaxRank). */
export const MAX_RANK = 8;

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major contiguous strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** Whether strides describe a row-major contiguous layout (size-1 dims may have any stride). */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size !== 1 && strides[d] !== expect) return false;
    expect *= size;
  }
  return true;
}

/**
 * Merges dimensions that every operand walks as one (stride[d] = stride[d+1] * size[d+1]) and drops
 * size-1 dimensions, so kernels index fewer dimensions. Row-major order is preserved, so a
 * contiguous output stays contiguous with the same linear index.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      for (let k = 0; k < strides.length; k++) outStrides[k]![last] = strides[k]![d]!;
      continue;
    }
    outShape.push(size);
    for (let k = 0; k < strides.length; k++) outStrides[k]!.push(strides[k]![d]!);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * The element range a strided view touches: `[offset, last]`, or null for an empty view. Throws a
 * plain Error on a malformed view (the caller turns it into a BackendError with the kernel's name).
 */
export function viewExtent(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): number | null {
  if (shape.length !== strides.length)
    throw new Error(`shape has rank ${shape.length} but strides ${strides.length}`);
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new Error(`offset ${offset} is not a non-negative integer`);
  let last = offset;
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    const stride = strides[d]!;
    if (!Number.isSafeInteger(size) || size < 0)
      throw new Error(`size ${size} is not a non-negative integer`);
    if (!Number.isSafeInteger(stride) || stride < 0)
      throw new Error(`stride ${stride} is not a non-negative integer`);
    if (size === 0) return null;
    last += (size - 1) * stride;
  }
  return last;
}
