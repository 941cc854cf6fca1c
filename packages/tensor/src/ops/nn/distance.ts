import { broadcastShapes, normalizeDim } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { ValueError } from '../../errors/errors.js';
import { alive, commonBackend, requireFloat } from '../../internal/make.js';
import { div, mul } from '../binary.js';
import { norm, sum } from '../reduce.js';
import { expand } from '../shape.js';
import { clamp } from '../unary.js';
import { composite } from './raw.js';

/**
 * Options of {@link normalize}: the norm order `p` (default 2), the `dim` (default 1) and the floor
 * `eps` (default 1e-12) of the denominator.
 *
 * @example
 * ```ts
 * import { normalize, tensor } from '@kiln/tensor';
 * normalize(tensor([[3, 4]]), { p: 1 }).toArray(); // [[0.42857143, 0.5714286]]
 * ```
 */
export interface NormalizeOptions {
  p?: number;
  dim?: number;
  eps?: number;
}

/**
 * Options of {@link cosineSimilarity}: the `dim` (default 1) and the floor `eps` (default 1e-8) of
 * each norm.
 *
 * @example
 * ```ts
 * import { cosineSimilarity, tensor } from '@kiln/tensor';
 * cosineSimilarity(tensor([1, 0]), tensor([1, 1]), { dim: 0 }).item(); // 0.70710677
 * ```
 */
export interface CosineSimilarityOptions {
  dim?: number;
  eps?: number;
}

/**
 * `x / max(‖x‖_p, eps)` along `dim` (PyTorch's `F.normalize`).
 *
 * @example
 * ```ts
 * import { normalize, tensor } from '@kiln/tensor';
 * normalize(tensor([[3, 4]])).toArray(); // [[0.6, 0.8]]
 * ```
 */
export function normalize(x: Tensor, options: NormalizeOptions = {}): Tensor {
  const op = 'normalize';
  alive(x, op);
  requireFloat(op, x);
  const p = options.p ?? 2;
  const eps = options.eps ?? 1e-12;
  if (typeof p !== 'number' || Number.isNaN(p))
    throw new ValueError(`${op}: p must be a number (got ${String(p)})`);
  const dim = normalizeDim(options.dim ?? 1, Math.max(x.shape.length, 1), op);
  return composite(() => div(x, clamp(norm(x, p, dim, true), eps, null)));
}

/**
 * Cosine of the angle between `a` and `b` along `dim` (broadcasting):
 * `Σ a·b / (max(‖a‖, eps)·max(‖b‖, eps))`.
 *
 * @example
 * ```ts
 * import { cosineSimilarity, tensor } from '@kiln/tensor';
 * cosineSimilarity(tensor([[1, 0]]), tensor([[0, 2]])).toArray(); // [0]
 * ```
 */
export function cosineSimilarity(a: Tensor, b: Tensor, options: CosineSimilarityOptions = {}): Tensor {
  const op = 'cosineSimilarity';
  alive(a, op);
  alive(b, op);
  requireFloat(op, a);
  requireFloat(op, b);
  commonBackend(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const dim = normalizeDim(options.dim ?? 1, Math.max(shape.length, 1), op);
  const eps = options.eps ?? 1e-8;
  return composite(() => {
    const ae = sameShape(a.shape, shape) ? a : expand(a, shape);
    const be = sameShape(b.shape, shape) ? b : expand(b, shape);
    // NOTE: each side is normalised first (as PyTorch ≥ 2.0) so large norms cannot overflow.
    const an = div(ae, clamp(norm(ae, 2, dim, true), eps, null));
    const bn = div(be, clamp(norm(be, 2, dim, true), eps, null));
    return sum(mul(an, bn), dim);
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
