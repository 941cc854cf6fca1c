import { defaultGenerator, type Generator, ValueError } from '@kiln/tensor';
import { checkInt } from '../internal/checks.js';
import type { Sampler } from './sampler.js';

/**
 * Options of `RandomSampler`.
 *
 * @example
 * ```ts
 * import type { RandomSamplerOptions } from '@kiln/data';
 * const o: RandomSamplerOptions = { replacement: true, numSamples: 100 };
 * ```
 */
export interface RandomSamplerOptions {
  /** Draw with replacement (default false). */
  replacement?: boolean;
  /** Indices per epoch (default: the data set's length). Without replacement it may exceed it: whole permutations are chained, as PyTorch does. */
  numSamples?: number;
  /** Where the randomness comes from (default: Kiln's default generator, seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * Yields indices in random order: a permutation per epoch, or draws with replacement
 * (PyTorch's `RandomSampler`). One generator seed gives one order, on every backend.
 *
 * @example
 * ```ts
 * import { RandomSampler } from '@kiln/data';
 * import { Generator } from '@kiln/tensor';
 * const s = new RandomSampler({ length: 5 }, { generator: new Generator().manualSeed(0) });
 * [...s].sort(); // [0, 1, 2, 3, 4]
 * ```
 */
export class RandomSampler implements Sampler {
  /** Whether indices are drawn with replacement. */
  readonly replacement: boolean;
  /** The generator drawn from (advanced every epoch). */
  readonly generator: Generator;
  private readonly n: number;
  private readonly count: number;

  constructor(dataSource: { readonly length: number }, options: RandomSamplerOptions = {}) {
    this.n = checkInt('RandomSampler', 'length of the data source', dataSource.length, 0);
    this.replacement = options.replacement ?? false;
    this.count = checkInt(
      'RandomSampler',
      'numSamples',
      options.numSamples ?? this.n,
      options.numSamples === undefined ? 0 : 1,
    );
    if (this.n === 0 && this.count > 0) {
      throw new ValueError(`RandomSampler: cannot draw ${this.count} samples from an empty data source`);
    }
    this.generator = options.generator ?? defaultGenerator;
  }

  /** Number of indices per epoch. */
  get numSamples(): number {
    return this.count;
  }

  get length(): number {
    return this.count;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.n;
    if (this.replacement) {
      const u = this.generator.uniform(this.count);
      for (let i = 0; i < u.length; i++) yield Math.min(n - 1, Math.floor(u[i]! * n));
      return;
    }
    let left = this.count;
    while (left > 0) {
      const perm = this.generator.permutation(n);
      const take = Math.min(left, n);
      for (let i = 0; i < take; i++) yield perm[i]!;
      left -= take;
    }
  }
}
