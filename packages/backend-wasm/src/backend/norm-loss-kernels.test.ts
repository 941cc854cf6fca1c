// The batch-norm and cross-entropy kernels against float64 references on the host, on one thread
// (with heap guards) and on two (channel and row ranges split across the pool).
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../index.js';
import type { View } from '../internal/tensor-types.js';
import { expectClose, makeOut, makeTensor, readOut, rng } from '../internal/test-views.js';

let one: WasmBackend;
let two: WasmBackend;
beforeAll(async () => {
  one = await createWasmBackend({ guards: true });
  two = await createWasmBackend({ threads: 2 });
});
afterAll(async () => {
  await two.dispose();
});

function batchNormRef(
  x: number[],
  [N, C, S]: readonly number[],
  w: number[] | null,
  b: number[] | null,
  eps: number,
): { y: number[]; mean: number[]; variance: number[] } {
  const y = new Array<number>(x.length).fill(0);
  const mean: number[] = [];
  const variance: number[] = [];
  for (let c = 0; c < C!; c++) {
    const at = (n: number, i: number): number => (n * C! + c) * S! + i;
    let s = 0;
    for (let n = 0; n < N!; n++) for (let i = 0; i < S!; i++) s += x[at(n, i)]!;
    const mu = s / (N! * S!);
    let q = 0;
    for (let n = 0; n < N!; n++) for (let i = 0; i < S!; i++) q += (x[at(n, i)]! - mu) ** 2;
    const v = q / (N! * S!);
    const r = 1 / Math.sqrt(v + eps);
    for (let n = 0; n < N!; n++)
      for (let i = 0; i < S!; i++) y[at(n, i)] = (x[at(n, i)]! - mu) * r * (w?.[c] ?? 1) + (b?.[c] ?? 0);
    mean.push(mu);
    variance.push(v);
  }
  return { y, mean, variance };
}

function crossEntropyRef(
  x: number[],
  [N, C]: readonly number[],
  t: number[],
  g: number[],
  ignore: number,
): { loss: number[]; grad: number[] } {
  const loss: number[] = [];
  const grad: number[] = [];
  for (let i = 0; i < N!; i++) {
    const row = x.slice(i * C!, (i + 1) * C!);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const ti = t[i]!;
    loss.push(ti === ignore ? 0 : lse - row[ti]!);
    for (let j = 0; j < C!; j++)
      grad.push(ti === ignore ? 0 : g[i]! * (Math.exp(row[j]! - lse) - (j === ti ? 1 : 0)));
  }
  return { loss, grad };
}

const BN_SHAPES: readonly (readonly [number, number, number])[] = [
  [4, 3, 1], // BatchNorm1d on [N, C]
  [2, 5, 7], // spatial size not a multiple of 4
  [3, 2, 16],
  [64, 8, 30], // enough channels and work to split across threads
];

describe.each([
  ['1 thread', () => one],
  ['2 threads', () => two],
] as const)('wasm batchNorm and crossEntropy kernels (%s)', (_, get) => {
  it.each(BN_SHAPES)('batchNorm [%i, %i, %i] matches the float64 reference', (N, C, S) => {
    const be = get();
    const r = rng(N * 100 + C * 10 + S);
    const x = makeTensor(be, 'float32', [N, C, S], 'contiguous', r, () => Math.fround(r() * 6 - 2));
    for (const affine of [true, false]) {
      const w = affine ? makeTensor(be, 'float32', [C], 'contiguous', r) : null;
      const b = affine ? makeTensor(be, 'float32', [C], 'contiguous', r) : null;
      const out = makeOut(be, 'float32', [N, C, S]);
      const mean = makeOut(be, 'float32', [C]);
      const variance = makeOut(be, 'float32', [C]);
      be.kernels.batchNorm!(x.view, w?.view ?? null, b?.view ?? null, 1e-5, out, mean, variance);
      const ref = batchNormRef(x.values, [N, C, S], w?.values ?? null, b?.values ?? null, 1e-5);
      expectClose(readOut(be, out), ref.y, 2e-5, 2e-5, 'y');
      expectClose(readOut(be, mean), ref.mean, 1e-6, 1e-6, 'mean');
      expectClose(readOut(be, variance), ref.variance, 1e-5, 1e-6, 'variance');
      for (const s of [out.storage, mean.storage, variance.storage, w?.storage, b?.storage])
        if (s) be.free(s);
    }
    be.free(x.storage);
  });

  it.each([
    [5, 3],
    [7, 10],
    [300, 4],
    [130, 33],
  ])(
    'crossEntropy [%i, %i] and its backward match the reference (ignored rows, large logits, strided targets)',
    (N, C) => {
      const be = get();
      const r = rng(N * 7 + C);
      const x = makeTensor(be, 'float32', [N, C], 'contiguous', r, () => Math.fround((r() * 2 - 1) * 40));
      const ignore = -7;
      const targets = Array.from({ length: N }, (_, i) => (i % 5 === 3 ? ignore : Math.floor(r() * C)));
      // Targets with element stride 2 (every other int of a larger buffer).
      const tStorage = be.alloc('int32', 2 * N + 1);
      const raw = new Int32Array(2 * N + 1).fill(99);
      targets.forEach((t, i) => {
        raw[1 + 2 * i] = t;
      });
      be.write(tStorage, raw);
      const target: View = { storage: tStorage, shape: [N], strides: [2], offset: 1 };
      const g = makeTensor(be, 'float32', [N], 'contiguous', r);
      const loss = makeOut(be, 'float32', [N]);
      const grad = makeOut(be, 'float32', [N, C]);
      be.kernels.crossEntropy!(x.view, target, ignore, loss);
      be.kernels.crossEntropyBackward!(x.view, target, g.view, ignore, grad);
      const ref = crossEntropyRef(x.values, [N, C], targets, g.values, ignore);
      expectClose(readOut(be, loss), ref.loss, 1e-5, 1e-5, 'loss');
      expectClose(readOut(be, grad), ref.grad, 1e-5, 1e-6, 'grad');
      for (const s of [x.storage, tStorage, g.storage, loss.storage, grad.storage]) be.free(s);
    },
  );
});
