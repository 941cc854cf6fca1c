/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * sizeOf([2, 3]); // 6
 * ```
 */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Row-major strides of a contiguous block of `shape`.
 *
 * @example
 * ```ts
 * contiguousStrides([2, 3]); // [3, 1]
 * ```
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/**
 * Whether strides describe a row-major contiguous layout of `shape` (size-1 dims ignored).
 *
 * @example
 * ```ts
 * isContiguous([2, 3], [3, 1]); // true
 * ```
 */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    if (n !== 1 && strides[d] !== acc) return false;
    acc *= n;
  }
  return true;
}

/**
 * The single stride a view can be walked with as one flat row of `out`'s elements: 1 when it is
 * row-major contiguous, 0 when every stride is 0 (a broadcast scalar), -1 otherwise.
 *
 * @example
 * ```ts
 * flatStride([2, 3], [3, 1]); // 1
 * ```
 */
export function flatStride(shape: readonly number[], strides: readonly number[]): 1 | 0 | -1 {
  let zero = true;
  for (let i = 0; i < strides.length; i++) {
    if (strides[i] !== 0 && shape[i] !== 1) {
      zero = false;
      break;
    }
  }
  if (zero) return 0;
  return isContiguous(shape, strides) ? 1 : -1;
}
