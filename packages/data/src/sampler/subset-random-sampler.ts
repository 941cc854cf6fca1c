import { defaultGenerator, type Generator } from '@kiln/tensor';
import type { Sampler } from './sampler.js';

/**
 * Yields the given indices in a random order each epoch (PyTorch's `SubsetRandomSampler`).
 *
 * @example
 * ```ts
 * import { SubsetRandomSampler } from '@kiln/data';
 * const s = new SubsetRandomSampler([10, 20, 30]);
 * [...s].sort((a, b) => a - b); // [10, 20, 30]
 * ```
 */
export class SubsetRandomSampler implements Sampler {
  /** The indices sampled from. */
  readonly indices: readonly number[];
  /** The generator drawn from (advanced every epoch). */
  readonly generator: Generator;

  constructor(indices: ArrayLike<number>, options: { generator?: Generator } = {}) {
    this.indices = Array.from(indices);
    this.generator = options.generator ?? defaultGenerator;
  }

  get length(): number {
    return this.indices.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const perm = this.generator.permutation(this.indices.length);
    for (let i = 0; i < perm.length; i++) yield this.indices[perm[i]!]!;
  }
}
