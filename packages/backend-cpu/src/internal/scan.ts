import { elemsOf } from './elems.js';
import { contiguousStrides } from './shape.js';
import { forEachRow } from './strided.js';
import type { Out, ScanOp, View } from './tensor-types.js';

/**
 * Inclusive scan of `x` along `axis` into the contiguous `out`. Running sums and products are
 * float64 (PyTorch's CPU accumulate type) and rounded per element on store; cummax/cummin
 * propagate NaN.
 *
 * @example
 * ```ts
 * scan('cumsum', xView, 0, out);
 * ```
 */
export function scan(op: ScanOp, x: View, axis: number, out: Out): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const os = contiguousStrides(out.shape);
  const len = x.shape[axis]!;
  const xStep = x.strides[axis]!;
  const oStep = os[axis]!;
  const shape = x.shape.filter((_, d) => d !== axis);
  const xs = x.strides.filter((_, d) => d !== axis);
  const oss = os.filter((_, d) => d !== axis);
  if (len === 0) return;
  forEachRow(shape, [oss, xs], [out.offset, x.offset], (offs, n, inner) => {
    for (let i = 0, ob = offs[0]!, xb = offs[1]!; i < n; i++, ob += inner[0]!, xb += inner[1]!) {
      let acc = xd[xb];
      od[ob] = acc;
      for (let r = 1, p = xb + xStep, q = ob + oStep; r < len; r++, p += xStep, q += oStep) {
        const v = xd[p];
        switch (op) {
          case 'cumsum':
            acc += v;
            break;
          case 'cumprod':
            acc *= v;
            break;
          case 'cummax':
            if (v > acc || Number.isNaN(v)) acc = v;
            break;
          case 'cummin':
            if (v < acc || Number.isNaN(v)) acc = v;
            break;
        }
        od[q] = acc;
      }
    }
  });
}
