import { type Elems, elemsOf } from './elems.js';
import type { Out, View } from './tensor-types.js';

/** The max of a row (0 when it is ±Infinity, so that x − max stays finite). */
function rowMax(xd: Elems, base: number, C: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < C; j++) if (xd[base + j] > m) m = xd[base + j];
  return m === Number.NEGATIVE_INFINITY || m === Number.POSITIVE_INFINITY ? 0 : m;
}

/** Σ exp(x − m) over a row. */
function rowSumExp(xd: Elems, base: number, C: number, m: number): number {
  let s = 0;
  for (let j = 0; j < C; j++) s += Math.exp(xd[base + j] - m);
  return s;
}

/**
 * Per-row softmax cross-entropy of contiguous `logits` [N, C] against int32 class indices
 * `target` [N]: `logsumexp(logits[i]) − logits[i, target[i]]`, 0 where the target is
 * `ignoreIndex`.
 *
 * @example
 * ```ts
 * crossEntropy(logits, target, -100, out);
 * ```
 */
export function crossEntropy(logits: View, target: View, ignoreIndex: number, out: Out): void {
  const [N, C] = logits.shape as [number, number];
  const xd: Elems = elemsOf(logits);
  const td: Elems = elemsOf(target);
  const od: Elems = elemsOf(out);
  const ts = target.strides[0]!;
  for (let i = 0; i < N; i++) {
    const t = td[target.offset + i * ts];
    const base = logits.offset + i * C;
    if (t === ignoreIndex) {
      od[out.offset + i] = 0;
      continue;
    }
    const m = rowMax(xd, base, C);
    od[out.offset + i] = m - xd[base + t] + Math.log(rowSumExp(xd, base, C, m));
  }
}

/**
 * The gradient of {@link crossEntropy}: `out[i, j] = gradOut[i]·(softmax(logits[i])[j] −
 * (j = target[i]))`, zero rows where the target is `ignoreIndex`.
 *
 * @example
 * ```ts
 * crossEntropyBackward(logits, target, gradOut, -100, out);
 * ```
 */
export function crossEntropyBackward(
  logits: View,
  target: View,
  gradOut: View,
  ignoreIndex: number,
  out: Out,
): void {
  const [N, C] = logits.shape as [number, number];
  const xd: Elems = elemsOf(logits);
  const td: Elems = elemsOf(target);
  const gd: Elems = elemsOf(gradOut);
  const od: Elems = elemsOf(out);
  const ts = target.strides[0]!;
  const gs = gradOut.strides[0]!;
  for (let i = 0; i < N; i++) {
    const t = td[target.offset + i * ts];
    const base = logits.offset + i * C;
    const ob = out.offset + i * C;
    if (t === ignoreIndex) {
      for (let j = 0; j < C; j++) od[ob + j] = 0;
      continue;
    }
    const g = gd[gradOut.offset + i * gs];
    const m = rowMax(xd, base, C);
    const scale = g / rowSumExp(xd, base, C, m);
    for (let j = 0; j < C; j++) od[ob + j] = scale * Math.exp(xd[base + j] - m);
    od[ob + t] -= g;
  }
}
