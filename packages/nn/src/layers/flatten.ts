import type { Tensor } from '@kiln/autograd';
import { Module } from '../module.js';

/**
 * Flattens dims `startDim … endDim` (by default all but the batch dim), as `torch.nn.Flatten`.
 *
 * @example
 * ```ts
 * import { Flatten } from '@kiln/nn';
 * import { zeros } from '@kiln/autograd';
 * new Flatten().call(zeros([2, 3, 4])).shape; // [2, 12]
 * ```
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize`, as `torch.nn.Unflatten`.
 *
 * @example
 * ```ts
 * import { Unflatten } from '@kiln/nn';
 * import { zeros } from '@kiln/autograd';
 * new Unflatten(1, [3, 4]).call(zeros([2, 12])).shape; // [2, 3, 4]
 * ```
 */
export class Unflatten extends Module {
  constructor(
    readonly dim: number,
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.unflattenedSize.join(', ')}]`;
  }
}
