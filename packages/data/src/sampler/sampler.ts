import { checkInt } from '../internal/checks.js';

/**
 * Yields indices into a data set, one epoch per iteration (PyTorch's `Sampler`). `length` is the
 * number of indices an epoch yields.
 *
 * @example
 * ```ts
 * import type { Sampler } from '@kiln/data';
 * const evens: Sampler = {
 *   length: 3,
 *   *[Symbol.iterator]() { yield 0; yield 2; yield 4; },
 * };
 * [...evens]; // [0, 2, 4]
 * ```
 */
export interface Sampler<I = number> extends Iterable<I> {
  readonly length: number;
}

/**
 * Yields `0, 1, …, n-1` in order (PyTorch's `SequentialSampler`).
 *
 * @example
 * ```ts
 * import { SequentialSampler } from '@kiln/data';
 * [...new SequentialSampler({ length: 3 })]; // [0, 1, 2]
 * ```
 */
export class SequentialSampler implements Sampler {
  private readonly n: number;

  constructor(dataSource: { readonly length: number }) {
    this.n = checkInt('SequentialSampler', 'length of the data source', dataSource.length, 0);
  }

  get length(): number {
    return this.n;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.n; i++) yield i;
  }
}
