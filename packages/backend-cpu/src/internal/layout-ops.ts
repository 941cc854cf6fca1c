import { elemsOf } from './elems.js';
import { contiguousStrides, sizeOf } from './shape.js';
import { forEachRow } from './strided.js';
import type { Out, View } from './tensor-types.js';

/**
 * `out = cond ? a : b` with `cond` bool; all three already broadcast to `out.shape`.
 *
 * @example
 * ```ts
 * where(condView, aView, bView, out);
 * ```
 */
export function where(cond: View, a: View, b: View, out: Out): void {
  const cd = elemsOf(cond);
  const ad = elemsOf(a);
  const bd = elemsOf(b);
  const od = elemsOf(out);
  forEachRow(
    out.shape,
    [contiguousStrides(out.shape), cond.strides, a.strides, b.strides],
    [out.offset, cond.offset, a.offset, b.offset],
    (offs, n, inner) => {
      let co = offs[1]!;
      let ao = offs[2]!;
      let bo = offs[3]!;
      const cs = inner[1]!;
      const as = inner[2]!;
      const bs = inner[3]!;
      const end = offs[0]! + n;
      for (let i = offs[0]!; i < end; i++, co += cs, ao += as, bo += bs)
        od[i] = cd[co] !== 0 ? ad[ao] : bd[bo];
    },
  );
}

/**
 * Converts `x` to `out`'s dtype: float to int32 truncates toward zero (the typed array's own
 * conversion), anything to bool is `!= 0` (NaN is true), bool to numbers is 0/1.
 *
 * @example
 * ```ts
 * cast(float32View, int32Out);
 * ```
 */
export function cast(x: View, out: Out): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const toBool = out.storage.dtype === 'bool';
  forEachRow(
    out.shape,
    [contiguousStrides(out.shape), x.strides],
    [out.offset, x.offset],
    (offs, n, inner) => {
      let xo = offs[1]!;
      const xs = inner[1]!;
      const end = offs[0]! + n;
      if (toBool) for (let i = offs[0]!; i < end; i++, xo += xs) od[i] = xd[xo] !== 0 ? 1 : 0;
      else for (let i = offs[0]!; i < end; i++, xo += xs) od[i] = xd[xo];
    },
  );
}

/**
 * Copies `src` into the strided view `dst` (same shape and dtype). Runs that are contiguous on
 * both sides become one `TypedArray.set`, which also handles overlapping storage correctly.
 *
 * @example
 * ```ts
 * copy(transposedView, contiguousView);
 * ```
 */
export function copy(src: View, dst: View): void {
  const sd = elemsOf(src);
  const dd = elemsOf(dst);
  forEachRow(dst.shape, [dst.strides, src.strides], [dst.offset, src.offset], (offs, n, inner) => {
    const d0 = offs[0]!;
    const s0 = offs[1]!;
    const ds = inner[0]!;
    const ss = inner[1]!;
    if (ds === 1 && ss === 1) {
      if (n > 16) dd.set(sd.subarray(s0, s0 + n), d0);
      else for (let i = 0; i < n; i++) dd[d0 + i] = sd[s0 + i];
    } else {
      for (let i = 0, d = d0, s = s0; i < n; i++, d += ds, s += ss) dd[d] = sd[s];
    }
  });
}

/**
 * Writes `value` to every element of the strided view `dst` (`!= 0` for bool).
 *
 * @example
 * ```ts
 * fill(view, 1.5);
 * ```
 */
export function fill(dst: View, value: number): void {
  const dd = elemsOf(dst);
  const v = dst.storage.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  forEachRow(dst.shape, [dst.strides], [dst.offset], (offs, n, inner) => {
    const d0 = offs[0]!;
    const ds = inner[0]!;
    if (ds === 1) dd.fill(v, d0, d0 + n);
    else for (let i = 0, d = d0; i < n; i++, d += ds) dd[d] = v;
  });
}

/**
 * Writes `start + i * step` to element `i` of `out`, computed in float64 then stored.
 *
 * @example
 * ```ts
 * arange(out, 0, 0.5);
 * ```
 */
export function arange(out: Out, start: number, step: number): void {
  const od = elemsOf(out);
  const n = sizeOf(out.shape);
  for (let i = 0; i < n; i++) od[out.offset + i] = start + i * step;
}
