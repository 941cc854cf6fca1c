import { Generator, ValueError } from '@kiln/tensor';
import { checkInt } from '../internal/checks.js';
import type { Sampler } from './sampler.js';

/**
 * Options of `DistributedSampler`.
 *
 * @example
 * ```ts
 * import type { DistributedSamplerOptions } from '@kiln/data';
 * const o: DistributedSamplerOptions = { numReplicas: 4, rank: 1, seed: 0 };
 * ```
 */
export interface DistributedSamplerOptions {
  /** Number of processes taking part (required: there is no process group to ask). */
  numReplicas: number;
  /** This process's rank in `[0, numReplicas)`. */
  rank: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  /** Seed shared by every rank; epoch `e` shuffles with `seed + e` (default 0). */
  seed?: number;
  /** Drop the tail so every rank gets the same count, instead of padding by repeating indices (default false). */
  dropLast?: boolean;
}

/**
 * Gives each of `numReplicas` processes its own slice of the data set, the same size on every
 * rank (PyTorch's `DistributedSampler`): pads by repeating indices, or drops the tail with
 * `dropLast`. Call `setEpoch(e)` before each epoch so shuffling differs between epochs.
 *
 * @example
 * ```ts
 * import { DistributedSampler } from '@kiln/data';
 * const s = new DistributedSampler({ length: 5 }, { numReplicas: 2, rank: 1, shuffle: false });
 * [...s]; // [1, 3, 0]
 * ```
 */
export class DistributedSampler implements Sampler {
  /** Number of processes. */
  readonly numReplicas: number;
  /** This process's rank. */
  readonly rank: number;
  /** Whether each epoch is shuffled. */
  readonly shuffle: boolean;
  /** The shared base seed. */
  readonly seed: number;
  /** Whether the tail is dropped rather than padded. */
  readonly dropLast: boolean;
  /** Indices this rank yields per epoch. */
  readonly numSamples: number;
  /** Indices all ranks yield together per epoch. */
  readonly totalSize: number;
  private readonly n: number;
  private epoch = 0;

  constructor(dataset: { readonly length: number }, options: DistributedSamplerOptions) {
    this.numReplicas = checkInt('DistributedSampler', 'numReplicas', options.numReplicas, 1);
    if (!Number.isInteger(options.rank) || options.rank < 0 || options.rank >= this.numReplicas) {
      throw new ValueError(
        `DistributedSampler: invalid rank ${options.rank}, rank should be in the interval [0, ${this.numReplicas - 1}]`,
      );
    }
    this.rank = options.rank;
    this.shuffle = options.shuffle ?? true;
    this.seed = checkInt('DistributedSampler', 'seed', options.seed ?? 0, 0);
    this.dropLast = options.dropLast ?? false;
    this.n = checkInt('DistributedSampler', 'length of the data set', dataset.length, 0);
    if (this.dropLast && this.n % this.numReplicas !== 0) {
      this.numSamples = Math.ceil((this.n - this.numReplicas) / this.numReplicas);
    } else {
      this.numSamples = Math.ceil(this.n / this.numReplicas);
    }
    if (!this.dropLast && this.n === 0) this.numSamples = 0;
    this.totalSize = this.numSamples * this.numReplicas;
  }

  /** Sets the epoch, which (with `seed`) picks this epoch's shuffle on every rank. */
  setEpoch(epoch: number): void {
    this.epoch = checkInt('DistributedSampler.setEpoch', 'epoch', epoch, 0);
  }

  get length(): number {
    return this.numSamples;
  }

  *[Symbol.iterator](): Iterator<number> {
    let indices: number[];
    if (this.shuffle) {
      indices = Array.from(new Generator(this.seed + this.epoch).permutation(this.n));
    } else {
      indices = Array.from({ length: this.n }, (_, i) => i);
    }
    if (this.dropLast) {
      indices = indices.slice(0, this.totalSize);
    } else if (indices.length > 0) {
      const base = indices.slice();
      while (indices.length < this.totalSize) indices.push(...base.slice(0, this.totalSize - indices.length));
    }
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) yield indices[i]!;
  }
}
