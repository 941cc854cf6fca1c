import type { BinaryOp } from './tensor-types.js';

// NOTE: each loop below only ever sees Float32Arrays, so V8 keeps its element accesses
// monomorphic; the general row loops see every dtype and run several times slower on big arrays.

function addVV(
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  o: Float32Array,
  oo: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i]! + b[bo + i]!;
}
function subVV(
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  o: Float32Array,
  oo: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i]! - b[bo + i]!;
}
function mulVV(
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  o: Float32Array,
  oo: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i]! * b[bo + i]!;
}
function divVV(
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  o: Float32Array,
  oo: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i]! / b[bo + i]!;
}
function addVS(a: Float32Array, ao: number, s: number, o: Float32Array, oo: number, n: number): void {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i]! + s;
}
function mulVS(a: Float32Array, ao: number, s: number, o: Float32Array, oo: number, n: number): void {
  for (let i = 0; i < n; i++) o[oo + i] = a[ao + i]! * s;
}

/**
 * Float32 fast paths for the commonest contiguous elementwise ops: both operands contiguous
 * (`bStride` 1), or `b` a broadcast scalar (`bStride` 0). Returns false when the op has no fast
 * path, so the caller falls back to the general loop.
 *
 * @example
 * ```ts
 * binaryF32('add', a, 0, b, 0, 1, out, 0, a.length); // true
 * ```
 */
export function binaryF32(
  op: BinaryOp,
  a: Float32Array,
  ao: number,
  b: Float32Array,
  bo: number,
  bStride: 0 | 1,
  o: Float32Array,
  oo: number,
  n: number,
): boolean {
  if (bStride === 1) {
    switch (op) {
      case 'add':
        addVV(a, ao, b, bo, o, oo, n);
        return true;
      case 'sub':
        subVV(a, ao, b, bo, o, oo, n);
        return true;
      case 'mul':
        mulVV(a, ao, b, bo, o, oo, n);
        return true;
      case 'div':
        divVV(a, ao, b, bo, o, oo, n);
        return true;
      default:
        return false;
    }
  }
  // The scalar is rounded to float32 once, as the general loop's reads of it would be.
  const s = b[bo]!;
  switch (op) {
    case 'add':
      addVS(a, ao, s, o, oo, n);
      return true;
    case 'sub':
      addVS(a, ao, -s, o, oo, n);
      return true;
    case 'mul':
      mulVS(a, ao, s, o, oo, n);
      return true;
    default:
      return false;
  }
}
