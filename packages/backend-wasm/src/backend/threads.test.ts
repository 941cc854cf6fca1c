import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import type { Backend } from '../internal/tensor-types.js';
import { expectClose, makeOut, makeTensor, readOut, rng } from '../internal/test-views.js';

let mt: Backend;
let st: Backend;
beforeAll(async () => {
  mt = await createWasmBackend({ threads: 3 });
  st = await createWasmBackend();
});
afterAll(() => {
  // Workers are unref'd; nothing to close.
});

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
    expect(mt.info().notes).toEqual([]);
    expect(mt.info().sharedMemory).toBe(true);
  });

  it('matmul split across threads equals the single-threaded result', () => {
    for (const [m, n, k] of [
      [300, 200, 150],
      [37, 700, 64],
      [700, 20, 64],
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
