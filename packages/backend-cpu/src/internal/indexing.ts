import { elemsOf } from './elems.js';
import { copy } from './layout-ops.js';
import { contiguousStrides } from './shape.js';
import { forEachRow } from './strided.js';
import type { Out, View } from './tensor-types.js';

/**
 * `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis`; `out` has `index`'s shape.
 *
 * @example
 * ```ts
 * gather(xView, 1, indexView, out);
 * ```
 */
export function gather(x: View, axis: number, index: View, out: Out): void {
  const xd = elemsOf(x);
  const id = elemsOf(index);
  const od = elemsOf(out);
  const axisStride = x.strides[axis]!;
  // The axis coordinate comes from the index values, so x walks that dim with stride 0.
  const xs = x.strides.map((s, d) => (d === axis ? 0 : s));
  forEachRow(
    out.shape,
    [contiguousStrides(out.shape), index.strides, xs],
    [out.offset, index.offset, x.offset],
    (offs, n, inner) => {
      for (
        let i = 0, o = offs[0]!, p = offs[1]!, q = offs[2]!;
        i < n;
        i++, o++, p += inner[1]!, q += inner[2]!
      ) {
        od[o] = xd[q + id[p] * axisStride];
      }
    },
  );
}

/**
 * `dst[..., index[..., i, ...], ...] += src[..., i, ...]` along `axis`, in place on the
 * contiguous `dst`; repeated indices accumulate.
 *
 * @example
 * ```ts
 * scatterAdd(dst, 0, indexView, srcView);
 * ```
 */
export function scatterAdd(dst: Out, axis: number, index: View, src: View): void {
  const dd = elemsOf(dst);
  const id = elemsOf(index);
  const sd = elemsOf(src);
  const ds = contiguousStrides(dst.shape);
  const axisStride = ds[axis]!;
  const dsAxis0 = ds.map((s, d) => (d === axis ? 0 : s));
  const isBool = dst.storage.dtype === 'bool';
  forEachRow(
    index.shape,
    [dsAxis0, index.strides, src.strides],
    [dst.offset, index.offset, src.offset],
    (offs, n, inner) => {
      for (
        let i = 0, o = offs[0]!, p = offs[1]!, q = offs[2]!;
        i < n;
        i++, o += inner[0]!, p += inner[1]!, q += inner[2]!
      ) {
        const t = o + id[p] * axisStride;
        dd[t] = isBool ? (dd[t] !== 0 || sd[q] !== 0 ? 1 : 0) : dd[t] + sd[q];
      }
    },
  );
}

/**
 * Selects slices of `x` along `axis` by the 1-D int32 `index`, one strided slice copy each.
 *
 * @example
 * ```ts
 * indexSelect(xView, 0, indexView, out);
 * ```
 */
export function indexSelect(x: View, axis: number, index: View, out: Out): void {
  const id = elemsOf(index);
  const count = index.shape[0]!;
  const os = contiguousStrides(out.shape);
  const sliceShape = x.shape.filter((_, d) => d !== axis);
  const xs = x.strides.filter((_, d) => d !== axis);
  const oss = os.filter((_, d) => d !== axis);
  for (let j = 0; j < count; j++) {
    const sel = id[index.offset + j * index.strides[0]!] as number;
    copy(
      { storage: x.storage, shape: sliceShape, strides: xs, offset: x.offset + sel * x.strides[axis]! },
      { storage: out.storage, shape: sliceShape, strides: oss, offset: out.offset + j * os[axis]! },
    );
  }
}
