import { type DType, fromTypedArray, type Tensor, type TypedArray } from '@kiln/tensor';

/**
 * A tensor's data on the host: a typed array, a shape and a dtype. Workers send samples back in this
 * form (a `Tensor` cannot cross threads), and `defaultCollate` stacks it like a tensor.
 *
 * @example
 * ```ts
 * import { HostTensor } from '@kiln/data';
 * const h = new HostTensor(new Float32Array([1, 2, 3, 4]), [2, 2], 'float32');
 * h.toTensor().shape; // [2, 2]
 * ```
 */
export class HostTensor {
  /** A tag that identifies host tensors across copies of this package (the CJS node entry, bundles). */
  readonly kilnDataKind = 'HostTensor' as const;
  /** Row-major elements. */
  readonly data: TypedArray;
  /** Sizes along each dimension. */
  readonly shape: readonly number[];
  /** Element type of the tensor it stands for. */
  readonly dtype: DType;

  constructor(data: TypedArray, shape: readonly number[], dtype: DType) {
    this.data = data;
    this.shape = shape;
    this.dtype = dtype;
  }

  /**
   * Whether a value is a `HostTensor`, also one made by another copy of this package.
   *
   * @example
   * ```ts
   * import { HostTensor } from '@kiln/data';
   * HostTensor.isInstance(new HostTensor(new Float32Array(1), [1], 'float32')); // true
   * ```
   */
  static isInstance(value: unknown): value is HostTensor {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as HostTensor).kilnDataKind === 'HostTensor' &&
      typeof (value as HostTensor).toTensor === 'function'
    );
  }

  /** A tensor holding a copy of this data on `device` (the default device unless given). */
  toTensor(device?: string): Tensor {
    return fromTypedArray(
      this.data,
      this.shape,
      device === undefined ? { dtype: this.dtype } : { dtype: this.dtype, device },
    );
  }
}

/** @internal The wire form of a `HostTensor` (structured clone drops class prototypes). */
export interface HostTensorMessage {
  readonly __kilnHostTensor: 1;
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** @internal Whether a value is a `HostTensorMessage` received from a worker. */
export function isHostTensorMessage(value: unknown): value is HostTensorMessage {
  return typeof value === 'object' && value !== null && (value as HostTensorMessage).__kilnHostTensor === 1;
}
