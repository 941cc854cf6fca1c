import { defaultGenerator, type Generator, ValueError } from '@kiln/tensor';
import type { MapDataset } from './dataset.js';
import { Subset } from './subset.js';

/**
 * Splits a data set into non-overlapping random subsets (PyTorch's `random_split`). `lengths` are
 * either counts that sum to the data set's length, or fractions that sum to 1: each fraction gets
 * `floor(fraction * n)` samples and the remainder is dealt round-robin, as PyTorch does.
 *
 * @example
 * ```ts
 * import { randomSplit, TensorDataset } from '@kiln/data';
 * import { Generator, arange } from '@kiln/tensor';
 * const ds = new TensorDataset(arange(10));
 * const [train, val] = randomSplit(ds, [0.8, 0.2], new Generator().manualSeed(42));
 * [train!.length, val!.length]; // [8, 2]
 * ```
 */
export function randomSplit<T>(
  dataset: MapDataset<T>,
  lengths: readonly number[],
  generator: Generator = defaultGenerator,
): Subset<T>[] {
  const n = dataset.length;
  if (lengths.length === 0) throw new ValueError('randomSplit: lengths must not be empty');
  for (const l of lengths) {
    if (!Number.isFinite(l) || l < 0)
      throw new ValueError(`randomSplit: lengths must be non-negative (got ${l})`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  let counts: number[];
  if (Math.abs(total - 1) <= 1e-9 && total !== n) {
    counts = lengths.map((f) => Math.floor(n * f));
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]! += 1;
  } else {
    for (const l of lengths) {
      if (!Number.isInteger(l)) {
        throw new ValueError(
          `randomSplit: lengths must be integers or fractions summing to 1 (got [${lengths.join(', ')}])`,
        );
      }
    }
    if (total !== n) {
      throw new ValueError(
        `randomSplit: sum of input lengths (${total}) does not equal the length of the input dataset (${n})`,
      );
    }
    counts = [...lengths];
  }
  const perm = generator.permutation(n);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.subarray(offset, offset + c)));
    offset += c;
  }
  return out;
}
