/**
 * A map-style data set: `length` samples, read by index (PyTorch's `Dataset`).
 *
 * Subclass it and implement `length` and `get`. For data that loads lazily, make `get` return a
 * promise (a `Dataset<Promise<X>>`): the `DataLoader` awaits it under `for await`, and its
 * synchronous iterator refuses it.
 * A subclass may also implement `getBatch(indices)`, the analogue of PyTorch's `__getitems__`: it
 * must return exactly what `defaultCollate(indices.map(get))` would, and lets in-memory data sets
 * build a batch without one object per sample. Returning `undefined` declines for that call.
 *
 * @example
 * ```ts
 * import { Dataset } from '@kiln/data';
 * class Squares extends Dataset<[number, number]> {
 *   get length(): number { return 10; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 * new Squares().get(3); // [3, 9]
 * ```
 */
export abstract class Dataset<T> {
  /** Number of samples. */
  abstract get length(): number;

  /** The sample at `index` (0 ≤ index < length); a `Dataset<Promise<X>>` loads asynchronously. */
  abstract get(index: number): T;

  /** Optional batched read; see the class documentation for its contract. */
  getBatch?(indices: readonly number[]): unknown;

  /** Iterates the samples in order (synchronous `get` only). */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.get(i);
  }
}

/**
 * An iterable-style data set: a stream of samples with no random access (PyTorch's
 * `IterableDataset`). Implement `[Symbol.asyncIterator]`; `length` is optional.
 *
 * @example
 * ```ts
 * import { IterableDataset } from '@kiln/data';
 * class Counter extends IterableDataset<number> {
 *   async *[Symbol.asyncIterator](): AsyncIterator<number> {
 *     for (let i = 0; i < 3; i++) yield i;
 *   }
 * }
 * for await (const x of new Counter()) console.log(x); // 0, 1, 2
 * ```
 */
export abstract class IterableDataset<T> {
  /** Number of samples when known (used by `DataLoader.length`). */
  readonly length?: number;

  abstract [Symbol.asyncIterator](): AsyncIterator<T>;
}

/**
 * Anything with `length` and `get(i)`: a `Dataset` or a duck-typed equivalent.
 *
 * @example
 * ```ts
 * import type { MapDataset } from '@kiln/data';
 * const squares: MapDataset<number> = { length: 4, get: (i) => i * i };
 * ```
 */
export interface MapDataset<T> {
  readonly length: number;
  get(index: number): T;
  getBatch?(indices: readonly number[]): unknown;
}

/**
 * Whether a value is a map-style data set (has `length` and `get`).
 *
 * @example
 * ```ts
 * import { isMapDataset, TensorDataset } from '@kiln/data';
 * import { tensor } from '@kiln/tensor';
 * isMapDataset(new TensorDataset(tensor([1, 2]))); // true
 * ```
 */
export function isMapDataset<T = unknown>(value: unknown): value is MapDataset<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MapDataset<T>).get === 'function' &&
    typeof (value as MapDataset<T>).length === 'number'
  );
}
