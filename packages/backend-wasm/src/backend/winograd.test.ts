// conv2d by Winograd F(2×2, 3×3) (3×3, stride 1, dilation 1, one group, ≥ 16 channels in and
// out) against a float64 direct convolution on the host: odd and even sizes, padding 0–2, strided
// inputs, 1 and 2 threads, with and without the fused multiply-add build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../index.js';
import type { Conv2dParams } from '../internal/tensor-types.js';
import { expectClose, makeOut, makeTensor, readOut, rng } from '../internal/test-views.js';
import type { WasmContext } from './context.js';
import { WASM_INTERNALS } from './create-backend.js';

const backends: [string, WasmBackend][] = [];
/** Calls of the Winograd kernel on the first backend (so the tests know the path was taken). */
let winogradCalls = 0;
beforeAll(async () => {
  const first = await createWasmBackend({ guards: true });
  const { ctx } = (first as unknown as Record<symbol, { ctx: WasmContext }>)[WASM_INTERNALS]!;
  const k = ctx.k as unknown as Record<string, (...a: number[]) => void>;
  const kernel = k.winogradImagesK!;
  k.winogradImagesK = (...a: number[]) => {
    winogradCalls++;
    kernel(...a);
  };
  backends.push(['1 thread, guards', first]);
  backends.push(['1 thread, multiply + add', await createWasmBackend({ fusedMultiplyAdd: false })]);
  backends.push(['2 threads', await createWasmBackend({ threads: 2 })]);
});
afterAll(async () => {
  for (const [, be] of backends) await be.dispose();
});

function directConv(
  x: number[],
  [N, C, H, W]: readonly number[],
  w: number[],
  O: number,
  p: number,
): { y: number[]; Ho: number; Wo: number } {
  const Ho = H! + 2 * p - 2;
  const Wo = W! + 2 * p - 2;
  const y = new Array<number>(N! * O * Ho * Wo).fill(0);
  for (let n = 0; n < N!; n++)
    for (let o = 0; o < O; o++)
      for (let h = 0; h < Ho; h++)
        for (let v = 0; v < Wo; v++) {
          let s = 0;
          for (let c = 0; c < C!; c++)
            for (let i = 0; i < 3; i++)
              for (let j = 0; j < 3; j++) {
                const hh = h + i - p;
                const ww = v + j - p;
                if (hh < 0 || hh >= H! || ww < 0 || ww >= W!) continue;
                s += x[((n * C! + c) * H! + hh) * W! + ww]! * w[((o * C! + c) * 3 + i) * 3 + j]!;
              }
          y[((n * O + o) * Ho + h) * Wo + v] = s;
        }
  return { y, Ho, Wo };
}

const CASES: readonly { x: [number, number, number, number]; o: number; p: number }[] = [
  { x: [2, 16, 8, 8], o: 16, p: 1 },
  { x: [3, 16, 7, 9], o: 24, p: 1 }, // odd output sizes: partial tiles at the right and bottom
  { x: [1, 20, 5, 5], o: 17, p: 0 }, // 3×3 output, tile groups mostly outside
  { x: [2, 16, 6, 13], o: 16, p: 2 }, // padding wider than the kernel's reach
  { x: [5, 32, 12, 12], o: 32, p: 1 }, // more images than threads
];

describe.each(CASES)('conv2d through Winograd, x $x, $o outputs, padding $p', ({ x: shape, o, p }) => {
  it.each(['contiguous', 'permuted'] as const)('matches the direct convolution (%s input)', (layout) => {
    const before = winogradCalls;
    for (const [label, be] of backends) {
      const r = rng(shape[1] * 31 + o + p);
      const x = makeTensor(be, 'float32', shape, layout, r);
      const w = makeTensor(be, 'float32', [o, shape[1], 3, 3], 'contiguous', r);
      const params: Conv2dParams = { stride: [1, 1], padding: [p, p], dilation: [1, 1], groups: 1 };
      const ref = directConv(x.values, shape, w.values, o, p);
      const y = makeOut(be, 'float32', [shape[0], o, ref.Ho, ref.Wo]);
      be.kernels.conv2d!(x.view, w.view, null, params, y);
      expectClose(readOut(be, y), ref.y, 1e-4, 1e-4, `${label}`);
      for (const s of [x.storage, w.storage, y.storage]) be.free(s);
    }
    expect(winogradCalls).toBeGreaterThan(before);
  });
});

function directBackwardInput(
  gOut: number[],
  [N, O, Ho, Wo]: readonly number[],
  w: number[],
  [C, H, W]: readonly number[],
  p: number,
): number[] {
  const dx = new Array<number>(N! * C! * H! * W!).fill(0);
  for (let n = 0; n < N!; n++)
    for (let o = 0; o < O!; o++)
      for (let h = 0; h < Ho!; h++)
        for (let v = 0; v < Wo!; v++) {
          const go = gOut[((n * O! + o) * Ho! + h) * Wo! + v]!;
          for (let c = 0; c < C!; c++)
            for (let i = 0; i < 3; i++)
              for (let j = 0; j < 3; j++) {
                const hh = h + i - p;
                const ww = v + j - p;
                if (hh < 0 || hh >= H! || ww < 0 || ww >= W!) continue;
                dx[((n * C! + c) * H! + hh) * W! + ww]! += go * w[((o * C! + c) * 3 + i) * 3 + j]!;
              }
        }
  return dx;
}

describe.each([
  { x: [2, 16, 7, 9] as const, o: 24, p: 1 },
  { x: [3, 20, 6, 6] as const, o: 16, p: 0 },
  { x: [1, 16, 5, 8] as const, o: 16, p: 2 },
])('conv2d input gradient through Winograd, x $x, $o outputs, padding $p', ({ x: shape, o, p }) => {
  it('matches the direct transposed convolution (flipped kernel, swapped channels)', () => {
    const before = winogradCalls;
    const [N, C, H, W] = shape;
    const Ho = H + 2 * p - 2;
    const Wo = W + 2 * p - 2;
    for (const [label, be] of backends) {
      const r = rng(C * 7 + o + p);
      const g = makeTensor(be, 'float32', [N, o, Ho, Wo], 'permuted', r);
      const w = makeTensor(be, 'float32', [o, C, 3, 3], 'contiguous', r);
      const params: Conv2dParams = { stride: [1, 1], padding: [p, p], dilation: [1, 1], groups: 1 };
      const dx = makeOut(be, 'float32', [N, C, H, W]);
      be.kernels.conv2dBackwardInput!(g.view, w.view, params, dx);
      const want = directBackwardInput(g.values, [N, o, Ho, Wo], w.values, [C, H, W], p);
      expectClose(readOut(be, dx), want, 1e-4, 1e-4, label);
      for (const s of [g.storage, w.storage, dx.storage]) be.free(s);
    }
    expect(winogradCalls).toBeGreaterThan(before);
  });
});
