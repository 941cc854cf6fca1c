// The worker pool: N - 1 workers share the wasm memory with the calling thread.
//
// A kernel call becomes a *job*: a list of independent tasks (function id and arguments) written
// into a shared task table. The calling thread publishes the job (one Atomics.notify), then claims
// tasks itself with the workers, one at a time, through a shared claim word (compare-and-swap), so
// the work never depends on a worker being scheduled: a worker that sleeps through the job leaves
// its share to the calling thread. Once no task is left to claim, the caller sleeps in
// Atomics.wait (with a timeout) until the tasks that workers claimed are done. Nobody spins.
//
// Liveness: a worker that exits or errors outside a task is noticed by its 'exit'/'error' event
// and simply stops claiming. A worker that dies (or stops) *while holding a task* is noticed by the
// caller's wait making no progress for the stall limit (WasmBackendOptions.threadStallTimeoutMs,
// at least 20× the caller's own slowest task of the job): the call throws a BackendError naming
// the operation and the kernel, the pool is shut down, and the backend carries on on one thread.
// A wasm trap or exception inside a task on a worker is caught there and rethrown on the caller
// as a BackendError with the worker's message.

import type { WasmHeap } from '../internal/heap.js';
import type { KernelExports } from '../internal/kernel-module.js';
import { type KernelTask, type RangeKernel, type Runner, scratchArg } from '../internal/runner.js';
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
  'padImagesK',
  'adamK',
  'sgdK',
  'col2imK',
  'epilogueK',
  'gemm',
  'gemmConv',
  'gemmPackB',
  'gemmPackBConv',
  'gemmPacked',
  'batchNormK',
  'crossEntropyK',
  'crossEntropyBackwardK',
  'winogradImagesK',
];

// Control block (Int32 words).
const SEQ = 0; // job generation; workers sleep on it; -1 = exit
const CLAIM = 1; // (gen & 0xfff) << 20 | tasks << 10 | next task
const DONE = 2; // tasks finished in the current job
const ERR = 3; // 0, or 1 + the slot of the first worker that failed
const CANCEL = 4; // 1: skip the remaining tasks (one failed)
const DIE = 5; // test hook: the next worker claim exits the worker
const HEADER = 8;
/** Per-worker words: the claimed task + 1 (0 when idle), pad. */
const SLOT_WORDS = 2;
/** Float64 words per task: fn id, arg count, index of the scratch argument (-1: none), args. */
const ARG_WORDS = 32;
/** Most tasks in one job (the claim word holds 10 bits of count and index). */
export const MAX_TASKS = 1023;
/** UTF-16 units per worker for an error message. */
const MSG_UNITS = 512;
/** Below this many scalar operations a call stays on the calling thread. */
const MIN_PARALLEL_WORK = 1 << 16;
/** Range kernels are split into at most this many tasks per thread (room for stealing). */
const TASKS_PER_THREAD = 4;
/**
 * How long (ms) a worker keeps looking for the next job before it sleeps in Atomics.wait. A
 * training step's kernels come tens of microseconds apart (the JavaScript between them), and a
 * futex wake-up costs about as much as a small kernel's share: in paired runs here, with kernels
 * 50 µs apart, 0.25 ms of looking took the 2-thread Adam step over 200k parameters from 0.16 to
 * 0.12 ms and the step's matmul from ~0.7 to ~0.6 ms (in 2 runs of 3; the VM is noisy). Bounded,
 * and never on the calling thread.
 */
const SPIN_MS = 0.25;
/** Default: a job making no progress for this long (ms) means a worker died. */
export const DEFAULT_STALL_MS = 10_000;
/** A worker that has not booted after this long (ms) is given up on. */
const START_TIMEOUT_MS = 30_000;

// The worker's source: plain JavaScript, started from a string so that it needs no file of its
// own (and so that bundlers have nothing to resolve). Runs in Node worker_threads and Web Workers.
const WORKER_SOURCE = `
'use strict';
function boot(d, post, exit) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory, abort() {} } });
  const fma = d.fma ? new WebAssembly.Instance(d.fma, { env: { memory: d.memory } }).exports : {};
  const fns = d.names.map((n) => fma[n] || inst.exports[n]);
  const c = new Int32Array(d.ctrl);
  const a = new Float64Array(d.args);
  const msg = new Uint16Array(d.msgs, d.slot * ${MSG_UNITS} * 2, ${MSG_UNITS});
  const MINE = ${HEADER} + d.slot * ${SLOT_WORDS};
  post('ready');
  let last = 0;
  for (;;) {
    // Look for the next job for SPIN_MS before sleeping: kernels often come back to back (a GEMM's
    // packing job, then its compute job; a training step's kernels), and a wake-up costs more.
    const spinUntil = performance.now() + ${SPIN_MS};
    for (let spin = 0; Atomics.load(c, ${SEQ}) === last; spin++) {
      if ((spin & 63) === 63 && performance.now() > spinUntil) break;
    }
    Atomics.wait(c, ${SEQ}, last);
    const s = Atomics.load(c, ${SEQ});
    if (s === last) continue;
    if (s < 0) return;
    last = s;
    const gen = s & 0xfff;
    for (;;) {
      const v = Atomics.load(c, ${CLAIM});
      if (((v >>> 20) & 0xfff) !== gen) break;
      const n = (v >>> 10) & 0x3ff;
      const i = v & 0x3ff;
      if (i >= n) break;
      if (Atomics.compareExchange(c, ${CLAIM}, v, v + 1) !== v) continue;
      Atomics.store(c, MINE, i + 1);
      if (Atomics.load(c, ${DIE}) === 1 && Atomics.exchange(c, ${DIE}, 0) === 1) {
        exit();
        return;
      }
      if (Atomics.load(c, ${CANCEL}) === 0) {
        try {
          const base = i * ${ARG_WORDS};
          const argc = a[base + 1];
          const sa = a[base + 2];
          const argv = new Array(argc);
          for (let j = 0; j < argc; j++) argv[j] = a[base + 3 + j];
          if (sa >= 0 && argv[sa] === -1) argv[sa] = d.scratch;
          fns[a[base]].apply(null, argv);
        } catch (e) {
          const t = String(e && e.stack ? e.stack : e).slice(0, ${MSG_UNITS - 1});
          for (let j = 0; j < t.length; j++) msg[j] = t.charCodeAt(j);
          msg[t.length] = 0;
          Atomics.compareExchange(c, ${ERR}, 0, d.slot + 1);
          Atomics.store(c, ${CANCEL}, 1);
        }
      }
      Atomics.store(c, MINE, 0);
      if (Atomics.add(c, ${DONE}, 1) + 1 === n) Atomics.notify(c, ${DONE});
    }
  }
}
if (typeof require === 'function' && typeof process !== 'undefined' && process.versions && process.versions.node) {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (d) => boot(d, (m) => parentPort.postMessage(m), () => process.exit(1)));
} else {
  self.onmessage = (e) => boot(e.data, (m) => self.postMessage(m), () => self.close());
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

/** A started worker: how to stop it and how to hear that it stopped. */
export interface PoolWorker {
  terminate(): unknown;
  /** Calls `fn` once if the worker exits or fails after it booted. */
  onGone(fn: (why: string) => void): void;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not start within ${ms} ms`)), ms);
    (t as { unref?: () => void }).unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

async function startWorker(data: Record<string, unknown>): Promise<PoolWorker> {
  const g = globalThis as { process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node !== undefined) {
    const spec = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`worker exited with code ${code} while starting`)));
          w.postMessage(data);
        }),
        START_TIMEOUT_MS,
        'a worker thread',
      );
    } catch (e) {
      void w.terminate();
      throw e;
    }
    w.removeAllListeners();
    return {
      terminate: () => w.terminate(),
      onGone(fn) {
        let told = false;
        const tell = (why: string) => {
          if (!told) fn(why);
          told = true;
        };
        w.on('error', (e) => tell(`failed: ${String(e)}`));
        w.on('exit', (code) => tell(`exited with code ${code}`));
      },
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        w.onmessage = () => resolve();
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage(data);
      }),
      START_TIMEOUT_MS,
      'a Web Worker',
    );
  } catch (e) {
    w.terminate();
    throw e;
  } finally {
    URL.revokeObjectURL(url);
  }
  return {
    terminate: () => w.terminate(),
    onGone(fn) {
      w.onerror = (e) => fn(`failed: ${e.message}`);
    },
  };
}

type AnyKernel = (...args: number[]) => unknown;

/** The user-facing name of a kernel export, for error messages. */
function kernelLabel(name: string): string {
  return name.startsWith('gemm') ? `${name} (GEMM)` : name;
}

/** Options of the pool. */
export interface ThreadPoolOptions {
  /** A job making no progress for this long (ms) means a worker died (default 10 s). */
  readonly stallTimeoutMs?: number;
  /** Called once with a line for `info().notes` when the pool loses workers or shuts down. */
  readonly note?: (line: string) => void;
}

export class ThreadRunner implements Runner {
  op = '';
  private seq = 0;
  private stopped: string | null = null;
  private readonly alive: boolean[];
  private readonly msgs: Uint16Array;
  private readonly stallMs: number;
  /** Test hook: make the next job wait (bounded) for a worker to claim a task first. */
  private waitForWorkerClaim = false;

  constructor(
    private readonly k: KernelExports,
    /** @internal exposed for tests */
    readonly workers: readonly PoolWorker[],
    private readonly ctrl: Int32Array,
    private readonly args: Float64Array,
    msgBuf: SharedArrayBuffer,
    /** GEMM scratch per thread (index 0: the caller). */
    private readonly scratch: readonly number[],
    private readonly opts: ThreadPoolOptions,
  ) {
    this.alive = workers.map(() => true);
    this.msgs = new Uint16Array(msgBuf);
    this.stallMs = opts.stallTimeoutMs ?? DEFAULT_STALL_MS;
    for (let slot = 0; slot < workers.length; slot++) {
      workers[slot]!.onGone((why) => {
        if (this.stopped !== null || !this.alive[slot]) return;
        this.alive[slot] = false;
        const left = this.alive.filter(Boolean).length;
        this.opts.note?.(
          `threads: worker ${slot + 1} ${why}; continuing with ${left + 1} thread${left === 0 ? '' : 's'}`,
        );
      });
    }
  }

  /** Threads that take part in parallel work: 1 once the pool is stopped or every worker is gone. */
  get threads(): number {
    if (this.stopped !== null) return 1;
    let n = 1;
    for (const a of this.alive) if (a) n++;
    return n;
  }

  /** The GEMM scratch of the calling thread. */
  callerScratch(): number {
    return this.scratch[0]!;
  }

  range(name: RangeKernel, args: readonly number[], total: number, cost: number): void {
    if (total <= 0) return;
    const threads = this.threads;
    const parts = Math.min(
      threads * TASKS_PER_THREAD,
      total,
      Math.max(1, Math.floor((total * cost) / MIN_PARALLEL_WORK)),
    );
    if (threads <= 1 || parts <= 1) {
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

  /** Runs `task` on the calling thread (its scratch substituted). */
  private runHere(task: KernelTask): void {
    const sa = scratchArg(task);
    if (sa >= 0 && task.args[sa] === -1) {
      const a = task.args.slice();
      a[sa] = this.scratch[0]!;
      (this.k[task.name] as AnyKernel)(...a);
    } else {
      (this.k[task.name] as AnyKernel)(...task.args);
    }
  }

  tasks(list: readonly KernelTask[]): void {
    if (list.length === 0) return;
    if (this.threads <= 1 || list.length === 1) {
      for (const t of list) this.runHere(t);
      return;
    }
    for (let from = 0; from < list.length; from += MAX_TASKS) {
      this.job(from === 0 && list.length <= MAX_TASKS ? list : list.slice(from, from + MAX_TASKS));
    }
  }

  private job(list: readonly KernelTask[]): void {
    const c = this.ctrl;
    const n = list.length;
    for (let t = 0; t < n; t++) {
      const task = list[t]!;
      const base = t * ARG_WORDS;
      const fnId = WORKER_FNS.indexOf(task.name);
      if (fnId < 0) throw new Error(`wasm threads: ${task.name} cannot run on a worker`);
      if (task.args.length > ARG_WORDS - 3)
        throw new Error(`wasm threads: too many arguments for ${task.name}`);
      this.args[base] = fnId;
      this.args[base + 1] = task.args.length;
      this.args[base + 2] = scratchArg(task);
      for (let i = 0; i < task.args.length; i++) this.args[base + 3 + i] = task.args[i]!;
    }
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERR, 0);
    Atomics.store(c, CANCEL, 0);
    this.seq = (this.seq + 1) & 0x7fffffff || 1;
    const gen = this.seq & 0xfff;
    Atomics.store(c, CLAIM, (gen << 20) | (n << 10));
    Atomics.store(c, SEQ, this.seq);
    Atomics.notify(c, SEQ);

    if (this.waitForWorkerClaim) {
      this.waitForWorkerClaim = false;
      const until = performance.now() + 10_000;
      for (;;) {
        const v = Atomics.load(c, CLAIM);
        if ((v & 0x3ff) !== 0 || performance.now() > until) break;
        Atomics.wait(c, CLAIM, v, 5);
      }
    }

    // Claim and run tasks here until none is left.
    let ownError: unknown = null;
    let ownWorst = 0;
    for (;;) {
      const v = Atomics.load(c, CLAIM);
      const i = v & 0x3ff;
      if (i >= n) break;
      if (Atomics.compareExchange(c, CLAIM, v, v + 1) !== v) continue;
      if (ownError === null && Atomics.load(c, CANCEL) === 0) {
        const t0 = performance.now();
        try {
          this.runHere(list[i]!);
        } catch (e) {
          ownError = e;
          Atomics.store(c, CANCEL, 1);
        }
        ownWorst = Math.max(ownWorst, performance.now() - t0);
      }
      Atomics.add(c, DONE, 1);
    }

    // Wait for the tasks that workers claimed, watching for progress.
    const limit = Math.max(this.stallMs, 20 * ownWorst);
    let seen = Atomics.load(c, DONE);
    let since = performance.now();
    while (seen < n) {
      Atomics.wait(c, DONE, seen, Math.min(50, limit));
      const now = performance.now();
      const d = Atomics.load(c, DONE);
      if (d !== seen) {
        seen = d;
        since = now;
      } else if (now - since > limit) {
        this.stall(list, limit);
      }
    }

    if (ownError !== null) throw ownError;
    const failed = Atomics.load(c, ERR);
    if (failed !== 0) {
      const slot = failed - 1;
      const m = this.msgs.subarray(slot * MSG_UNITS, (slot + 1) * MSG_UNITS);
      let text = '';
      for (let j = 0; j < m.length && m[j] !== 0; j++) text += String.fromCharCode(m[j]!);
      throw new BackendError(
        `${this.op || 'kernel'}: ${kernelLabel(list[0]!.name)} failed on wasm worker thread ${slot + 1}: ${text.split('\n')[0]}`,
      );
    }
  }

  /** A job stopped making progress: shut the pool down and throw. */
  private stall(list: readonly KernelTask[], limit: number): never {
    const held: number[] = [];
    for (let s = 0; s < this.workers.length; s++) {
      if (Atomics.load(this.ctrl, HEADER + s * SLOT_WORDS) !== 0) held.push(s + 1);
    }
    const who = held.length > 0 ? `wasm worker thread ${held.join(', ')}` : 'a wasm worker thread';
    const why = `${who} stopped responding while running ${kernelLabel(list[0]!.name)} (no progress for ${Math.round(limit)} ms)`;
    this.shutdown(`threads: the worker pool was shut down (${why}); running on 1 thread`);
    throw new BackendError(
      `${this.op || 'kernel'}: ${why}; its output is incomplete. The worker pool was shut down and this backend now runs on one thread\n` +
        'help: retry the operation; if a worker keeps dying, create the backend with threads: 1',
    );
  }

  private shutdown(note: string | null): Promise<void> {
    if (this.stopped !== null) return Promise.resolve();
    this.stopped = note ?? 'disposed';
    if (note !== null) this.opts.note?.(note);
    Atomics.store(this.ctrl, SEQ, -1);
    Atomics.notify(this.ctrl, SEQ);
    // NOTE: the workers' GEMM scratch stays allocated: a stalled worker might still write to it.
    const done = this.workers.map((w) => Promise.resolve(w.terminate()).catch(() => undefined));
    return Promise.all(done).then(() => undefined);
  }

  dispose(): Promise<void> {
    return this.shutdown(null);
  }

  /** @internal Test hook: the next worker to claim a task exits without finishing it. */
  debugKillWorkerOnNextClaim(): void {
    Atomics.store(this.ctrl, DIE, 1);
    this.waitForWorkerClaim = true;
  }

  /** @internal Test hook: the next job waits (up to 10 s) for a worker to claim its first task. */
  debugWaitForWorkerClaim(): void {
    this.waitForWorkerClaim = true;
  }
}

/** Starts `threads - 1` workers over a shared memory and returns the runner that drives them. */
export async function createThreadRunner(
  k: KernelExports,
  module: WebAssembly.Module,
  /** The relaxed-SIMD GEMM module the caller uses, or null. */
  fmaModule: WebAssembly.Module | null,
  memory: WebAssembly.Memory,
  heap: WasmHeap,
  threads: number,
  opts: ThreadPoolOptions = {},
): Promise<ThreadRunner> {
  const workers = threads - 1;
  const ctrlBuf = new SharedArrayBuffer((HEADER + workers * SLOT_WORDS) * 4);
  const argBuf = new SharedArrayBuffer(MAX_TASKS * ARG_WORDS * 8);
  const msgBuf = new SharedArrayBuffer(workers * MSG_UNITS * 2);
  const scratch: number[] = [];
  for (let t = 0; t < threads; t++) scratch.push(heap.alloc(k.gemmScratchBytes()));
  const boots = await Promise.allSettled(
    Array.from({ length: workers }, (_, slot) =>
      startWorker({
        module,
        fma: fmaModule,
        memory,
        ctrl: ctrlBuf,
        args: argBuf,
        msgs: msgBuf,
        slot,
        scratch: scratch[slot + 1],
        names: WORKER_FNS,
      }),
    ),
  );
  const started: PoolWorker[] = [];
  for (const b of boots) if (b.status === 'fulfilled') started.push(b.value);
  const failed = boots.find((b) => b.status === 'rejected');
  if (failed !== undefined) {
    for (const w of started) void w.terminate();
    for (const p of scratch) heap.free(p);
    throw (failed as PromiseRejectedResult).reason;
  }
  return new ThreadRunner(
    k,
    started,
    new Int32Array(ctrlBuf),
    new Float64Array(argBuf),
    msgBuf,
    scratch,
    opts,
  );
}
