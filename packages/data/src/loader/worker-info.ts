/**
 * What a data-loading worker knows about itself (PyTorch's `WorkerInfo`).
 *
 * @example
 * ```ts
 * import type { WorkerInfo } from '@kiln/data';
 * const info: WorkerInfo = { id: 0, numWorkers: 2, seed: 1234 };
 * ```
 */
export interface WorkerInfo {
  /** This worker's index in `[0, numWorkers)`. */
  readonly id: number;
  /** Number of workers of the loader. */
  readonly numWorkers: number;
  /** This worker's seed (`baseSeed + id`); random transforms without a generator draw from it. */
  readonly seed: number;
}

/** @internal The global slot the worker bootstrap fills before it imports the data set's module. */
export const WORKER_INFO_KEY = '__kilnDataWorkerInfo';

/**
 * Inside a `DataLoader` worker, that worker's id, count and seed; `null` on the main thread
 * (PyTorch's `get_worker_info`). Use it to shard an iterable data set or seed per-worker state.
 *
 * @example
 * ```ts
 * import { getWorkerInfo } from '@kiln/data';
 * getWorkerInfo(); // null on the main thread
 * ```
 */
export function getWorkerInfo(): WorkerInfo | null {
  const info = (globalThis as Record<string, unknown>)[WORKER_INFO_KEY];
  return typeof info === 'object' && info !== null ? (info as WorkerInfo) : null;
}
