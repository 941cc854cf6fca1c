import { ShapeError, ValueError } from '../errors/errors.js';

/**
 * A tensor's sizes along each dimension.
 *
 * @example
 * ```ts
 * import type { Shape } from '@kiln/tensor';
 * const s: Shape = [2, 3];
 * ```
 */
export type Shape = readonly number[];

/**
 * The number of elements of a shape (1 for a scalar shape `[]`).
 *
 * @example
 * ```ts
 * import { shapeSize } from '@kiln/tensor';
 * shapeSize([2, 3]); // 6
 * ```
 */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * Row-major (C-contiguous) strides of a shape, in elements.
 *
 * @example
 * ```ts
 * import { contiguousStrides } from '@kiln/tensor';
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Whether strides describe a row-major layout of the shape (dims of size 1 may have any stride).
 *
 * @example
 * ```ts
 * import { isContiguousLayout } from '@kiln/tensor';
 * isContiguousLayout([2, 3], [3, 1]); // true
 * ```
 */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const size = shape[i]!;
    if (size === 1) continue;
    if (size === 0) return true;
    if (strides[i] !== expected) return false;
    expected *= size;
  }
  return true;
}

/**
 * Normalises a possibly negative dim against a rank, throwing PyTorch's message when out of range.
 *
 * @example
 * ```ts
 * import { normalizeDim } from '@kiln/tensor';
 * normalizeDim(-1, 3, 'sum'); // 2
 * ```
 */
export function normalizeDim(dim: number, rank: number, op: string): number {
  const r = rank === 0 ? 1 : rank;
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new ShapeError(
      `${op}: dimension out of range (got ${dim}, expected to be in range of [${-r}, ${r - 1}])`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/**
 * Normalises a list of dims: each in range, no repeats, sorted ascending.
 *
 * @example
 * ```ts
 * import { normalizeDims } from '@kiln/tensor';
 * normalizeDims([-1, 0], 3, 'sum'); // [0, 2]
 * ```
 */
export function normalizeDims(dims: readonly number[], rank: number, op: string): number[] {
  const out = dims.map((d) => normalizeDim(d, rank, op));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw new ShapeError(`${op}: dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Broadcasts two shapes under NumPy/PyTorch rules, or throws naming both shapes.
 *
 * @example
 * ```ts
 * import { broadcastShapes } from '@kiln/tensor';
 * broadcastShapes([4, 1, 3], [5, 3], 'add'); // [4, 5, 3]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        same = false;
        break;
      }
    }
    if (same) return a as number[];
  }
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new ShapeError(
        `${op}: shapes [${a.join(', ')}] and [${b.join(', ')}] cannot be broadcast (size ${da} != ${db} at dim ${i})`,
      );
    }
  }
  return out;
}

/**
 * Strides that view a tensor of `shape`/`strides` as `target` (a broadcast of it): leading new
 * dims and expanded size-1 dims get stride 0.
 *
 * @example
 * ```ts
 * import { broadcastStrides } from '@kiln/tensor';
 * broadcastStrides([1, 3], [3, 1], [4, 3]); // [0, 1]
 * ```
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const n = target.length;
  const lead = n - shape.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (i < lead) out[i] = 0;
    else {
      const s = shape[i - lead]!;
      out[i] = s === target[i] ? strides[i - lead]! : 0;
    }
  }
  return out;
}

/**
 * Checks a user-given shape: integers, not negative, not NaN.
 *
 * @example
 * ```ts
 * import { checkShape } from '@kiln/tensor';
 * checkShape([2, 3], 'zeros'); // [2, 3]
 * ```
 */
export function checkShape(shape: readonly number[] | number, op: string): number[] {
  const s = typeof shape === 'number' ? [shape] : shape;
  if (!Array.isArray(s)) throw new ValueError(`${op}: shape must be an array of sizes (got ${typeof s})`);
  for (let i = 0; i < s.length; i++) {
    const d = s[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw new ValueError(`${op}: size at dim ${i} must be an integer (got ${String(d)})`);
    }
    if (d < 0) throw new ValueError(`${op}: size at dim ${i} must be non-negative (got ${d})`);
  }
  return s.slice();
}

/**
 * Formats a shape as PyTorch prints it in messages: `[2, 3]`.
 *
 * @example
 * ```ts
 * import { formatShape } from '@kiln/tensor';
 * formatShape([2, 3]); // '[2, 3]'
 * ```
 */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
