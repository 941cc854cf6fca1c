import { type Elems, elemsOf } from './elems.js';
import type { Out, View } from './tensor-types.js';

/**
 * Training-mode batch normalisation of a contiguous `x` viewed as [N, C, S]: per channel the mean
 * and biased variance (two passes, summed in float64), then the normalised, scaled and shifted
 * output; the statistics go to `mean` and `variance` [C]. As `torch.batch_norm` with
 * `training=True`.
 *
 * @example
 * ```ts
 * batchNorm(xView, null, null, 1e-5, out, mean, variance);
 * ```
 */
export function batchNorm(
  x: View,
  weight: View | null,
  bias: View | null,
  eps: number,
  out: Out,
  mean: Out,
  variance: Out,
): void {
  const [N, C, S] = x.shape as [number, number, number];
  const xd: Elems = elemsOf(x);
  const od: Elems = elemsOf(out);
  const md: Elems = elemsOf(mean);
  const vd: Elems = elemsOf(variance);
  const wd: Elems = weight === null ? null : elemsOf(weight);
  const bd: Elems = bias === null ? null : elemsOf(bias);
  const count = N * S;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) {
      const base = x.offset + (n * C + c) * S;
      for (let i = 0; i < S; i++) sum += xd[base + i];
    }
    const mu = sum / count;
    let sq = 0;
    for (let n = 0; n < N; n++) {
      const base = x.offset + (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        const d = xd[base + i] - mu;
        sq += d * d;
      }
    }
    const v = sq / count;
    const rstd = 1 / Math.sqrt(v + eps);
    const scale = wd === null ? rstd : rstd * wd[weight!.offset + c * weight!.strides[0]!];
    const shift = (bd === null ? 0 : bd[bias!.offset + c * bias!.strides[0]!]) - mu * scale;
    for (let n = 0; n < N; n++) {
      const xb = x.offset + (n * C + c) * S;
      const ob = out.offset + (n * C + c) * S;
      for (let i = 0; i < S; i++) od[ob + i] = xd[xb + i] * scale + shift;
    }
    md[mean.offset + c] = mu;
    vd[variance.offset + c] = v;
  }
}
