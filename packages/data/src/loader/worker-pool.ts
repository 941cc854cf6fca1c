import type { MapDataset } from '../dataset/dataset.js';

/**
 * How a worker re-creates a data set: functions and class instances cannot cross threads, so a
 * worker imports `module`, takes its export `exportName` and calls it with `args` (which must be
 * structured-cloneable). A class export is constructed with `new`, or through its static
 * `create(...args)` when it has one (for data sets that load asynchronously); a function export
 * is called and may return a promise.
 *
 * @example
 * ```ts
 * import type { DatasetSpec } from '@kiln/data';
 * const spec: DatasetSpec = {
 *   module: new URL('./my-dataset.js', import.meta.url).href,
 *   exportName: 'createDataset',
 *   args: [{ size: 1000 }],
 * };
 * ```
 */
export interface DatasetSpec {
  /** An absolute file URL or path, or a package specifier (resolved from the current directory). */
  readonly module: string;
  /** The export to call (default `'default'`). */
  readonly exportName?: string;
  /** Arguments for it, structured-cloneable. */
  readonly args?: readonly unknown[];
}

/**
 * A set of workers that load samples by index. `load` resolves with the samples of one batch,
 * in the order of `indices`, with tensors turned into `HostTensor`s; it rejects with a
 * `WorkerError` and never hangs (a dead worker rejects everything it owed).
 *
 * @example
 * ```ts
 * import type { WorkerPool } from '@kiln/data';
 * async function first(pool: WorkerPool): Promise<unknown[]> {
 *   const loaded = await pool.load(0, [0, 1, 2]);
 *   return 'samples' in loaded ? loaded.samples : [];
 * }
 * ```
 */
export interface WorkerPool {
  /** Number of workers. */
  readonly size: number;
  /**
   * Loads the samples at `indices` on worker `worker` (0 ≤ worker < size). With `batched`, the
   * worker may answer with the data set's `getBatch(indices)` instead (already collated).
   */
  load(worker: number, indices: readonly number[], batched?: boolean): Promise<WorkerLoad>;
  /** Iterates worker `worker`'s copy of an iterable data set, in chunks (iterable data sets only). */
  iterate?(worker: number, options: WorkerStreamOptions): WorkerStream;
  /** Stops every worker; pending loads reject. */
  close(): Promise<void>;
}

/**
 * What a worker sends back for one batch: the samples (tensors as `HostTensor`s), or a batch its
 * data set's `getBatch` built (tensors as `HostTensor`s too).
 *
 * @example
 * ```ts
 * import type { WorkerLoad } from '@kiln/data';
 * const l: WorkerLoad = { samples: [1, 2] };
 * ```
 */
export type WorkerLoad = { readonly samples: unknown[] } | { readonly batch: unknown };

/**
 * How a worker iterates its copy of an iterable data set.
 *
 * @example
 * ```ts
 * import type { WorkerStreamOptions } from '@kiln/data';
 * const o: WorkerStreamOptions = { chunkSize: 32, dropLast: false, prefetch: 2 };
 * ```
 */
export interface WorkerStreamOptions {
  /** Samples per chunk (a batch). */
  readonly chunkSize: number;
  /** Drop this worker's last short chunk. */
  readonly dropLast: boolean;
  /** Chunks the worker may send ahead of the consumer. */
  readonly prefetch: number;
}

/**
 * A worker's stream of sample chunks; `next` rejects with a `WorkerError` instead of hanging.
 *
 * @example
 * ```ts
 * import type { WorkerStream } from '@kiln/data';
 * async function drain(s: WorkerStream): Promise<number> {
 *   let n = 0;
 *   for (let r = await s.next(); r !== null; r = await s.next()) n += r.length;
 *   return n;
 * }
 * ```
 */
export interface WorkerStream {
  /** The next chunk of samples, or `null` when the worker's iterator is exhausted. */
  next(): Promise<unknown[] | null>;
  /** Tells the worker to stop iterating (at an early `break` or the end of an epoch). */
  stop(): void;
}

/**
 * Options a `DataLoader` passes when it asks a data set for workers.
 *
 * @example
 * ```ts
 * import type { WorkerPoolOptions } from '@kiln/data';
 * const o: WorkerPoolOptions = { baseSeed: 1, timeout: 0 };
 * ```
 */
export interface WorkerPoolOptions {
  /** Worker `k` seeds itself with `baseSeed + k`. */
  readonly baseSeed: number;
  /** Milliseconds to wait for one batch before failing (0: no limit). */
  readonly timeout: number;
}

/**
 * A data set that can re-create itself in workers: `workerDataset` and `iterableWorkerDataset`
 * from `@kiln/data/node` make them from a `DatasetSpec`.
 *
 * @example
 * ```ts
 * import type { WorkerCapable } from '@kiln/data';
 * function specOf(ds: WorkerCapable): string {
 *   return ds.workerSpec.module;
 * }
 * ```
 */
export interface WorkerCapable {
  /** How workers re-create this data set. */
  readonly workerSpec: DatasetSpec;
  /** Starts `numWorkers` workers that each hold a copy of this data set. */
  createWorkerPool(numWorkers: number, options: WorkerPoolOptions): WorkerPool;
}

/**
 * A map-style data set that can re-create itself in workers. `workerDataset` from
 * `@kiln/data/node` makes one from a `DatasetSpec`.
 *
 * @example
 * ```ts
 * import { type WorkerCapableDataset, isWorkerCapable } from '@kiln/data';
 * function check(ds: unknown): boolean {
 *   return isWorkerCapable(ds);
 * }
 * ```
 */
export interface WorkerCapableDataset<T> extends MapDataset<T>, WorkerCapable {}

/**
 * Whether a data set can load in workers (has `workerSpec` and `createWorkerPool`).
 *
 * @example
 * ```ts
 * import { isWorkerCapable, TensorDataset } from '@kiln/data';
 * import { tensor } from '@kiln/tensor';
 * isWorkerCapable(new TensorDataset(tensor([1]))); // false
 * ```
 */
export function isWorkerCapable(value: unknown): value is WorkerCapable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WorkerCapable).createWorkerPool === 'function' &&
    typeof (value as WorkerCapable).workerSpec === 'object'
  );
}
