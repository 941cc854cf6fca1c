import { checkIndex } from '../internal/checks.js';
import { Dataset, type MapDataset } from './dataset.js';

/**
 * A view of a data set at the given indices (PyTorch's `Subset`).
 *
 * @example
 * ```ts
 * import { Subset, TensorDataset } from '@kiln/data';
 * import { tensor } from '@kiln/tensor';
 * const sub = new Subset(new TensorDataset(tensor([10, 11, 12, 13])), [3, 1]);
 * sub.get(0)[0]!.item(); // 13
 * ```
 */
export class Subset<T> extends Dataset<T> {
  /** The underlying data set. */
  readonly dataset: MapDataset<T>;
  /** Indices into `dataset`. */
  readonly indices: readonly number[];

  constructor(dataset: MapDataset<T>, indices: ArrayLike<number>) {
    super();
    const n = dataset.length;
    const own: number[] = new Array(indices.length);
    for (let k = 0; k < indices.length; k++) own[k] = checkIndex('Subset', indices[k]!, n);
    this.dataset = dataset;
    this.indices = own;
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.indices.length)]!);
  }

  override getBatch(indices: readonly number[]): unknown {
    if (this.dataset.getBatch === undefined) return undefined;
    return this.dataset.getBatch(
      indices.map((i) => this.indices[checkIndex('Subset.getBatch', i, this.indices.length)]!),
    );
  }
}
