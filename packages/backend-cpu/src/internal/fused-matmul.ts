import { geluScalar, toFloat64 } from './activations.js';
import { elemsOf } from './elems.js';
import { type GemmScratch, gemm } from './gemm.js';
import type { Out, View } from './tensor-types.js';

/**
 * `out = activation(a @ b + bias)` for 2-D strided `a` [m, k] and `b` [k, n]: one GEMM, then a
 * single pass over `out` adding the bias and applying the activation (exact-erf GELU).
 *
 * @example
 * ```ts
 * matmulBiasActivation(a, b, bias, 'relu', out, scratch);
 * ```
 */
export function matmulBiasActivation(
  a: View,
  b: View,
  bias: View | null,
  activation: 'none' | 'relu' | 'gelu',
  out: Out,
  scratch: GemmScratch,
): void {
  const m = out.shape[0]!;
  const n = out.shape[1]!;
  const k = a.shape[1]!;
  const od = elemsOf(out);
  gemm(
    m,
    n,
    k,
    elemsOf(a),
    a.offset,
    a.strides[0]!,
    a.strides[1]!,
    elemsOf(b),
    b.offset,
    b.strides[0]!,
    b.strides[1]!,
    od,
    out.offset,
    n,
    false,
    scratch,
  );
  const bv = bias ? toFloat64(bias) : null;
  if (!bv && activation === 'none') return;
  for (let i = 0; i < m; i++) {
    const row = out.offset + i * n;
    for (let j = 0; j < n; j++) {
      // Add the bias to the stored (rounded) product, as the unfused ops would.
      let v: number = od[row + j];
      if (bv) v = od[row + j] = v + bv[j]!;
      v = od[row + j];
      if (activation === 'relu') od[row + j] = v > 0 || Number.isNaN(v) ? v : 0;
      else if (activation === 'gelu') od[row + j] = geluScalar(v, 'none');
    }
  }
}
