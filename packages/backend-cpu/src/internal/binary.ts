import { type Elems, elemsOf } from './elems.js';
import { binaryF32 } from './f32-fast.js';
import { contiguousStrides, flatStride, sizeOf } from './shape.js';
import { forEachRow } from './strided.js';
import type { BinaryOp, Out, View } from './tensor-types.js';

/** Ops whose arithmetic result must be squashed back to 0/1 when they run on bool. */
const ARITHMETIC = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'pow', 'atan2', 'fmod', 'remainder']);

/**
 * `out = op(a, b)`; `a` and `b` are already broadcast to `out.shape` (stride 0 where expanded).
 * Contiguous operands collapse to one flat row, a scalar operand is a stride-0 row, and any
 * other layout walks its outer dims with an odometer around the same tight row loop.
 *
 * @example
 * ```ts
 * binary('add', aView, bView, out);
 * ```
 */
export function binary(op: BinaryOp, a: View, b: View, out: Out): void {
  const ad = elemsOf(a);
  const bd = elemsOf(b);
  const od = elemsOf(out);
  const int = od instanceof Int32Array;
  const as = flatStride(a.shape, a.strides);
  const bs = as < 0 ? -1 : flatStride(b.shape, b.strides);
  if (
    as === 1 &&
    bs >= 0 &&
    od instanceof Float32Array &&
    ad instanceof Float32Array &&
    bd instanceof Float32Array &&
    binaryF32(op, ad, a.offset, bd, b.offset, bs as 0 | 1, od, out.offset, sizeOf(out.shape))
  ) {
    return;
  }
  if (as >= 0 && bs >= 0) {
    // Contiguous or scalar operands: one flat row, no layout bookkeeping (the per-op fast path).
    binaryRow(op, int, ad, a.offset, as, bd, b.offset, bs, od, out.offset, sizeOf(out.shape));
  } else {
    forEachRow(
      out.shape,
      [contiguousStrides(out.shape), a.strides, b.strides],
      [out.offset, a.offset, b.offset],
      (offs, n, inner) => {
        binaryRow(op, int, ad, offs[1]!, inner[1]!, bd, offs[2]!, inner[2]!, od, offs[0]!, n);
      },
    );
  }
  if (od instanceof Uint8Array && ARITHMETIC.has(op)) {
    const end = out.offset + sizeOf(out.shape);
    for (let i = out.offset; i < end; i++) od[i] = od[i] !== 0 ? 1 : 0;
  }
}

function binaryRow(
  op: BinaryOp,
  int: boolean,
  a: Elems,
  ao: number,
  as: number,
  b: Elems,
  bo: number,
  bs: number,
  o: Elems,
  oo: number,
  n: number,
): void {
  const end = oo + n;
  switch (op) {
    case 'add':
      if (as === 1 && bs === 1) for (let i = oo; i < end; i++, ao++, bo++) o[i] = a[ao] + b[bo];
      else for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] + b[bo];
      return;
    case 'sub':
      if (as === 1 && bs === 1) for (let i = oo; i < end; i++, ao++, bo++) o[i] = a[ao] - b[bo];
      else for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] - b[bo];
      return;
    case 'mul':
      if (int) for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = Math.imul(a[ao], b[bo]);
      else if (as === 1 && bs === 1) for (let i = oo; i < end; i++, ao++, bo++) o[i] = a[ao] * b[bo];
      else for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] * b[bo];
      return;
    case 'div':
      if (as === 1 && bs === 1) for (let i = oo; i < end; i++, ao++, bo++) o[i] = a[ao] / b[bo];
      else for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] / b[bo];
      return;
    case 'pow':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] ** b[bo];
      return;
    case 'max':
      for (let i = oo; i < end; i++, ao += as, bo += bs) {
        const x = a[ao];
        const y = b[bo];
        o[i] = x > y || Number.isNaN(x) ? x : y;
      }
      return;
    case 'min':
      for (let i = oo; i < end; i++, ao += as, bo += bs) {
        const x = a[ao];
        const y = b[bo];
        o[i] = x < y || Number.isNaN(x) ? x : y;
      }
      return;
    case 'atan2':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = Math.atan2(a[ao], b[bo]);
      return;
    case 'fmod':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] % b[bo];
      return;
    case 'remainder':
      // The result takes the divisor's sign, computed as PyTorch does: fmod, then shift.
      for (let i = oo; i < end; i++, ao += as, bo += bs) {
        const y = b[bo];
        let r = a[ao] % y;
        if (r !== 0 && r < 0 !== y < 0) r += y;
        o[i] = r;
      }
      return;
    case 'eq':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] === b[bo] ? 1 : 0;
      return;
    case 'ne':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] !== b[bo] ? 1 : 0;
      return;
    case 'lt':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] < b[bo] ? 1 : 0;
      return;
    case 'le':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] <= b[bo] ? 1 : 0;
      return;
    case 'gt':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] > b[bo] ? 1 : 0;
      return;
    case 'ge':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] >= b[bo] ? 1 : 0;
      return;
    case 'logicalAnd':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] !== 0 && b[bo] !== 0 ? 1 : 0;
      return;
    case 'logicalOr':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = a[ao] !== 0 || b[bo] !== 0 ? 1 : 0;
      return;
    case 'logicalXor':
      for (let i = oo; i < end; i++, ao += as, bo += bs) o[i] = (a[ao] !== 0) !== (b[bo] !== 0) ? 1 : 0;
      return;
  }
}
