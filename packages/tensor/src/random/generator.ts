import { ValueError } from '../errors/errors.js';
import { philoxFill } from './philox.js';

/**
 * A counter-based random number generator (Philox4x32-10): a seed and an offset. Every random op
 * takes as many counters as it draws numbers and advances the offset, so the same seed gives the
 * same numbers on every backend, in any order of devices.
 *
 * @example
 * ```ts
 * import { Generator, rand } from '@kiln/tensor';
 * const g = new Generator().manualSeed(7);
 * const a = rand([3], { generator: g });
 * ```
 */
export class Generator {
  private seedValue: number;
  private offsetValue = 0;

  constructor(seed = 67280421310721) {
    this.seedValue = checkSeed(seed);
  }

  /** Re-seeds and rewinds the generator. Returns itself. */
  manualSeed(seed: number): this {
    this.seedValue = checkSeed(seed);
    this.offsetValue = 0;
    return this;
  }

  /** The seed given last. */
  initialSeed(): number {
    return this.seedValue;
  }

  /** The generator's state, to save and restore. */
  getState(): { seed: number; offset: number } {
    return { seed: this.seedValue, offset: this.offsetValue };
  }

  /** Restores a state from `getState()`. */
  setState(state: { seed: number; offset: number }): this {
    this.seedValue = checkSeed(state.seed);
    if (!Number.isInteger(state.offset) || state.offset < 0) {
      throw new ValueError(`Generator.setState: offset must be a non-negative integer (got ${state.offset})`);
    }
    this.offsetValue = state.offset;
    return this;
  }

  /**
   * Reserves `count` counters and returns the first one: the caller draws with
   * `(seed, returned offset)`.
   */
  reserve(count: number): number {
    const start = this.offsetValue;
    this.offsetValue += count;
    return start;
  }

  /** Draws `count` uniform numbers in [0, 1) on the host (for samplers and shuffles). */
  uniform(count: number): Float64Array {
    const out = new Float64Array(count);
    philoxFill(out, 'uniform', this.seedValue, this.reserve(count));
    return out;
  }

  /** A uniform permutation of `0 … n-1` on the host (Fisher–Yates over this generator's stream). */
  permutation(n: number): Int32Array {
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const u = this.uniform(n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i]! * (i + 1));
      const tmp = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = tmp;
    }
    return perm;
  }
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`manualSeed: seed must be a non-negative safe integer (got ${seed})`);
  }
  return seed;
}

/**
 * The generator random ops use when none is given.
 *
 * @example
 * ```ts
 * import { defaultGenerator } from '@kiln/tensor';
 * defaultGenerator.initialSeed();
 * ```
 */
export const defaultGenerator: Generator = new Generator();

/**
 * Seeds the default generator, making every random op reproducible on every backend.
 *
 * @example
 * ```ts
 * import { manualSeed, randn } from '@kiln/tensor';
 * manualSeed(0);
 * const a = randn([2]);
 * manualSeed(0);
 * const b = randn([2]); // same values as a
 * ```
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
