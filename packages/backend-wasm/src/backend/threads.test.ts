import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../index.js';
import type { Runner } from '../internal/runner.js';
import { type Backend, BackendError } from '../internal/tensor-types.js';
import { expectClose, makeOut, makeTensor, readOut, rng } from '../internal/test-views.js';
import type { WasmContext } from './context.js';
import { WASM_INTERNALS } from './create-backend.js';
import type { ThreadRunner } from './threads.js';

let mt: WasmBackend;
let st: WasmBackend;
beforeAll(async () => {
  mt = await createWasmBackend({ threads: 3 });
  st = await createWasmBackend();
});
afterAll(async () => {
  await mt.dispose();
  await st.dispose();
});

function internals(be: Backend): { runner: Runner; ctx: WasmContext } {
  return (be as unknown as Record<symbol, { runner: Runner; ctx: WasmContext }>)[WASM_INTERNALS]!;
}

/** A matmul large enough to be split across threads (2·m·n·k ≥ 4e6), checked against a plain loop. */
function matmulCheck(be: Backend, m = 200, n = 136, k = 150): void {
  const r = rng(5);
  const a = makeTensor(be, 'float32', [m, k], 'contiguous', r);
  const b = makeTensor(be, 'float32', [k, n], 'contiguous', r);
  const out = makeOut(be, 'float32', [m, n]);
  be.matmul(a.view, b.view, out);
  const got = readOut(be, out);
  const A = be.readSync!(a.storage, 0, m * k) as Float32Array;
  const B = be.readSync!(b.storage, 0, k * n) as Float32Array;
  const want: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += A[i * k + p]! * B[p * n + j]!;
      want.push(acc);
    }
  expectClose(got, want, 1e-4, 1e-4, `matmul ${m}x${n}x${k}`);
  be.free(a.storage);
  be.free(b.storage);
  be.free(out.storage);
}

/** Runs the same kernel on both backends and compares. */
function same(
  label: string,
  shapeA: number[],
  shapeB: number[] | null,
  run: (
    be: Backend,
    a: ReturnType<typeof makeTensor>,
    b: ReturnType<typeof makeTensor> | null,
  ) => { out: ReturnType<typeof makeOut> },
  tol = 1e-6,
): void {
  const results: number[][] = [];
  for (const be of [mt, st]) {
    const r = rng(77);
    const a = makeTensor(be, 'float32', shapeA, 'permuted', r);
    const b = shapeB === null ? null : makeTensor(be, 'float32', shapeB, 'contiguous', r);
    const { out } = run(be, a, b);
    results.push(readOut(be, out));
    be.free(a.storage);
    if (b !== null) be.free(b.storage);
    be.free(out.storage);
  }
  expectClose(results[0]!, results[1]!, tol, tol, label);
}

describe('threads', () => {
  it('reports its threads and shared memory', () => {
    expect(mt.info().threads).toBe(3);
    expect(mt.info().notes.filter((n) => n.startsWith('threads'))).toEqual([]);
    expect(mt.info().sharedMemory).toBe(true);
  });

  it('matmul split across threads equals the single-threaded result', () => {
    for (const [m, n, k] of [
      [300, 200, 150],
      [37, 700, 64],
      [700, 20, 64],
      [129, 1001, 300],
      [64, 64, 1100],
    ] as const) {
      same(`matmul ${m}x${n}x${k}`, [m, k], [k, n], (be, a, b) => {
        const out = makeOut(be, 'float32', [m, n]);
        be.matmul(a.view, b!.view, out);
        return { out };
      });
    }
  });

  it('large elementwise, reductions and softmax agree', () => {
    same('exp', [300, 1000], null, (be, a) => {
      const out = makeOut(be, 'float32', [300, 1000]);
      be.unary('exp', a.view, out);
      return { out };
    });
    same('add broadcast', [300, 1000], [1000], (be, a, b) => {
      const out = makeOut(be, 'float32', [300, 1000]);
      be.binary('add', a.view, { ...b!.view, shape: [300, 1000], strides: [0, 1] }, out);
      return { out };
    });
    same('sum rows', [300, 1000], null, (be, a) => {
      const out = makeOut(be, 'float32', [300]);
      be.reduce('sum', a.view, [1], out);
      return { out };
    });
    same('softmax', [300, 1000], null, (be, a) => {
      const out = makeOut(be, 'float32', [300, 1000]);
      be.kernels.softmax!(a.view, 1, out);
      return { out };
    });
  });

  it('adamStep and sgdStep split into chunks agree', () => {
    const n = 300_001;
    const results: number[][] = [];
    for (const be of [mt, st]) {
      const r = rng(9);
      const [p, g, m, v, buf] = [0, 1, 2, 3, 4].map(() => makeTensor(be, 'float32', [n], 'contiguous', r));
      for (const t of [m!, v!]) be.write(t.storage, new Float32Array(t.values.map(Math.abs)));
      for (let step = 1; step <= 2; step++) {
        be.kernels.adamStep!(p!.view, g!.view, m!.view, v!.view, {
          lr: 1e-2,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0.01,
          decoupled: true,
          step,
          maximize: false,
        });
        be.kernels.sgdStep!(p!.view, g!.view, buf!.view, {
          lr: 1e-2,
          momentum: 0.9,
          dampening: 0,
          weightDecay: 0,
          nesterov: true,
          maximize: false,
          firstStep: step === 1,
        });
      }
      results.push([...(be.readSync!(p!.storage, 0, n) as Float32Array)]);
      for (const t of [p!, g!, m!, v!, buf!]) be.free(t.storage);
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('batched matmul split over matrices agrees', () => {
    same('bmm', [12, 70, 90], [12, 90, 60], (be, a, b) => {
      const out = makeOut(be, 'float32', [12, 70, 60]);
      be.matmul(a.view, b!.view, out);
      return { out };
    });
  });

  it('large conv2d (split over images, shared panels per image) and its gradients agree', () => {
    const p = { stride: [1, 1] as const, padding: [1, 1] as const, dilation: [1, 1] as const, groups: 1 };
    for (const n of [1, 7]) {
      same(
        `conv2d n=${n}`,
        [n, 16, 30, 30],
        [24, 16, 3, 3],
        (be, x, w) => {
          const out = makeOut(be, 'float32', [n, 24, 30, 30]);
          be.kernels.conv2d!(x.view, w!.view, null, p, out);
          return { out };
        },
        1e-5,
      );
    }
    same(
      'conv2dBackwardWeight (accumulating threaded GEMM)',
      [6, 16, 30, 30],
      [6, 24, 30, 30],
      (be, x, g) => {
        const out = makeOut(be, 'float32', [24, 16, 3, 3]);
        be.kernels.conv2dBackwardWeight!(x.view, g!.view, p, out);
        return { out };
      },
      1e-4,
    );
  });

  it('conv2d and its gradients agree', () => {
    const p = { stride: [1, 1] as const, padding: [1, 1] as const, dilation: [1, 1] as const, groups: 1 };
    same(
      'conv2d',
      [4, 8, 20, 20],
      [16, 8, 3, 3],
      (be, x, w) => {
        const out = makeOut(be, 'float32', [4, 16, 20, 20]);
        be.kernels.conv2d!(x.view, w!.view, null, p, out);
        return { out };
      },
      1e-5,
    );
    same(
      'conv2dBackwardWeight',
      [4, 8, 20, 20],
      [4, 16, 20, 20],
      (be, x, g) => {
        const out = makeOut(be, 'float32', [16, 8, 3, 3]);
        be.kernels.conv2dBackwardWeight!(x.view, g!.view, p, out);
        return { out };
      },
      1e-5,
    );
  });

  it('falls back to one thread with a note when SharedArrayBuffer is missing', async () => {
    const saved = globalThis.SharedArrayBuffer;
    // biome-ignore lint/suspicious/noExplicitAny: simulating a runtime without SharedArrayBuffer
    (globalThis as any).SharedArrayBuffer = undefined;
    try {
      const be = await createWasmBackend({ threads: 4 });
      expect(be.info().threads).toBe(1);
      expect(be.info().notes.join('\n')).toMatch(
        /asked for 4, running on 1 thread \(SharedArrayBuffer is unavailable/,
      );
      const s = be.alloc('float32', 2);
      be.write(s, new Float32Array([1, 2]));
      const out = makeOut(be, 'float32', [2]);
      be.unary('neg', { storage: s, shape: [2], strides: [1], offset: 0 }, out);
      expect(readOut(be, out)).toEqual([-1, -2]);
    } finally {
      globalThis.SharedArrayBuffer = saved;
    }
  });
});

describe('thread pool robustness', () => {
  it('a worker terminated between kernels: the next kernels complete on the threads left', async () => {
    const be = await createWasmBackend({ threads: 3 });
    const { runner } = internals(be);
    const tr = runner as ThreadRunner;
    await tr.workers[0]!.terminate();
    // Without a turn of the event loop the pool has not heard of the exit yet: the caller and the
    // other worker take the dead worker's share.
    const t0 = performance.now();
    matmulCheck(be);
    expect(performance.now() - t0).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 50));
    expect(be.info().threads).toBe(2);
    expect(be.info().notes.join('\n')).toMatch(/worker 1 exited/);
    matmulCheck(be);
    await tr.workers[1]!.terminate();
    matmulCheck(be);
    await new Promise((r) => setTimeout(r, 50));
    expect(be.info().threads).toBe(1);
    matmulCheck(be);
    await be.dispose();
  });

  it('a worker that dies holding a task gives a BackendError naming the op, then one thread', async () => {
    const be = await createWasmBackend({ threads: 2, threadStallTimeoutMs: 300 });
    const tr = internals(be).runner as ThreadRunner;
    tr.debugKillWorkerOnNextClaim();
    const t0 = performance.now();
    let err: unknown = null;
    try {
      matmulCheck(be, 300, 256, 200);
    } catch (e) {
      err = e;
    }
    const took = performance.now() - t0;
    expect(err).toBeInstanceOf(BackendError);
    expect(String((err as Error).message)).toMatch(
      /^matmul: wasm worker thread 1 stopped responding while running gemm/,
    );
    expect(took).toBeLessThan(12_000);
    expect(be.info().threads).toBe(1);
    expect(be.info().notes.join('\n')).toMatch(/worker pool was shut down/);
    // The backend keeps working, on the calling thread.
    matmulCheck(be, 300, 256, 200);
    await be.dispose();
  });

  it('a trap on a worker is rethrown on the caller as a BackendError with its message', async () => {
    const be = await createWasmBackend({ threads: 2 });
    const { runner, ctx } = internals(be);
    const tr = runner as ThreadRunner;
    const s = be.alloc('float32', 64);
    const p = ctx.params([64], [1]);
    const good = { name: 'fillK' as const, args: [4, 0, 1, p, (s as unknown as { ptr: number }).ptr, 0, 1] };
    const bad = { name: 'fillK' as const, args: [4, 0, 1, p, 0xfffffff0, 0, 1] };
    tr.debugWaitForWorkerClaim();
    runner.op = 'fill';
    let err: unknown = null;
    try {
      runner.tasks([bad, good]);
    } catch (e) {
      err = e;
    }
    expect(err).not.toBeNull();
    // Either the worker ran the bad task (BackendError with the trap's message) or, if the worker
    // never woke within the test hook's bound, the caller did (the wasm RuntimeError itself).
    expect(String((err as Error).message)).toMatch(/out of bounds/);
    if (err instanceof BackendError)
      expect(err.message).toMatch(/^fill: fillK failed on wasm worker thread 1/);
    // The pool is still usable.
    matmulCheck(be);
    expect(be.info().threads).toBe(2);
    be.free(s);
    await be.dispose();
  });

  it('dispose() stops the workers and the backend carries on on one thread', async () => {
    const be = await createWasmBackend({ threads: 2 });
    matmulCheck(be);
    await be.dispose();
    expect(be.info().threads).toBe(1);
    matmulCheck(be);
    await be.dispose();
  });
});
