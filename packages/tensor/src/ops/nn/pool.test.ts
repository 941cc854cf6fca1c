import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { Generator } from '../../random/generator.js';
import { randn, tensor, zeros } from '../creation.js';
import { transpose } from '../shape.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from './pool.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './test-golden.js';

beforeAll(registerTestBackends);

type P = [number, number];

function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/** Direct max pooling with PyTorch's index convention. */
function refMaxPool(
  x: Tensor,
  k: P,
  s: P,
  p: P,
  d: P,
  ceil: boolean,
): { v: { shape: number[]; data: number[] }; i: number[] } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const Ho = outSize(H, k[0], s[0], p[0], d[0], ceil);
  const Wo = outSize(W, k[1], s[1], p[1], d[1], ceil);
  const xd = values(x);
  const v: number[] = [];
  const idx: number[] = [];
  for (let n = 0; n < N * C; n++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) {
        let best = Number.NEGATIVE_INFINITY;
        let bi = -1;
        for (let u = 0; u < k[0]; u++)
          for (let w = 0; w < k[1]; w++) {
            const h = i * s[0] - p[0] + u * d[0];
            const c = j * s[1] - p[1] + w * d[1];
            if (h < 0 || h >= H || c < 0 || c >= W) continue;
            const val = xd[n * H * W + h * W + c]!;
            if (bi < 0 || val > best) {
              best = val;
              bi = h * W + c;
            }
          }
        v.push(best);
        idx.push(bi);
      }
  return { v: { shape: [N, C, Ho, Wo], data: v }, i: idx };
}

/** Direct average pooling with PyTorch's divisor rules. */
function refAvgPool(
  x: Tensor,
  k: P,
  s: P,
  p: P,
  ceil: boolean,
  includePad: boolean,
  override?: number,
): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const Ho = outSize(H, k[0], s[0], p[0], 1, ceil);
  const Wo = outSize(W, k[1], s[1], p[1], 1, ceil);
  const xd = values(x);
  const out: number[] = [];
  for (let n = 0; n < N * C; n++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++) {
        let h0 = i * s[0] - p[0];
        let w0 = j * s[1] - p[1];
        let h1 = Math.min(h0 + k[0], H + p[0]);
        let w1 = Math.min(w0 + k[1], W + p[1]);
        const pool = (h1 - h0) * (w1 - w0);
        h0 = Math.max(h0, 0);
        w0 = Math.max(w0, 0);
        h1 = Math.min(h1, H);
        w1 = Math.min(w1, W);
        let sum = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += xd[n * H * W + h * W + w]!;
        out.push(sum / (override ?? (includePad ? pool : (h1 - h0) * (w1 - w0))));
      }
  return { shape: [N, C, Ho, Wo], data: out };
}

const gen = () => new Generator(11);

describe.each(DEVICES)('pooling on %s', (device) => {
  it.each(['max_pool2d/basic', 'max_pool2d/stride-pad'])('maxPool2d matches PyTorch: %s', (id) => {
    const c = goldenCase(id);
    expectGolden(
      maxPool2d(
        inputOf(c, 0, device),
        c.inputs[1] as number,
        c.attrs as { stride?: number; padding?: number },
      ),
      c,
    );
  });

  it('avgPool2d and adaptiveAvgPool2d match PyTorch', () => {
    const a = goldenCase('avg_pool2d/basic');
    expectGolden(avgPool2d(inputOf(a, 0, device), a.inputs[1] as number), a);
    const b = goldenCase('adaptive_avg_pool2d/1');
    expectGolden(adaptiveAvgPool2d(inputOf(b, 0, device), b.inputs[1] as number), b);
  });

  it.each([
    { k: [3, 2] as P, s: [2, 1] as P, p: [1, 1] as P, d: [1, 1] as P, ceil: false },
    { k: [2, 3] as P, s: [2, 2] as P, p: [1, 0] as P, d: [2, 1] as P, ceil: true },
    { k: [3, 3] as P, s: [3, 3] as P, p: [1, 1] as P, d: [1, 1] as P, ceil: true },
  ])('maxPool2d values and indices follow the definition: %o', ({ k, s, p, d, ceil }) => {
    const x = transpose(randn([2, 3, 6, 7], { device, generator: gen() }), 2, 3); // [2, 3, 7, 6], strided
    const [y, idx] = maxPool2d(x, k, {
      stride: s,
      padding: p,
      dilation: d,
      ceilMode: ceil,
      returnIndices: true,
    });
    const want = refMaxPool(x, k, s, p, d, ceil);
    expectClose(y, want.v, 0, 0);
    expect(idx.dtype).toBe('int32');
    expect(values(idx)).toEqual(want.i);
  });

  it('maxPool2d propagates NaN and reports the first in-bounds pixel of an all -inf window', () => {
    const x = tensor(
      [
        [
          [
            [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
            [Number.NaN, 1],
          ],
        ],
      ],
      { device, dtype: 'float32' },
    );
    const [y, i] = maxPool2d(x, 2, { stride: 1, padding: 1, returnIndices: true });
    expect(values(y)).toEqual([
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      Number.NaN,
      1,
      Number.NaN,
      Number.NaN,
      1,
    ]);
    expect(values(i).slice(0, 3)).toEqual([0, 0, 1]);
  });

  it.each([
    { k: [3, 3] as P, s: [2, 2] as P, p: [1, 1] as P, ceil: false, inc: true },
    { k: [3, 2] as P, s: [2, 2] as P, p: [1, 1] as P, ceil: false, inc: false },
    { k: [3, 3] as P, s: [2, 2] as P, p: [1, 0] as P, ceil: true, inc: true },
    { k: [2, 3] as P, s: [3, 2] as P, p: [1, 1] as P, ceil: true, inc: false },
  ])('avgPool2d follows the definition: %o', ({ k, s, p, ceil, inc }) => {
    const x = randn([2, 2, 7, 6], { device, generator: gen() });
    const y = avgPool2d(x, k, { stride: s, padding: p, ceilMode: ceil, countIncludePad: inc });
    expectClose(y, refAvgPool(x, k, s, p, ceil, inc), 1e-5, 1e-6);
  });

  it('avgPool2d divisorOverride, and 1-D pooling', () => {
    const x = randn([1, 2, 5, 5], { device, generator: gen() });
    expectClose(
      avgPool2d(x, 2, { divisorOverride: 3 }),
      refAvgPool(x, [2, 2], [2, 2], [0, 0], false, true, 3),
      1e-5,
      1e-6,
    );
    const s = tensor([[[1, 5, 2, 8, 3]]], { device, dtype: 'float32' });
    expect(maxPool1d(s, 2).toArray()).toEqual([[[5, 8]]]);
    const [v, i] = maxPool1d(s, 3, { stride: 2, padding: 1, returnIndices: true });
    expect(v.toArray()).toEqual([[[5, 8, 8]]]);
    expect(i.toArray()).toEqual([[[1, 3, 3]]]);
    expect(
      maxPool1d(tensor([[1, 5, 2, 8, 3]], { device, dtype: 'float32' }), 2, { ceilMode: true }).toArray(),
    ).toEqual([[5, 8, 3]]);
    expect(avgPool1d(s, 2).toArray()).toEqual([[[3, 5]]]);
    expectClose(avgPool1d(s, 2, { padding: 1, countIncludePad: false }), {
      shape: [1, 1, 3],
      data: [1, 3.5, 5.5],
    });
  });

  it('adaptive pooling uses PyTorch windows (overlapping when the size does not divide)', () => {
    const x = randn([2, 3, 7, 5], { device, generator: gen() });
    const y = adaptiveAvgPool2d(x, [3, 2]);
    const xd = values(x);
    const want: number[] = [];
    for (let n = 0; n < 6; n++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 2; j++) {
          const h0 = Math.floor((i * 7) / 3);
          const h1 = Math.ceil(((i + 1) * 7) / 3);
          const w0 = Math.floor((j * 5) / 2);
          const w1 = Math.ceil(((j + 1) * 5) / 2);
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += xd[n * 35 + h * 5 + w]!;
          want.push(s / ((h1 - h0) * (w1 - w0)));
        }
    expectClose(y, { shape: [2, 3, 3, 2], data: want }, 1e-5, 1e-6);
    expect(adaptiveAvgPool2d(x, [null, 1]).shape).toEqual([2, 3, 7, 1]);
    expect(adaptiveAvgPool2d(randn([3, 4, 4], { device, generator: gen() }), 2).shape).toEqual([3, 2, 2]);
    const m = adaptiveMaxPool2d(
      tensor(
        [
          [
            [
              [1, 2],
              [3, 4],
            ],
          ],
        ],
        { device, dtype: 'float32' },
      ),
      1,
    );
    expect(m.toArray()).toEqual([[[[4]]]]);
  });
});

describe('pooling errors', () => {
  it('rejects bad ranks, padding and sizes', () => {
    registerTestBackends();
    expect(() => maxPool2d(zeros([4, 4]), 2)).toThrow(ShapeError);
    expect(() => maxPool2d(zeros([4, 4]), 2)).toThrow(
      /maxPool2d: expected 3-D \(unbatched\) or 4-D \(batched\) input \(got 2-D input of shape \[4, 4\]\)/,
    );
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(
      /pad should be at most half of effective kernel size/,
    );
    expect(() => avgPool2d(zeros([1, 1, 2, 2]), 3)).toThrow(/output size \[0, 0\] is too small/);
    expect(() => maxPool2d(zeros([1, 1, 4, 4]), 0)).toThrow(ValueError);
    expect(() => maxPool2d(zeros([1, 1, 4, 4], { dtype: 'int32' }), 2)).toThrow(DTypeError);
    expect(() => maxPool1d(zeros([1, 1, 1, 4]), 2)).toThrow(
      /maxPool1d: expected 2-D \(unbatched\) or 3-D \(batched\) input/,
    );
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), 0)).toThrow(/outputSize must hold positive integers/);
    expect(() => avgPool2d(zeros([1, 1, 4, 4]), 2, { divisorOverride: 0 })).toThrow(
      /divisorOverride must be a non-zero integer/,
    );
  });
});

describe.each(DEVICES)('1-D pooling with several channels on %s', (device) => {
  it('pools along L only', () => {
    const x = tensor(
      [
        [
          [1, 5, 2, 8],
          [0, -1, 4, 3],
          [7, 7, 1, 2],
        ],
      ],
      { device, dtype: 'float32' },
    ); // [1, 3, 4]
    expect(maxPool1d(x, 2).toArray()).toEqual([
      [
        [5, 8],
        [0, 4],
        [7, 2],
      ],
    ]);
    expect(avgPool1d(x, 2).toArray()).toEqual([
      [
        [3, 5],
        [-0.5, 3.5],
        [7, 1.5],
      ],
    ]);
    expect(maxPool1d(x.select(0, 0), 3, { stride: 1 }).toArray()).toEqual([
      [5, 8],
      [4, 4],
      [7, 7],
    ]);
  });
});

describe.each(DEVICES)('adaptive max pooling on %s', (device) => {
  it('takes the max of each PyTorch window, also when sizes do not divide', () => {
    const x = randn([2, 3, 7, 5], { device, generator: new Generator(4) });
    const xd = values(x);
    const want: number[] = [];
    for (let n = 0; n < 6; n++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 2; j++) {
          let m = Number.NEGATIVE_INFINITY;
          for (let h = Math.floor((i * 7) / 3); h < Math.ceil(((i + 1) * 7) / 3); h++)
            for (let w = Math.floor((j * 5) / 2); w < Math.ceil(((j + 1) * 5) / 2); w++)
              m = Math.max(m, xd[n * 35 + h * 5 + w]!);
          want.push(m);
        }
    expectClose(adaptiveMaxPool2d(x, [3, 2]), { shape: [2, 3, 3, 2], data: want }, 0, 0);
    expect(adaptiveMaxPool2d(x.select(0, 1), [7, 1]).shape).toEqual([3, 7, 1]);
  });
});
