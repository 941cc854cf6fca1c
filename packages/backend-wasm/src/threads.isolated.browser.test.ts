import type { BackendInfo } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from './index.js';

// Run by `pnpm test:browser` in a page served with COOP/COEP headers (the `wasm-chromium-isolated`
// project of vitest.browser.config.ts), so SharedArrayBuffer exists. Threads still cannot run on
// the page's main thread (it may not block in Atomics.wait), so the threaded backend is created
// inside a dedicated Web Worker, which starts the pool's own workers over the shared memory.

/** What the worker below reports back: the two runs, or why it failed. */
type WorkerReport = WorkerResult | { readonly error: string };

interface WorkerResult {
  readonly isolated: boolean;
  readonly threaded: BackendInfo;
  readonly single: BackendInfo;
  /** Largest |threaded − single-thread| over the matmul outputs and the exp outputs. */
  readonly maxMatmulDiff: number;
  readonly maxExpDiff: number;
  readonly checksum: number;
}

// A module worker: plain JavaScript, so the page needs no bundler step for it. It imports the
// backend from the URL Vite serves this package's entry at (Vite rewrites that module's own
// imports to absolute URLs, so they resolve from the worker too).
const WORKER_SOURCE = `
const M = 192, K = 320, N = 256, E = 1 << 20;
const fill = (n, seed) => {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 4294967296 - 0.5; }
  return a;
};
async function compute(createWasmBackend, threads) {
  const be = await createWasmBackend({ threads });
  // a is stored [K, M] and used transposed (strides [1, M]): the weight-gradient case.
  const a = be.alloc('float32', K * M), b = be.alloc('float32', K * N), c = be.alloc('float32', M * N);
  be.write(a, fill(K * M, 1));
  be.write(b, fill(K * N, 2));
  be.matmul(
    { storage: a, shape: [M, K], strides: [1, M], offset: 0 },
    { storage: b, shape: [K, N], strides: [N, 1], offset: 0 },
    { storage: c, shape: [M, N], offset: 0 },
  );
  const x = be.alloc('float32', E), y = be.alloc('float32', E);
  be.write(x, fill(E, 3));
  be.unary('exp', { storage: x, shape: [E], strides: [1], offset: 0 }, { storage: y, shape: [E], offset: 0 });
  const out = { info: be.info(), c: be.readSync(c, 0, M * N), y: be.readSync(y, 0, E) };
  for (const s of [a, b, c, x, y]) be.free(s);
  return out;
}
self.onmessage = async (e) => {
  try {
    const { createWasmBackend } = await import(e.data.url);
    const t = await compute(createWasmBackend, e.data.threads);
    const s = await compute(createWasmBackend, 1);
    let maxMatmulDiff = 0, maxExpDiff = 0, checksum = 0;
    for (let i = 0; i < t.c.length; i++) { maxMatmulDiff = Math.max(maxMatmulDiff, Math.abs(t.c[i] - s.c[i])); checksum += t.c[i]; }
    for (let i = 0; i < t.y.length; i++) maxExpDiff = Math.max(maxExpDiff, Math.abs(t.y[i] - s.y[i]));
    self.postMessage({ isolated: self.crossOriginIsolated, threaded: t.info, single: s.info, maxMatmulDiff, maxExpDiff, checksum });
  } catch (err) {
    self.postMessage({ error: String(err && err.stack ? err.stack : err) });
  }
};
`;

function runInWorker(threads: number): Promise<WorkerReport> {
  const entry = new URL('./index.ts', import.meta.url).href;
  const blob = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(blob, { type: 'module' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<WorkerReport>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('the worker gave no answer within 30 s')), 30_000);
    worker.onmessage = (e: MessageEvent<WorkerReport>) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(`the worker failed: ${e.message}`));
    worker.postMessage({ url: entry, threads });
  }).finally(() => {
    clearTimeout(timer);
    worker.terminate();
    URL.revokeObjectURL(blob);
  });
}

describe('threads in a cross-origin-isolated page', () => {
  it('the page is isolated: SharedArrayBuffer exists', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    expect(typeof SharedArrayBuffer).toBe('function');
  });

  it("falls back to one thread on the page's main thread, saying why", async () => {
    const backend = await createWasmBackend({ threads: 2 });
    const info = backend.info();
    expect(info.threads).toBe(1);
    expect(info.notes).toHaveLength(1);
    expect(info.notes[0]).toMatch(/^threads: asked for 2, running on 1 thread \(a browser's main thread/);
  });

  it('runs 2 threads inside a Web Worker, agreeing with one thread', async () => {
    const r = await runInWorker(2);
    if ('error' in r) throw new Error(`the worker failed: ${r.error}`);
    expect(r.isolated).toBe(true);
    expect(r.threaded.threads).toBe(2);
    expect(r.threaded.sharedMemory).toBe(true);
    expect(r.threaded.notes).toEqual([]);
    expect(r.single.threads).toBe(1);
    expect(Number.isFinite(r.checksum)).toBe(true);
    expect(r.maxMatmulDiff).toBeLessThan(1e-4);
    expect(r.maxExpDiff).toBe(0);
  });
});
