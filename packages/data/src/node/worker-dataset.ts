import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ValueError } from '@kiln/tensor';
import { HostTensor, isHostTensorMessage } from '../collate/host-tensor.js';
import { Dataset, IterableDataset, isMapDataset, type MapDataset } from '../dataset/dataset.js';
import { WorkerError } from '../loader/worker-error.js';
import { WORKER_INFO_KEY } from '../loader/worker-info.js';
import type {
  DatasetSpec,
  WorkerCapable,
  WorkerCapableDataset,
  WorkerLoad,
  WorkerPool,
  WorkerPoolOptions,
  WorkerStream,
  WorkerStreamOptions,
} from '../loader/worker-pool.js';
import { Image } from '../transforms/image.js';
import { WORKER_SOURCE } from './worker-source.js';

/**
 * Options of `workerDataset`.
 *
 * @example
 * ```ts
 * import type { WorkerDatasetOptions } from '@kiln/data/node';
 * // Workers that can import TypeScript, through tsx's loader:
 * const o: WorkerDatasetOptions = { preload: [{ module: 'tsx/esm/api', exportName: 'register' }] };
 * ```
 */
export interface WorkerDatasetOptions {
  /** Modules each worker imports (and whose export it calls) before the data set's module, e.g. a TypeScript loader. */
  preload?: readonly DatasetSpec[];
  /** Extra `execArgv` for the workers (default: the worker_threads default, this process's). */
  execArgv?: readonly string[];
}

/**
 * Makes a data set that a `DataLoader` can load with `numWorkers > 0`. Functions and class
 * instances cannot cross threads, so each worker re-creates the data set itself: it imports
 * `spec.module`, takes `spec.exportName` and calls it with `spec.args` (a class is constructed,
 * or built with its static `create`). The main thread builds one copy too, for `length` and for
 * `numWorkers: 0`. Workers send tensors back as host arrays; the main thread collates.
 *
 * Relative paths resolve from the current directory; prefer `new URL('./x.js', import.meta.url).href`.
 *
 * @example
 * ```ts
 * import { DataLoader } from '@kiln/data';
 * import { workerDataset } from '@kiln/data/node';
 * const ds = await workerDataset({ module: new URL('./my-dataset.js', import.meta.url).href, exportName: 'MyDataset', args: [1000] });
 * const loader = new DataLoader(ds, { batchSize: 32, numWorkers: 2 });
 * for await (const batch of loader) {
 *   // …
 * }
 * ```
 */
export async function workerDataset<T = unknown>(
  spec: DatasetSpec,
  options: WorkerDatasetOptions = {},
): Promise<WorkerDataset<T>> {
  const normalized: DatasetSpec = { ...spec, module: toModuleUrl(spec.module) };
  const preload = (options.preload ?? []).map((p) => ({ ...p, module: toModuleUrl(p.module) }));
  for (const p of preload) await instantiate(p);
  const local = await instantiate(normalized);
  if (!isMapDataset<T>(local)) {
    throw new ValueError(
      `workerDataset: export '${spec.exportName ?? 'default'}' of '${spec.module}' did not give a data set with length and get(index)`,
    );
  }
  return new WorkerDataset<T>(local, normalized, preload, options.execArgv);
}

/**
 * A map-style data set that loads in worker threads; made by `workerDataset`.
 *
 * @example
 * ```ts
 * import { workerDataset, type WorkerDataset } from '@kiln/data/node';
 * const ds: WorkerDataset<number[]> = await workerDataset({ module: '/abs/path/ds.js', exportName: 'create' });
 * ds.length;
 * ```
 */
export class WorkerDataset<T> extends Dataset<T> implements WorkerCapableDataset<T> {
  /** The main thread's copy. */
  readonly local: MapDataset<T>;
  /** How workers re-create it. */
  readonly workerSpec: DatasetSpec;
  private readonly preload: readonly DatasetSpec[];
  private readonly execArgv: readonly string[] | undefined;

  /** @internal Use `workerDataset`. */
  constructor(
    local: MapDataset<T>,
    spec: DatasetSpec,
    preload: readonly DatasetSpec[],
    execArgv?: readonly string[],
  ) {
    super();
    this.local = local;
    this.workerSpec = spec;
    this.preload = preload;
    this.execArgv = execArgv;
  }

  get length(): number {
    return this.local.length;
  }

  get(index: number): T {
    return this.local.get(index);
  }

  override getBatch(indices: readonly number[]): unknown {
    return this.local.getBatch?.(indices);
  }

  createWorkerPool(numWorkers: number, options: WorkerPoolOptions): WorkerPool {
    return new NodeWorkerPool(this.workerSpec, this.preload, numWorkers, options, this.execArgv, false);
  }
}

/**
 * The iterable-style counterpart of `workerDataset`: with `numWorkers > 0`, every worker
 * re-creates the data set from `spec` and iterates its own copy, so (as in PyTorch) the data set
 * should split the work with `getWorkerInfo()`, or each worker yields every sample. Batches are
 * taken from the workers in turn. The main thread builds one copy too, for `numWorkers: 0`.
 *
 * @example
 * ```ts
 * import { DataLoader } from '@kiln/data';
 * import { iterableWorkerDataset } from '@kiln/data/node';
 * // lines.js: export async function* createLines(path) { … shard by getWorkerInfo() … }
 * const ds = await iterableWorkerDataset({ module: new URL('./lines.js', import.meta.url).href, exportName: 'createLines', args: ['data.txt'] });
 * for await (const batch of new DataLoader(ds, { batchSize: 64, numWorkers: 2 })) {
 *   // …
 * }
 * ```
 */
export async function iterableWorkerDataset<T = unknown>(
  spec: DatasetSpec,
  options: WorkerDatasetOptions = {},
): Promise<WorkerIterableDataset<T>> {
  const normalized: DatasetSpec = { ...spec, module: toModuleUrl(spec.module) };
  const preload = (options.preload ?? []).map((p) => ({ ...p, module: toModuleUrl(p.module) }));
  for (const p of preload) await instantiate(p);
  const local = await instantiate(normalized);
  if (!isIterable(local)) {
    throw new ValueError(
      `iterableWorkerDataset: export '${spec.exportName ?? 'default'}' of '${spec.module}' did not give an iterable data set`,
    );
  }
  return new WorkerIterableDataset<T>(
    local as AsyncIterable<T> | Iterable<T>,
    normalized,
    preload,
    options.execArgv,
  );
}

/**
 * An iterable data set that loads in worker threads; made by `iterableWorkerDataset`.
 *
 * @example
 * ```ts
 * import { iterableWorkerDataset, type WorkerIterableDataset } from '@kiln/data/node';
 * const ds: WorkerIterableDataset<number> = await iterableWorkerDataset({ module: '/abs/path/stream.js', exportName: 'create' });
 * ```
 */
export class WorkerIterableDataset<T> extends IterableDataset<T> implements WorkerCapable {
  /** The main thread's copy. */
  readonly local: AsyncIterable<T> | Iterable<T>;
  /** How workers re-create it. */
  readonly workerSpec: DatasetSpec;
  override readonly length: number | undefined = undefined;
  private readonly preload: readonly DatasetSpec[];
  private readonly execArgv: readonly string[] | undefined;

  /** @internal Use `iterableWorkerDataset`. */
  constructor(
    local: AsyncIterable<T> | Iterable<T>,
    spec: DatasetSpec,
    preload: readonly DatasetSpec[],
    execArgv?: readonly string[],
  ) {
    super();
    this.local = local;
    this.workerSpec = spec;
    this.preload = preload;
    this.execArgv = execArgv;
    const n = (local as { length?: unknown }).length;
    if (typeof n === 'number') this.length = n;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* this.local;
  }

  createWorkerPool(numWorkers: number, options: WorkerPoolOptions): WorkerPool {
    return new NodeWorkerPool(this.workerSpec, this.preload, numWorkers, options, this.execArgv, true);
  }
}

function isIterable(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
      typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function')
  );
}

interface Pending {
  readonly indices: readonly number[];
  readonly resolve: (loaded: WorkerLoad) => void;
  readonly reject: (e: Error) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  readonly streams: Map<number, StreamState>;
  dead: WorkerError | null;
}

interface StreamState {
  readonly chunks: unknown[][];
  ended: boolean;
  error: Error | null;
  waiter: { resolve: (chunk: unknown[] | null) => void; reject: (e: Error) => void } | null;
}

interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

type WorkerReply =
  | { type: 'result'; id: number; samples: unknown[] }
  | { type: 'result'; id: number; batch: unknown }
  | { type: 'chunk'; id: number; samples: unknown[] }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; index: number | null; error: ErrorInfo }
  | { type: 'init-error'; id: number; error: ErrorInfo };

/** @internal worker_threads workers, each holding a copy of the data set. */
class NodeWorkerPool implements WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly spec: DatasetSpec;
  private readonly timeout: number;
  private nextId = 0;
  private closed = false;

  constructor(
    spec: DatasetSpec,
    preload: readonly DatasetSpec[],
    numWorkers: number,
    options: WorkerPoolOptions,
    execArgv: readonly string[] | undefined,
    iterable: boolean,
  ) {
    this.size = numWorkers;
    this.spec = spec;
    this.timeout = options.timeout;
    for (let id = 0; id < numWorkers; id++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          id,
          numWorkers,
          seed: options.baseSeed + id,
          spec,
          preload,
          infoKey: WORKER_INFO_KEY,
          iterable,
        },
        ...(execArgv === undefined ? {} : { execArgv: [...execArgv] }),
      });
      const slot: Slot = { worker, pending: new Map(), streams: new Map(), dead: null };
      worker.unref();
      worker.on('message', (msg: WorkerReply) => this.onMessage(id, slot, msg));
      worker.on('error', (e: Error) =>
        this.kill(
          slot,
          new WorkerError(`DataLoader worker ${id} crashed: ${e.name}: ${e.message}`, { workerId: id }),
        ),
      );
      worker.on('exit', (code: number) => {
        if (!this.closed) {
          this.kill(
            slot,
            new WorkerError(`DataLoader worker ${id} exited unexpectedly (exit code ${code})`, {
              workerId: id,
            }),
          );
        }
      });
      this.slots.push(slot);
    }
  }

  load(workerId: number, indices: readonly number[], batched = false): Promise<WorkerLoad> {
    const slot = this.slots[workerId];
    if (slot === undefined) return Promise.reject(new ValueError(`WorkerPool.load: no worker ${workerId}`));
    if (this.closed) return Promise.reject(new WorkerError('DataLoader workers were closed', { workerId }));
    if (slot.dead !== null) return Promise.reject(slot.dead);
    const id = this.nextId++;
    return new Promise<WorkerLoad>((resolve, reject) => {
      const timer =
        this.timeout > 0
          ? setTimeout(() => {
              slot.pending.delete(id);
              this.updateRef(slot);
              reject(
                new WorkerError(
                  `DataLoader worker ${workerId}: timed out after ${this.timeout} ms loading indices [${preview(indices)}]`,
                  { workerId },
                ),
              );
            }, this.timeout)
          : undefined;
      slot.pending.set(id, { indices, resolve, reject, timer });
      this.updateRef(slot);
      slot.worker.postMessage({ type: 'load', id, indices: [...indices], batched });
    });
  }

  iterate(workerId: number, options: WorkerStreamOptions): WorkerStream {
    const slot = this.slots[workerId];
    if (slot === undefined) throw new ValueError(`WorkerPool.iterate: no worker ${workerId}`);
    const id = this.nextId++;
    const state: StreamState = { chunks: [], ended: false, error: slot.dead, waiter: null };
    if (slot.dead === null && !this.closed) {
      slot.streams.set(id, state);
      this.updateRef(slot);
      slot.worker.postMessage({ type: 'iterate', id, ...options });
    } else {
      state.error ??= new WorkerError('DataLoader workers were closed', { workerId });
    }
    return {
      next: () => {
        const chunk = state.chunks.shift();
        if (chunk !== undefined) {
          if (slot.dead === null) slot.worker.postMessage({ type: 'ack', id });
          return Promise.resolve(chunk);
        }
        if (state.error !== null) return Promise.reject(state.error);
        if (state.ended) return Promise.resolve(null);
        return new Promise<unknown[] | null>((resolve, reject) => {
          const timer =
            this.timeout > 0
              ? setTimeout(() => {
                  state.waiter = null;
                  reject(
                    new WorkerError(
                      `DataLoader worker ${workerId}: timed out after ${this.timeout} ms waiting for a batch`,
                      {
                        workerId,
                      },
                    ),
                  );
                }, this.timeout)
              : undefined;
          state.waiter = {
            resolve: (c) => {
              if (timer !== undefined) clearTimeout(timer);
              if (c !== null && slot.dead === null) slot.worker.postMessage({ type: 'ack', id });
              resolve(c);
            },
            reject: (e) => {
              if (timer !== undefined) clearTimeout(timer);
              reject(e);
            },
          };
        });
      },
      stop: () => {
        if (!slot.streams.has(id)) return;
        slot.streams.delete(id);
        this.updateRef(slot);
        if (slot.dead === null && !this.closed) slot.worker.postMessage({ type: 'stop', id });
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) {
      this.kill(
        slot,
        new WorkerError('DataLoader workers were closed', { workerId: this.slots.indexOf(slot) }),
      );
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private onMessage(workerId: number, slot: Slot, msg: WorkerReply): void {
    const stream = slot.streams.get(msg.id);
    if (stream !== undefined) {
      this.onStreamMessage(workerId, slot, stream, msg);
      return;
    }
    const task = slot.pending.get(msg.id);
    if (task === undefined || msg.type === 'chunk' || msg.type === 'end') return;
    slot.pending.delete(msg.id);
    if (task.timer !== undefined) clearTimeout(task.timer);
    this.updateRef(slot);
    if (msg.type === 'result') {
      task.resolve('batch' in msg ? { batch: decode(msg.batch) } : { samples: msg.samples.map(decode) });
    } else if (msg.type === 'error') {
      const what = msg.index === null ? `getBatch([${preview(task.indices)}])` : `get(${msg.index})`;
      task.reject(
        new WorkerError(
          `DataLoader worker ${workerId}: dataset.${what} failed: ${msg.error.name}: ${msg.error.message}${stackOf(msg.error)}`,
          msg.index === null ? { workerId } : { workerId, index: msg.index },
        ),
      );
    } else {
      task.reject(
        new WorkerError(
          `DataLoader worker ${workerId}: cannot create the data set from '${this.spec.module}' (export '${this.spec.exportName ?? 'default'}'): ${msg.error.name}: ${msg.error.message}${stackOf(msg.error)}`,
          { workerId },
        ),
      );
    }
  }

  private onStreamMessage(workerId: number, slot: Slot, stream: StreamState, msg: WorkerReply): void {
    let error: Error | null = null;
    if (msg.type === 'result') return;
    if (msg.type === 'chunk') {
      const chunk = msg.samples.map(decode);
      if (stream.waiter !== null) {
        const w = stream.waiter;
        stream.waiter = null;
        w.resolve(chunk);
      } else {
        stream.chunks.push(chunk);
      }
      return;
    }
    slot.streams.delete(msg.id);
    this.updateRef(slot);
    if (msg.type === 'end') {
      stream.ended = true;
    } else if (msg.type === 'error') {
      error = new WorkerError(
        `DataLoader worker ${workerId}: iterating the data set failed after ${msg.index ?? 0} samples: ${msg.error.name}: ${msg.error.message}${stackOf(msg.error)}`,
        { workerId, index: msg.index ?? 0 },
      );
    } else {
      error = new WorkerError(
        `DataLoader worker ${workerId}: cannot create the data set from '${this.spec.module}' (export '${this.spec.exportName ?? 'default'}'): ${msg.error.name}: ${msg.error.message}${stackOf(msg.error)}`,
        { workerId },
      );
    }
    stream.error = error;
    if (stream.waiter !== null) {
      const w = stream.waiter;
      stream.waiter = null;
      if (error !== null) w.reject(error);
      else w.resolve(null);
    }
  }

  private kill(slot: Slot, error: WorkerError): void {
    slot.dead ??= error;
    for (const stream of slot.streams.values()) {
      stream.error = error;
      const w = stream.waiter;
      stream.waiter = null;
      w?.reject(error);
    }
    slot.streams.clear();
    for (const task of slot.pending.values()) {
      if (task.timer !== undefined) clearTimeout(task.timer);
      task.reject(
        new WorkerError(`${error.message} while loading indices [${preview(task.indices)}]`, {
          workerId: error.workerId,
        }),
      );
    }
    slot.pending.clear();
    this.updateRef(slot);
  }

  private updateRef(slot: Slot): void {
    // NOTE: an idle (persistent) worker must not keep the process alive; a busy one must, or a
    // script awaiting its batch would exit early.
    if (slot.pending.size + slot.streams.size > 0 && slot.dead === null) slot.worker.ref();
    else slot.worker.unref();
  }
}

function decode(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  if (isHostTensorMessage(v)) return new HostTensor(v.data, v.shape, v.dtype);
  if ((v as Partial<Image>).kilnDataKind === 'Image') {
    const img = v as Image;
    return new Image(img.data, img.height, img.width, img.channels);
  }
  if (Array.isArray(v)) return v.map(decode);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = decode(x);
  return out;
}

function stackOf(e: ErrorInfo): string {
  return e.stack === undefined ? '' : `\n--- worker stack ---\n${e.stack}`;
}

function preview(indices: readonly number[]): string {
  return indices.length <= 8
    ? indices.join(', ')
    : `${indices.slice(0, 8).join(', ')}, … (${indices.length})`;
}

function toModuleUrl(spec: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(spec)) return spec;
  if (spec.startsWith('.') || isAbsolute(spec)) return pathToFileURL(resolve(spec)).href;
  return spec;
}

async function instantiate(ref: DatasetSpec): Promise<unknown> {
  const mod = (await import(/* @vite-ignore */ ref.module)) as Record<string, unknown>;
  const name = ref.exportName ?? 'default';
  const target = mod[name];
  if (target === undefined)
    throw new ValueError(`workerDataset: module '${ref.module}' has no export '${name}'`);
  const args = ref.args ?? [];
  if (typeof target !== 'function') return target;
  if (/^class[\s{]/.test(Function.prototype.toString.call(target))) {
    const ctor = target as (new (...a: unknown[]) => unknown) & { create?: (...a: unknown[]) => unknown };
    return typeof ctor.create === 'function' ? await ctor.create(...args) : new ctor(...args);
  }
  return await (target as (...a: unknown[]) => unknown)(...args);
}
