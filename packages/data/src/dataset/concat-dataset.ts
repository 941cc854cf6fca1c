import { ValueError } from '@kiln/tensor';
import { checkIndex } from '../internal/checks.js';
import { Dataset, type MapDataset } from './dataset.js';

/**
 * Concatenates map-style data sets: indices run through the first, then the second, …
 * (PyTorch's `ConcatDataset`).
 *
 * @example
 * ```ts
 * import { ConcatDataset, TensorDataset } from '@kiln/data';
 * import { tensor } from '@kiln/tensor';
 * const ds = new ConcatDataset([new TensorDataset(tensor([1, 2])), new TensorDataset(tensor([3]))]);
 * ds.length; // 3
 * ds.get(2)[0]!.item(); // 3
 * ```
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The concatenated data sets. */
  readonly datasets: readonly MapDataset<T>[];
  /** Running totals: `cumulativeSizes[k]` is the length of datasets 0…k together. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly MapDataset<T>[]) {
    super();
    if (datasets.length === 0)
      throw new ValueError('ConcatDataset: datasets should not be an empty iterable');
    const sizes: number[] = [];
    let total = 0;
    for (const d of datasets) {
      total += d.length;
      sizes.push(total);
    }
    this.datasets = datasets;
    this.cumulativeSizes = sizes;
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  get(index: number): T {
    const i = checkIndex('ConcatDataset.get', index, this.length);
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid]! > i) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1]!;
    return this.datasets[lo]!.get(i - start);
  }
}
