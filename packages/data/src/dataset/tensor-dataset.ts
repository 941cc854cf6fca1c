import { formatShape, fromTypedArray, indexSelect, select, type Tensor, ValueError } from '@kiln/tensor';
import { checkIndex } from '../internal/checks.js';
import { Dataset } from './dataset.js';

/**
 * Wraps tensors that share their first dimension; sample `i` is the `i`-th row of each
 * (PyTorch's `TensorDataset`). Rows are views (no copy). Batches from a `DataLoader` with the
 * default collation are gathered with one `indexSelect` per tensor, not one view per sample.
 *
 * @example
 * ```ts
 * import { TensorDataset } from '@kiln/data';
 * import { tensor } from '@kiln/tensor';
 * const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]]), tensor([0, 1, 0]));
 * ds.length; // 3
 * const [x, y] = ds.get(1);
 * x!.toArray(); // [3, 4]
 * y!.item(); // 1
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The wrapped tensors. */
  readonly tensors: readonly Tensor[];
  private readonly size: number;

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new ValueError('TensorDataset: needs at least one tensor');
    const first = tensors[0]!;
    if (first.ndim === 0)
      throw new ValueError('TensorDataset: tensors must have at least one dimension (got a scalar)');
    const size = first.shape[0]!;
    for (let i = 1; i < tensors.length; i++) {
      const t = tensors[i]!;
      if (t.ndim === 0 || t.shape[0] !== size) {
        throw new ValueError(
          `TensorDataset: size mismatch between tensors (tensor 0 has shape ${formatShape(first.shape)}, tensor ${i} has shape ${formatShape(t.shape)})`,
        );
      }
    }
    this.tensors = tensors;
    this.size = size;
  }

  get length(): number {
    return this.size;
  }

  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.size);
    return this.tensors.map((t) => select(t, 0, i));
  }

  override getBatch(indices: readonly number[]): Tensor[] {
    const idx = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++)
      idx[k] = checkIndex('TensorDataset.getBatch', indices[k]!, this.size);
    return this.tensors.map((t) => {
      const index = fromTypedArray(idx, [idx.length], { device: t.device });
      try {
        return indexSelect(t, 0, index);
      } finally {
        index.dispose();
      }
    });
  }
}
