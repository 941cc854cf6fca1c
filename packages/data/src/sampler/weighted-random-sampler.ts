import { defaultGenerator, type Generator, ValueError } from '@kiln/tensor';
import { checkInt } from '../internal/checks.js';
import type { Sampler } from './sampler.js';

/**
 * Yields `numSamples` indices drawn with probability proportional to `weights`
 * (PyTorch's `WeightedRandomSampler`). Without replacement, each index appears at most once and
 * `numSamples` cannot exceed the number of non-zero weights.
 *
 * @example
 * ```ts
 * import { WeightedRandomSampler } from '@kiln/data';
 * const s = new WeightedRandomSampler([0, 0, 1], 4);
 * [...s]; // [2, 2, 2, 2]
 * ```
 */
export class WeightedRandomSampler implements Sampler {
  /** Non-negative weights, one per index. */
  readonly weights: Float64Array;
  /** Whether indices are drawn with replacement (default true). */
  readonly replacement: boolean;
  /** The generator drawn from (advanced every epoch). */
  readonly generator: Generator;
  private readonly count: number;
  private readonly cumulative: Float64Array;

  constructor(
    weights: ArrayLike<number>,
    numSamples: number,
    options: { replacement?: boolean; generator?: Generator } = {},
  ) {
    const w = Float64Array.from(weights as ArrayLike<number>);
    let total = 0;
    let nonZero = 0;
    for (let i = 0; i < w.length; i++) {
      const v = w[i]!;
      if (!Number.isFinite(v) || v < 0) {
        throw new ValueError(
          `WeightedRandomSampler: weights must be finite and non-negative (got ${v} at index ${i})`,
        );
      }
      total += v;
      if (v > 0) nonZero++;
    }
    if (!(total > 0)) throw new ValueError('WeightedRandomSampler: weights must have a positive sum');
    this.count = checkInt('WeightedRandomSampler', 'numSamples', numSamples, 1);
    this.replacement = options.replacement ?? true;
    if (!this.replacement && numSamples > nonZero) {
      throw new ValueError(
        `WeightedRandomSampler: cannot draw ${numSamples} samples without replacement from ${nonZero} non-zero weights`,
      );
    }
    this.weights = w;
    this.cumulative = new Float64Array(w.length);
    let acc = 0;
    for (let i = 0; i < w.length; i++) {
      acc += w[i]!;
      this.cumulative[i] = acc;
    }
    this.generator = options.generator ?? defaultGenerator;
  }

  get length(): number {
    return this.count;
  }

  *[Symbol.iterator](): Iterator<number> {
    if (this.replacement) {
      const cum = this.cumulative;
      const total = cum[cum.length - 1]!;
      const u = this.generator.uniform(this.count);
      for (let k = 0; k < u.length; k++) {
        const target = u[k]! * total;
        let lo = 0;
        let hi = cum.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cum[mid]! > target) hi = mid;
          else lo = mid + 1;
        }
        // NOTE: skip zero-weight slots that a target exactly on a boundary could land on.
        while (this.weights[lo] === 0 && lo < cum.length - 1) lo++;
        yield lo;
      }
      return;
    }
    // NOTE: Efraimidis–Spirakis keys u^(1/w): taking the largest k is the same distribution as
    // drawing k times without replacement, in O(n log n) with one pass of uniforms.
    const u = this.generator.uniform(this.weights.length);
    const keys: { i: number; key: number }[] = [];
    for (let i = 0; i < this.weights.length; i++) {
      const w = this.weights[i]!;
      if (w > 0) keys.push({ i, key: Math.log(u[i]! || Number.MIN_VALUE) / w });
    }
    keys.sort((a, b) => b.key - a.key);
    for (let k = 0; k < this.count; k++) yield keys[k]!.i;
  }
}
