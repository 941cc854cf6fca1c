import { type Elems, elemsOf } from './elems.js';
import { erf } from './erf.js';
import { contiguousStrides, flatStride, sizeOf } from './shape.js';
import { forEachRow } from './strided.js';
import type { Out, UnaryOp, View } from './tensor-types.js';

/**
 * Round half to even (banker's rounding), as PyTorch's `round`.
 *
 * @example
 * ```ts
 * roundHalfEven(2.5); // 2
 * ```
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `out = op(x)` for any strided `x`; `out` is contiguous and may alias `x` exactly.
 *
 * @example
 * ```ts
 * unary('exp', xView, out);
 * ```
 */
export function unary(op: UnaryOp, x: View, out: Out): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const int = od instanceof Int32Array;
  const xs = flatStride(x.shape, x.strides);
  if (xs >= 0) {
    unaryRow(op, int, xd, x.offset, xs, od, out.offset, sizeOf(out.shape));
    return;
  }
  forEachRow(
    out.shape,
    [contiguousStrides(out.shape), x.strides],
    [out.offset, x.offset],
    (offs, n, inner) => {
      unaryRow(op, int, xd, offs[1]!, inner[1]!, od, offs[0]!, n);
    },
  );
}

/** One row: the op is chosen once, outside the element loop. */
function unaryRow(
  op: UnaryOp,
  int: boolean,
  x: Elems,
  xo: number,
  xs: number,
  o: Elems,
  oo: number,
  n: number,
): void {
  const end = oo + n;
  switch (op) {
    case 'neg':
      for (let i = oo; i < end; i++, xo += xs) o[i] = -x[xo];
      return;
    case 'abs':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.abs(x[xo]);
      return;
    case 'sign':
      for (let i = oo; i < end; i++, xo += xs) {
        const v = x[xo];
        o[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : v;
      }
      return;
    case 'square':
      if (int) for (let i = oo; i < end; i++, xo += xs) o[i] = Math.imul(x[xo], x[xo]);
      else
        for (let i = oo; i < end; i++, xo += xs) {
          const v = x[xo];
          o[i] = v * v;
        }
      return;
    case 'exp':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.exp(x[xo]);
      return;
    case 'expm1':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.expm1(x[xo]);
      return;
    case 'log':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.log(x[xo]);
      return;
    case 'log1p':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.log1p(x[xo]);
      return;
    case 'sqrt':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.sqrt(x[xo]);
      return;
    case 'rsqrt':
      for (let i = oo; i < end; i++, xo += xs) o[i] = 1 / Math.sqrt(x[xo]);
      return;
    case 'reciprocal':
      for (let i = oo; i < end; i++, xo += xs) o[i] = 1 / x[xo];
      return;
    case 'sin':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.sin(x[xo]);
      return;
    case 'cos':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.cos(x[xo]);
      return;
    case 'tan':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.tan(x[xo]);
      return;
    case 'asin':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.asin(x[xo]);
      return;
    case 'acos':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.acos(x[xo]);
      return;
    case 'atan':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.atan(x[xo]);
      return;
    case 'sinh':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.sinh(x[xo]);
      return;
    case 'cosh':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.cosh(x[xo]);
      return;
    case 'tanh':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.tanh(x[xo]);
      return;
    case 'sigmoid':
      for (let i = oo; i < end; i++, xo += xs) o[i] = 1 / (1 + Math.exp(-x[xo]));
      return;
    case 'relu':
      // NaN passes through, as PyTorch's clamp_min(0) does.
      for (let i = oo; i < end; i++, xo += xs) {
        const v = x[xo];
        o[i] = v > 0 || Number.isNaN(v) ? v : 0;
      }
      return;
    case 'erf':
      for (let i = oo; i < end; i++, xo += xs) o[i] = erf(x[xo]);
      return;
    case 'floor':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.floor(x[xo]);
      return;
    case 'ceil':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.ceil(x[xo]);
      return;
    case 'round':
      for (let i = oo; i < end; i++, xo += xs) o[i] = roundHalfEven(x[xo]);
      return;
    case 'trunc':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Math.trunc(x[xo]);
      return;
    case 'logicalNot':
      // NaN is truthy in PyTorch, so only exact zero maps to true.
      for (let i = oo; i < end; i++, xo += xs) o[i] = x[xo] === 0 ? 1 : 0;
      return;
    case 'isnan':
      for (let i = oo; i < end; i++, xo += xs) o[i] = Number.isNaN(x[xo]) ? 1 : 0;
      return;
    case 'isinf':
      for (let i = oo; i < end; i++, xo += xs) {
        const v = x[xo];
        o[i] = v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY ? 1 : 0;
      }
      return;
    case 'isfinite':
      for (let i = oo; i < end; i++, xo += xs) {
        const v = x[xo];
        o[i] = v - v === 0 ? 1 : 0;
      }
      return;
  }
}
