import { checkInt } from '../internal/checks.js';
import type { Sampler } from './sampler.js';

/**
 * Groups another sampler's indices into batches of `batchSize` (PyTorch's `BatchSampler`); the last
 * short batch is kept unless `dropLast`.
 *
 * @example
 * ```ts
 * import { BatchSampler, SequentialSampler } from '@kiln/data';
 * [...new BatchSampler(new SequentialSampler({ length: 5 }), 2, false)]; // [[0, 1], [2, 3], [4]]
 * ```
 */
export class BatchSampler implements Sampler<number[]> {
  /** The sampler whose indices are grouped. */
  readonly sampler: Sampler;
  /** Indices per batch. */
  readonly batchSize: number;
  /** Whether a last, short batch is dropped. */
  readonly dropLast: boolean;

  constructor(sampler: Sampler, batchSize: number, dropLast = false) {
    this.sampler = sampler;
    this.batchSize = checkInt('BatchSampler', 'batchSize', batchSize, 1);
    this.dropLast = dropLast;
  }

  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
