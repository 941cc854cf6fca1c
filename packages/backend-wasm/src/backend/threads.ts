// The worker pool: N - 1 workers share the wasm memory with the calling thread. A kernel call is
// split into tasks; the caller writes each worker's task (function id and arguments) into a small
// shared control block, wakes it with Atomics.notify, runs its own share, then sleeps in
// Atomics.wait until every worker has stored its completion. Nobody spins.

import type { WasmHeap } from '../internal/heap.js';
import type { KernelExports } from '../internal/kernel-module.js';
import type { KernelTask, RangeKernel, Runner } from '../internal/runner.js';
import { BackendError } from '../internal/tensor-types.js';

/** Functions a worker may run, by index. */
const WORKER_FNS: readonly (keyof KernelExports)[] = [
  'unaryF',
  'unaryI',
  'binaryF',
  'binaryI',
  'whereK',
  'copyK',
  'fillK',
  'reduceK',
  'reduceColsF',
  'scanK',
  'gatherK',
  'softmaxK',
  'maxPoolK',
  'im2colK',
  'col2imK',
  'epilogueK',
  'gemm',
  'gemmConv',
];

/** Int32 words per worker in the control block: seq, done, error, pad. */
const CTRL_WORDS = 4;
/** Float64 words per worker for a task: fn id, arg count, up to 30 args. */
const ARG_WORDS = 32;
/** Below this many scalar operations a call stays on the calling thread. */
const MIN_PARALLEL_WORK = 1 << 16;

// The worker's source: plain JavaScript, started from a string so that it needs no file of its
// own (and so that bundlers have nothing to resolve). Runs in Node worker_threads and Web Workers.
const WORKER_SOURCE = `
'use strict';
function boot(d, post) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() {} } });
  const fns = d.names.map((n) => inst.exports[n]);
  const c = new Int32Array(d.ctrl);
  const a = new Float64Array(d.args);
  const SEQ = d.slot * ${CTRL_WORDS};
  const DONE = SEQ + 1;
  const ERR = SEQ + 2;
  const base = d.slot * ${ARG_WORDS};
  post('ready');
  let last = 0;
  for (;;) {
    Atomics.wait(c, SEQ, last);
    const s = Atomics.load(c, SEQ);
    if (s === last) continue;
    last = s;
    if (s < 0) break;
    try {
      const n = a[base + 1];
      const argv = new Array(n);
      for (let i = 0; i < n; i++) argv[i] = a[base + 2 + i];
      fns[a[base]].apply(null, argv);
    } catch (e) {
      Atomics.store(c, ERR, 1);
    }
    Atomics.store(c, DONE, s);
    Atomics.notify(c, DONE);
  }
}
if (typeof require === 'function' && typeof process !== 'undefined' && process.versions && process.versions.node) {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (d) => boot(d, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (e) => boot(e.data, (m) => self.postMessage(m));
}
`;

/**
 * Why threads cannot run here, or null when they can: needs SharedArrayBuffer, Atomics, and a
 * calling thread that may block (not a browser's main thread).
 */
export function threadSupport(): string | null {
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'SharedArrayBuffer is unavailable; in a browser the page must be cross-origin isolated (COOP/COEP headers)';
  }
  if (typeof Atomics === 'undefined' || typeof Atomics.wait !== 'function')
    return 'Atomics.wait is unavailable';
  const g = globalThis as {
    process?: { versions?: { node?: string } };
    document?: unknown;
    Worker?: unknown;
  };
  const isNode = g.process?.versions?.node !== undefined;
  if (!isNode && g.document !== undefined) {
    return "a browser's main thread cannot block in Atomics.wait; create the backend inside a Web Worker to use threads";
  }
  if (!isNode && typeof g.Worker !== 'function') return 'no Worker constructor in this runtime';
  return null;
}

interface PoolWorker {
  terminate(): unknown;
}

async function startWorker(data: Record<string, unknown>): Promise<PoolWorker> {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node !== undefined) {
    const spec = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
      w.postMessage(data);
    });
    return w;
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  await new Promise<void>((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage(data);
  });
  URL.revokeObjectURL(url);
  return w;
}

type AnyKernel = (...args: number[]) => unknown;

/** A GEMM task whose last argument (-1) asks for the running thread's packing scratch. */
function usesScratch(task: KernelTask): boolean {
  return (task.name === 'gemm' || task.name === 'gemmConv') && task.args[task.args.length - 1] === -1;
}

class ThreadRunner implements Runner {
  private seq = 0;
  private disposed = false;

  constructor(
    private readonly k: KernelExports,
    readonly threads: number,
    private readonly workers: readonly PoolWorker[],
    private readonly ctrl: Int32Array,
    private readonly args: Float64Array,
    /** GEMM scratch per thread (index 0: the caller). */
    private readonly scratch: readonly number[],
  ) {}

  range(name: RangeKernel, args: readonly number[], total: number, cost: number): void {
    if (total <= 0) return;
    const parts = Math.min(this.threads, total, Math.max(1, Math.floor((total * cost) / MIN_PARALLEL_WORK)));
    if (parts <= 1) {
      (this.k[name] as AnyKernel)(...args, 0, total);
      return;
    }
    const tasks: KernelTask[] = [];
    for (let t = 0; t < parts; t++) {
      const from = Math.floor((total * t) / parts);
      const to = Math.floor((total * (t + 1)) / parts);
      if (to > from) tasks.push({ name, args: [...args, from, to] });
    }
    this.tasks(tasks);
  }

  tasks(list: readonly KernelTask[]): void {
    if (list.length === 0) return;
    if (this.disposed) throw new BackendError('wasm: the backend was disposed');
    const n = Math.min(list.length, this.threads);
    const seq = ++this.seq;
    // Hand tasks 1..n-1 to workers 0..n-2.
    for (let t = 1; t < n; t++) {
      const task = list[t]!;
      const slot = t - 1;
      const base = slot * ARG_WORDS;
      const fnId = WORKER_FNS.indexOf(task.name);
      if (fnId < 0) throw new Error(`wasm threads: ${task.name} cannot run on a worker`);
      this.args[base] = fnId;
      this.args[base + 1] = task.args.length;
      for (let i = 0; i < task.args.length; i++) this.args[base + 2 + i] = task.args[i]!;
      const last = task.args.length - 1;
      if (usesScratch(task)) this.args[base + 2 + last] = this.scratch[t]!;
      Atomics.store(this.ctrl, slot * CTRL_WORDS, seq);
      Atomics.notify(this.ctrl, slot * CTRL_WORDS);
    }
    const own = list[0]!;
    const ownArgs =
      own.name === 'gemm' && own.args[12] === -1 ? [...own.args.slice(0, 12), this.scratch[0]!] : own.args;
    let ownError: unknown = null;
    try {
      (this.k[own.name] as AnyKernel)(...ownArgs);
    } catch (e) {
      ownError = e;
    }
    let failed = false;
    for (let t = 1; t < n; t++) {
      const done = (t - 1) * CTRL_WORDS + 1;
      for (;;) {
        const v = Atomics.load(this.ctrl, done);
        if (v === seq) break;
        Atomics.wait(this.ctrl, done, v);
      }
      const err = (t - 1) * CTRL_WORDS + 2;
      if (Atomics.load(this.ctrl, err) !== 0) {
        Atomics.store(this.ctrl, err, 0);
        failed = true;
      }
    }
    // Tasks beyond the thread count run here, after the parallel part.
    for (let t = n; t < list.length; t++) {
      const task = list[t]!;
      const a =
        task.name === 'gemm' && task.args[12] === -1
          ? [...task.args.slice(0, 12), this.scratch[0]!]
          : task.args;
      (this.k[task.name] as AnyKernel)(...a);
    }
    if (ownError !== null) throw ownError;
    if (failed)
      throw new BackendError(`wasm threads: a worker failed while running ${list[1]?.name ?? 'a kernel'}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.ctrl, w * CTRL_WORDS, -1);
      Atomics.notify(this.ctrl, w * CTRL_WORDS);
    }
    for (const w of this.workers) void w.terminate();
  }
}

/** Starts `threads - 1` workers over a shared memory and returns the runner that drives them. */
export async function createThreadRunner(
  k: KernelExports,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  heap: WasmHeap,
  threads: number,
): Promise<Runner> {
  const workers = threads - 1;
  const ctrlBuf = new SharedArrayBuffer(workers * CTRL_WORDS * 4);
  const argBuf = new SharedArrayBuffer(workers * ARG_WORDS * 8);
  const scratch: number[] = [];
  for (let t = 0; t < threads; t++) scratch.push(heap.alloc(k.gemmScratchBytes()));
  const started: PoolWorker[] = [];
  try {
    for (let slot = 0; slot < workers; slot++) {
      started.push(
        await startWorker({ module, memory, ctrl: ctrlBuf, args: argBuf, slot, names: WORKER_FNS }),
      );
    }
  } catch (e) {
    for (const w of started) void w.terminate();
    for (const p of scratch) heap.free(p);
    throw e;
  }
  return new ThreadRunner(k, threads, started, new Int32Array(ctrlBuf), new Float64Array(argBuf), scratch);
}
