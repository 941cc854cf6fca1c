import {
  arange,
  DTypeError,
  dropout,
  type Generator,
  ShapeError,
  type Tensor,
  ValueError,
} from '@kiln/autograd';

/**
 * Options of {@link scaledDotProductAttention} (PyTorch's keyword arguments, camelCase).
 *
 * @example
 * ```ts
 * import type { ScaledDotProductAttentionOptions } from '@kiln/nn';
 * const o: ScaledDotProductAttentionOptions = { isCausal: true, dropoutP: 0.1 };
 * ```
 */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to `[..., L, S]`: a bool mask where **true means "may attend"** (PyTorch's
   * `scaled_dot_product_attention` convention, the opposite of `MultiheadAttention`'s), or a float
   * mask added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (always applied when > 0, as PyTorch). */
  dropoutP?: number;
  /** Lets query `i` attend only to keys `j ≤ i` (top-left aligned); excludes `attnMask`. */
  isCausal?: boolean;
  /** Score scale; `1/√E` by default. */
  scale?: number | null;
  /** Random generator for the dropout mask. */
  generator?: Generator;
}

/** @internal A bool `[L, S]` mask, true where key `j` lies after query `i` (what causal attention hides). */
export function causalMask(L: number, S: number, like: Tensor): Tensor {
  const i = arange(0, L, 1, { dtype: 'int32', device: like.device }).unsqueeze(1);
  const j = arange(0, S, 1, { dtype: 'int32', device: like.device }).unsqueeze(0);
  return j.gt(i);
}

/**
 * `softmax(q·kᵀ·scale + mask)·v` over the last two dims of `query` `[..., L, E]`, `key`
 * `[..., S, E]` and `value` `[..., S, Ev]` (leading dims broadcast), as
 * `torch.nn.functional.scaled_dot_product_attention`. Returns `[..., L, Ev]`.
 *
 * @example
 * ```ts
 * import { scaledDotProductAttention } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const q = randn([2, 4, 5, 8]);
 * scaledDotProductAttention(q, q, q, { isCausal: true }).shape; // [2, 4, 5, 8]
 * ```
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  for (const [name, t] of [
    ['query', query],
    ['key', key],
    ['value', value],
  ] as const) {
    if (t.ndim < 2)
      throw new ShapeError(
        `${op}: expected ${name} of at least 2 dims [..., seq, features], got shape [${t.shape.join(', ')}]`,
      );
  }
  const E = query.shape[query.ndim - 1]!;
  const L = query.shape[query.ndim - 2]!;
  const S = key.shape[key.ndim - 2]!;
  if (key.shape[key.ndim - 1] !== E) {
    throw new ShapeError(
      `${op}: expected key with last dim ${E} as query, got query [${query.shape.join(', ')}] and key [${key.shape.join(', ')}]`,
    );
  }
  if (value.shape[value.ndim - 2] !== S) {
    throw new ShapeError(
      `${op}: expected value with ${S} positions as key, got key [${key.shape.join(', ')}] and value [${value.shape.join(', ')}]`,
    );
  }
  const mask = options.attnMask ?? null;
  const isCausal = options.isCausal ?? false;
  if (isCausal && mask !== null) throw new ValueError(`${op}: attnMask and isCausal can't both be set`);
  const p = options.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1)) throw new ValueError(`${op}: dropoutP has to be between 0 and 1 (got ${p})`);
  const scale = options.scale ?? 1 / Math.sqrt(E);
  let scores = query.matmul(key.transpose(-2, -1)).mul(scale);
  if (isCausal) scores = scores.maskedFill(causalMask(L, S, query), Number.NEGATIVE_INFINITY);
  if (mask !== null) {
    if (mask.dtype === 'bool') scores = scores.maskedFill(mask.logicalNot(), Number.NEGATIVE_INFINITY);
    else if (mask.dtype === 'float32' || mask.dtype === 'float64') scores = scores.add(mask);
    else throw new DTypeError(`${op}: expected attnMask of dtype bool or float (got ${mask.dtype})`);
  }
  let weights = scores.softmax(-1);
  if (p > 0)
    weights = dropout(weights, {
      p,
      training: true,
      ...(options.generator ? { generator: options.generator } : {}),
    });
  return weights.matmul(value);
}
