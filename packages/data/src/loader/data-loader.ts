import { defaultGenerator, type Generator, ValueError } from '@kiln/tensor';
import { type Collated, defaultCollate } from '../collate/default-collate.js';
import { HostTensor } from '../collate/host-tensor.js';
import { IterableDataset, isMapDataset, type MapDataset } from '../dataset/dataset.js';
import { checkInt, isPromiseLike } from '../internal/checks.js';
import { BatchSampler } from '../sampler/batch-sampler.js';
import { RandomSampler } from '../sampler/random-sampler.js';
import { type Sampler, SequentialSampler } from '../sampler/sampler.js';
import { isWorkerCapable, type WorkerLoad, type WorkerPool, type WorkerStream } from './worker-pool.js';

/**
 * Options of `DataLoader`, PyTorch's keyword arguments in camelCase.
 *
 * @example
 * ```ts
 * import type { DataLoaderOptions } from '@kiln/data';
 * const o: DataLoaderOptions<[number, number]> = { batchSize: 64, shuffle: true, dropLast: true };
 * ```
 */
export interface DataLoaderOptions<T, B = Collated<Awaited<T>>> {
  /** Samples per batch (default 1); `null` yields samples one by one, uncollated. */
  batchSize?: number | null;
  /** Reshuffle every epoch (default false). Excludes `sampler`. */
  shuffle?: boolean;
  /** Which indices to load, in which order. Excludes `shuffle`. */
  sampler?: Sampler;
  /** Yields whole batches of indices. Excludes `batchSize`, `shuffle`, `sampler` and `dropLast`. */
  batchSampler?: Sampler<number[]>;
  /** Worker threads that load and transform samples (default 0: load on the calling thread). */
  numWorkers?: number;
  /** Merges a list of samples into a batch (default `defaultCollate`). Always runs on the main thread. */
  collateFn?: (samples: Awaited<T>[]) => B;
  /** Accepted for PyTorch compatibility; there is no pinned memory to use here, so it is ignored. */
  pinMemory?: boolean;
  /** Drop the last batch when it is short (default false). */
  dropLast?: boolean;
  /** Milliseconds to wait for a batch from a worker before failing (default 0: no limit). */
  timeout?: number;
  /** Batches each worker has in flight (default 2 with workers). */
  prefetchFactor?: number;
  /** Keep workers (and their copy of the data set) alive between epochs; stop them with `close()`. */
  persistentWorkers?: boolean;
  /** Randomness for shuffling and worker seeds (default: Kiln's default generator). */
  generator?: Generator;
}

type AnyDataset<T> = MapDataset<T> | IterableDataset<T>;

/**
 * Iterates a data set in batches (PyTorch's `DataLoader`). `for await … of` works for every data
 * set; `for … of` (a synchronous iterator) works for in-memory map-style data sets with
 * `numWorkers: 0`, which is also the fastest path for them.
 *
 * With `numWorkers > 0`, workers (`worker_threads` in Node) each load and transform whole batches
 * and the main thread collates them, in sampler order. Functions cannot cross threads, so the data
 * set must be able to re-create itself in a worker from a module path, an export name and
 * arguments: wrap it with `workerDataset({ module, exportName, args })` from `@kiln/data/node`
 * (see `DatasetSpec`). A sample that throws in a worker surfaces in the loop as a `WorkerError`
 * naming the index; a dead worker fails the batches it owed instead of hanging.
 *
 * @example
 * ```ts
 * import { DataLoader, TensorDataset } from '@kiln/data';
 * import { Generator, arange } from '@kiln/tensor';
 * const ds = new TensorDataset(arange(10).reshape([5, 2]), arange(5));
 * const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, generator: new Generator().manualSeed(0) });
 * loader.length; // 3
 * for (const [x, y] of loader) {
 *   console.log(x!.shape, y!.shape); // [2, 2] [2] … [1, 2] [1]
 * }
 * ```
 */
export class DataLoader<T, B = Collated<Awaited<T>>> implements AsyncIterable<B>, Iterable<B> {
  /** The data set loaded from. */
  readonly dataset: AnyDataset<T>;
  /** Samples per batch (`null` when batching is off or a `batchSampler` is given). */
  readonly batchSize: number | null;
  /** Whether a short last batch is dropped. */
  readonly dropLast: boolean;
  /** The index sampler (map-style data sets only). */
  readonly sampler: Sampler | null;
  /** The batch sampler (map-style data sets with batching only). */
  readonly batchSampler: Sampler<number[]> | null;
  /** Number of worker threads. */
  readonly numWorkers: number;
  /** Batches each worker has in flight. */
  readonly prefetchFactor: number;
  /** Whether workers live across epochs. */
  readonly persistentWorkers: boolean;
  /** Accepted and ignored (see the option). */
  readonly pinMemory: boolean;
  /** Per-batch worker timeout in milliseconds (0: none). */
  readonly timeout: number;
  /** The generator for shuffling and worker seeds. */
  readonly generator: Generator;
  private readonly collateFn: ((samples: Awaited<T>[]) => B) | null;
  private pool: WorkerPool | null = null;

  constructor(dataset: AnyDataset<T>, options: DataLoaderOptions<T, B> = {}) {
    this.dataset = dataset;
    this.numWorkers = checkInt('DataLoader', 'numWorkers', options.numWorkers ?? 0, 0);
    this.timeout = options.timeout ?? 0;
    if (!(this.timeout >= 0))
      throw new ValueError(`DataLoader: timeout option should be non-negative (got ${this.timeout})`);
    if (options.prefetchFactor !== undefined && this.numWorkers === 0) {
      throw new ValueError(
        'DataLoader: prefetchFactor option could only be specified in multiprocessing. let numWorkers > 0 to enable multiprocessing',
      );
    }
    this.prefetchFactor = checkInt('DataLoader', 'prefetchFactor', options.prefetchFactor ?? 2, 1);
    this.persistentWorkers = options.persistentWorkers ?? false;
    if (this.persistentWorkers && this.numWorkers === 0) {
      throw new ValueError('DataLoader: persistentWorkers option needs numWorkers > 0');
    }
    this.pinMemory = options.pinMemory ?? false;
    this.generator = options.generator ?? defaultGenerator;
    this.collateFn = options.collateFn ?? null;
    const shuffle = options.shuffle ?? false;
    let batchSize = options.batchSize === undefined ? 1 : options.batchSize;
    let dropLast = options.dropLast ?? false;

    if (dataset instanceof IterableDataset || !isMapDataset(dataset)) {
      if (shuffle) {
        throw new ValueError(
          'DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=true',
        );
      }
      if (options.sampler !== undefined) {
        throw new ValueError('DataLoader with IterableDataset: expected unspecified sampler option');
      }
      if (options.batchSampler !== undefined) {
        throw new ValueError('DataLoader with IterableDataset: expected unspecified batchSampler option');
      }
      if (this.numWorkers > 0 && !isWorkerCapable(dataset)) {
        throw new ValueError(
          'DataLoader: numWorkers > 0 needs a data set that workers can re-create (functions cannot cross threads)\nhelp: wrap it with iterableWorkerDataset({ module, exportName, args }) from @kiln/data/node',
        );
      }
      if (batchSize !== null) checkInt('DataLoader', 'batchSize', batchSize, 1);
      this.sampler = null;
      this.batchSampler = null;
      this.batchSize = batchSize;
      this.dropLast = dropLast;
      return;
    }

    if (shuffle && options.sampler !== undefined) {
      throw new ValueError('DataLoader: sampler option is mutually exclusive with shuffle');
    }
    if (options.batchSampler !== undefined) {
      if ((batchSize !== null && batchSize !== 1) || shuffle || options.sampler !== undefined || dropLast) {
        throw new ValueError(
          'DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast',
        );
      }
      batchSize = null;
      dropLast = false;
    } else if (batchSize === null && dropLast) {
      throw new ValueError(
        'DataLoader: batchSize=null option disables auto-batching and is mutually exclusive with dropLast',
      );
    }
    if (batchSize !== null) checkInt('DataLoader', 'batchSize', batchSize, 1);
    this.sampler =
      options.sampler ??
      (shuffle ? new RandomSampler(dataset, { generator: this.generator }) : new SequentialSampler(dataset));
    this.batchSampler =
      options.batchSampler ??
      (batchSize === null ? null : new BatchSampler(this.sampler, batchSize, dropLast));
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    if (this.numWorkers > 0 && !isWorkerCapable(dataset)) {
      throw new ValueError(
        'DataLoader: numWorkers > 0 needs a data set that workers can re-create (functions cannot cross threads)\nhelp: wrap it with workerDataset({ module, exportName, args }) from @kiln/data/node',
      );
    }
  }

  /** Number of batches per epoch (of samples when `batchSize` is null). */
  get length(): number {
    if (this.batchSampler !== null) return this.batchSampler.length;
    if (this.sampler !== null) return this.sampler.length;
    const n = (this.dataset as IterableDataset<T>).length;
    if (n === undefined)
      throw new ValueError('DataLoader: length is unknown for an IterableDataset without length');
    if (this.batchSize === null) return n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * Iterates one epoch synchronously: map-style data sets with a synchronous `get` and
   * `numWorkers: 0` only.
   */
  *[Symbol.iterator](): Iterator<B> {
    const ds = this.mapDataset('the synchronous iterator');
    if (this.numWorkers > 0) {
      throw new ValueError(
        'DataLoader: the synchronous iterator cannot use workers\nhelp: iterate with for await … of',
      );
    }
    this.drawBaseSeed();
    for (const indices of this.indexGroups()) {
      const fast = this.fastBatch(ds, indices);
      if (fast !== undefined) {
        yield fast;
        continue;
      }
      const samples: Awaited<T>[] = new Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        const s = ds.get(indices[k]!);
        if (isPromiseLike(s)) {
          throw new ValueError(
            `DataLoader: dataset.get(${indices[k]}) returned a promise; the synchronous iterator needs a synchronous get\nhelp: iterate with for await … of`,
          );
        }
        samples[k] = s as Awaited<T>;
      }
      yield this.finish(samples);
    }
  }

  /** Iterates one epoch; works for every data set and for workers. */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (!isMapDataset(this.dataset)) {
      if (this.numWorkers > 0) yield* this.iterateStreamWorkers();
      else yield* this.iterateStream(this.dataset);
      return;
    }
    if (this.numWorkers > 0) {
      yield* this.iterateWorkers();
      return;
    }
    const ds = this.dataset;
    this.drawBaseSeed();
    for (const indices of this.indexGroups()) {
      // NOTE: one macrotask per batch lets FinalizationRegistry callbacks free last batch's tensors;
      // a loop that only awaits resolved promises never lets them run (see DESIGN, memory).
      await yieldToEventLoop();
      const fast = this.fastBatch(ds, indices);
      if (fast !== undefined) {
        yield fast;
        continue;
      }
      // NOTE: an async data set's reads within a batch overlap; results keep the sampler's order.
      const samples = (await Promise.all(indices.map((i) => ds.get(i)))) as Awaited<T>[];
      yield this.finish(samples);
    }
  }

  /** Stops persistent workers (they also stop when the loader is disposed). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool !== null) await pool.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Draws the epoch's worker base seed. Every epoch draws it, with or without workers, as PyTorch
   * does, so one generator seed gives the same shuffle whatever `numWorkers` is.
   */
  private drawBaseSeed(): number {
    return Math.floor(this.generator.uniform(1)[0]! * 2 ** 31);
  }

  private mapDataset(what: string): MapDataset<T> {
    if (!isMapDataset<T>(this.dataset)) {
      throw new ValueError(
        `DataLoader: ${what} needs a map-style data set\nhelp: iterate with for await … of`,
      );
    }
    return this.dataset;
  }

  private *indexGroups(): IterableIterator<number[]> {
    if (this.batchSampler !== null) {
      yield* this.batchSampler;
      return;
    }
    for (const i of this.sampler!) yield [i];
  }

  private fastBatch(ds: MapDataset<T>, indices: number[]): B | undefined {
    if (this.collateFn !== null || (this.batchSize === null && this.batchSampler === null)) return undefined;
    if (ds.getBatch === undefined) return undefined;
    return ds.getBatch(indices) as B | undefined;
  }

  private finish(samples: Awaited<T>[]): B {
    if (this.batchSampler === null) {
      const one = toTensors(samples[0]) as Awaited<T>;
      return this.collateFn === null ? (one as unknown as B) : this.collateFn([one]);
    }
    if (this.collateFn !== null) return this.collateFn(samples.map((s) => toTensors(s) as Awaited<T>));
    return defaultCollate(samples) as B;
  }

  private async *iterateStream(ds: IterableDataset<T>): AsyncGenerator<B> {
    let samples: Awaited<T>[] = [];
    // NOTE: async iteration awaits what a generator yields, so each sample is already settled.
    for await (const item of ds) {
      const s = item as Awaited<T>;
      if (this.batchSize === null) {
        await yieldToEventLoop();
        yield this.collateFn === null ? (toTensors(s) as B) : this.collateFn([s]);
        continue;
      }
      samples.push(s);
      if (samples.length === this.batchSize) {
        await yieldToEventLoop();
        yield this.collateFn === null ? (defaultCollate(samples) as B) : this.collateFn(samples);
        samples = [];
      }
    }
    if (samples.length > 0 && !this.dropLast) {
      yield this.collateFn === null ? (defaultCollate(samples) as B) : this.collateFn(samples);
    }
  }

  private acquirePool(): WorkerPool {
    const ds = this.dataset;
    if (!isWorkerCapable(ds)) throw new ValueError('DataLoader: the data set lost its worker support');
    const baseSeed = this.drawBaseSeed();
    let pool = this.pool;
    if (pool === null) {
      pool = ds.createWorkerPool(this.numWorkers, { baseSeed, timeout: this.timeout });
      if (this.persistentWorkers) this.pool = pool;
    }
    return pool;
  }

  /**
   * Each worker iterates its own copy of the data set (shard it with `getWorkerInfo()`, as in
   * PyTorch) and sends whole batches; batches are taken from the workers in turn, skipping those
   * that are exhausted.
   */
  private async *iterateStreamWorkers(): AsyncGenerator<B> {
    const pool = this.acquirePool();
    if (pool.iterate === undefined) {
      if (!this.persistentWorkers) await pool.close();
      throw new ValueError('DataLoader: these workers cannot iterate an IterableDataset');
    }
    const streams: WorkerStream[] = [];
    for (let w = 0; w < this.numWorkers; w++) {
      streams.push(
        pool.iterate(w, {
          chunkSize: this.batchSize ?? 1,
          dropLast: this.dropLast,
          prefetch: this.prefetchFactor,
        }),
      );
    }
    const active = streams.map((_, w) => w);
    try {
      let pos = 0;
      while (active.length > 0) {
        const chunk = await streams[active[pos]!]!.next();
        if (chunk === null) {
          active.splice(pos, 1);
          if (pos >= active.length) pos = 0;
          continue;
        }
        pos = (pos + 1) % active.length;
        const samples = chunk as Awaited<T>[];
        if (this.batchSize === null) {
          const one = toTensors(samples[0]) as Awaited<T>;
          yield this.collateFn === null ? (one as unknown as B) : this.collateFn([one]);
        } else {
          yield this.collateFn === null
            ? (defaultCollate(samples) as B)
            : this.collateFn(samples.map((s) => toTensors(s) as Awaited<T>));
        }
      }
    } finally {
      for (const s of streams) s.stop();
      if (!this.persistentWorkers) await pool.close();
    }
  }

  private async *iterateWorkers(): AsyncGenerator<B> {
    const pool = this.acquirePool();
    const limit = this.numWorkers * this.prefetchFactor;
    const batched = this.collateFn === null && this.batchSampler !== null;
    const groups = this.indexGroups();
    const pending: Promise<WorkerLoad>[] = [];
    let sent = 0;
    let exhausted = false;
    const pump = (): void => {
      while (!exhausted && pending.length < limit) {
        const next = groups.next();
        if (next.done === true) {
          exhausted = true;
          return;
        }
        const p = pool.load(sent % this.numWorkers, next.value, batched);
        // NOTE: a batch abandoned by an early `break` may still reject; mark it handled here and
        // let the awaiting loop see the rejection when it gets there.
        p.catch(() => undefined);
        pending.push(p);
        sent++;
      }
    };
    try {
      pump();
      while (pending.length > 0) {
        const loaded = await pending.shift()!;
        pump();
        yield 'batch' in loaded
          ? (toTensors(loaded.batch) as B)
          : this.finish(loaded.samples as Awaited<T>[]);
      }
    } finally {
      if (!this.persistentWorkers) await pool.close();
    }
  }
}

/** Replaces `HostTensor`s from workers by tensors, for custom collate functions and unbatched samples. */
function toTensors(value: unknown): unknown {
  if (HostTensor.isInstance(value)) return value.toTensor();
  if (Array.isArray(value)) return value.map(toTensors);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toTensors(v);
    return out;
  }
  return value;
}

const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;

function yieldToEventLoop(): Promise<void> {
  if (setImmediateFn !== undefined) return new Promise((resolve) => setImmediateFn(resolve));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
