import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { Generator } from '../../random/generator.js';
import { ones, randn, tensor, zeros } from '../creation.js';
import { permute } from '../shape.js';
import { batchNorm, groupNorm, instanceNorm, layerNorm } from './norm.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './test-golden.js';

beforeAll(registerTestBackends);

function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

/** Normalises each group of `size` consecutive values (biased variance). */
function refNorm(xs: number[], size: number, eps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < xs.length; r += size) {
    const row = xs.slice(r, r + size);
    const mu = row.reduce((a, b) => a + b, 0) / size;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / size;
    for (const x of row) out.push((x - mu) / Math.sqrt(v + eps));
  }
  return out;
}

const gen = () => new Generator(3);

describe.each(DEVICES)('normalisation on %s', (device) => {
  it('batchNorm (training, affine) matches PyTorch', () => {
    const c = goldenCase('batch_norm/train');
    // NOTE: the case is F.batch_norm(x, None, None, weight, bias, training=True).
    const y = batchNorm(inputOf(c, 0, device), null, null, {
      weight: inputOf(c, 1, device),
      bias: inputOf(c, 2, device),
      training: true,
    });
    expectGolden(y, c);
  });

  it('layerNorm and groupNorm match PyTorch', () => {
    const l = goldenCase('layer_norm/last');
    const x = inputOf(l, 0, device);
    expectGolden(layerNorm(x, [x.shape[2]!], inputOf(l, 1, device), inputOf(l, 2, device)), l);
    const g = goldenCase('group_norm/basic');
    expectGolden(groupNorm(inputOf(g, 0, device), 2, inputOf(g, 1, device), inputOf(g, 2, device)), g);
  });

  it('batchNorm updates running stats in place (unbiased variance) and uses them in eval mode', () => {
    const x = tensor(
      [
        [1, 10],
        [3, 20],
        [8, 60],
      ],
      { device, dtype: 'float32' },
    );
    const rm = zeros([2], { device });
    const rv = ones([2], { device });
    const v0 = rm.version;
    const y = batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    expectClose(y, {
      shape: [3, 2],
      data: (() => {
        const a = refNorm([1, 3, 8], 3, 1e-5);
        const b = refNorm([10, 20, 60], 3, 1e-5);
        return [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!];
      })(),
    });
    // NOTE: means 4 and 30; unbiased variances 13 and 700.
    expectClose(rm, { shape: [2], data: [2, 15] });
    expectClose(rv, { shape: [2], data: [0.5 + 6.5, 0.5 + 350] });
    expect(rm.version).toBeGreaterThan(v0);
    const w = tensor([2, 0.5], { device, dtype: 'float32' });
    const b = tensor([1, -1], { device, dtype: 'float32' });
    const e = batchNorm(x, rm, rv, { weight: w, bias: b, eps: 0 });
    const xs = values(x);
    const means = [2, 15];
    const vars = [7, 350.5];
    expectClose(e, {
      shape: [3, 2],
      data: xs.map(
        (v, i) => ((v - means[i % 2]!) / Math.sqrt(vars[i % 2]!)) * [2, 0.5][i % 2]! + [1, -1][i % 2]!,
      ),
    });
  });

  it('batchNorm normalises over N and the spatial dims of strided 4-D input', () => {
    const x = permute(randn([2, 4, 5, 3], { device, generator: gen() }), [0, 3, 1, 2]); // [2, 3, 4, 5]
    const y = batchNorm(x, null, null, { training: true });
    const xs = values(x);
    const want = new Array<number>(xs.length);
    for (let c = 0; c < 3; c++) {
      const idx: number[] = [];
      for (let n = 0; n < 2; n++) for (let k = 0; k < 20; k++) idx.push(n * 60 + c * 20 + k);
      const normed = refNorm(
        idx.map((i) => xs[i]!),
        idx.length,
        1e-5,
      );
      idx.forEach((i, j) => {
        want[i] = normed[j]!;
      });
    }
    expectClose(y, { shape: [2, 3, 4, 5], data: want }, 1e-4, 1e-5);
  });

  it('layerNorm over several trailing dims, without affine, on a strided input', () => {
    const x = permute(randn([3, 4, 2], { device, generator: gen() }), [2, 0, 1]); // [2, 3, 4]
    expectClose(layerNorm(x, [3, 4]), { shape: [2, 3, 4], data: refNorm(values(x), 12, 1e-5) }, 1e-4, 1e-5);
    const w = randn([4], { device, generator: gen() });
    const y = layerNorm(x, 4, w, null, 1e-3);
    const ws = values(w);
    expectClose(
      y,
      { shape: [2, 3, 4], data: refNorm(values(x), 4, 1e-3).map((v, i) => v * ws[i % 4]!) },
      1e-4,
      1e-5,
    );
  });

  it('groupNorm on 3-D input with one group per channel', () => {
    const x = randn([2, 4, 6], { device, generator: gen() });
    expectClose(groupNorm(x, 4), { shape: [2, 4, 6], data: refNorm(values(x), 6, 1e-5) }, 1e-4, 1e-5);
    expectClose(groupNorm(x, 1), { shape: [2, 4, 6], data: refNorm(values(x), 24, 1e-5) }, 1e-4, 1e-5);
  });

  it('float64 stays float64', () => {
    const x = randn([2, 5], { device, dtype: 'float64', generator: gen() });
    const y = layerNorm(x, [5]);
    expect(y.dtype).toBe('float64');
    expectClose(y, { shape: [2, 5], data: refNorm(values(x), 5, 1e-5) }, 1e-10, 1e-12);
  });
});

describe('normalisation errors', () => {
  it('names the op and the shapes', () => {
    registerTestBackends();
    expect(() => batchNorm(zeros([1, 3]), null, null, { training: true })).toThrow(
      'batchNorm: expected more than 1 value per channel when training (got input size [1, 3])',
    );
    expect(() => batchNorm(zeros([4]), null, null, { training: true })).toThrow(ShapeError);
    expect(() => batchNorm(zeros([2, 3]), zeros([4]), ones([4]))).toThrow(
      /batchNorm: expected running_mean of shape \[3\] \(got \[4\], input \[2, 3\]\)/,
    );
    expect(() => batchNorm(zeros([2, 3]), null, null)).toThrow(ValueError);
    expect(() => layerNorm(zeros([2, 5, 7]), [8])).toThrow(
      'layerNorm: given normalizedShape [8], expected input with shape [*, 8] (got [2, 5, 7])',
    );
    expect(() => layerNorm(zeros([2, 8]), [8], zeros([7]))).toThrow(/expected weight of shape \[8\]/);
    expect(() => layerNorm(zeros([2, 8]), [8], zeros([8], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => groupNorm(zeros([2, 4, 3, 3]), 3)).toThrow(
      'groupNorm: expected number of channels in input to be divisible by numGroups (got input of shape [2, 4, 3, 3] and numGroups=3)',
    );
  });
});

describe.each(DEVICES)('instanceNorm on %s', (device) => {
  it('normalises each plane and tracks the batch-averaged statistics', () => {
    const x = tensor(
      [
        [
          [1, 3, 5],
          [0, 0, 6],
        ],
        [
          [2, 2, 8],
          [1, 2, 3],
        ],
      ],
      { device, dtype: 'float32' },
    ); // [2, 2, 3]
    const rm = zeros([2], { device });
    const rv = ones([2], { device });
    const w = tensor([2, 1], { device, dtype: 'float32' });
    const y = instanceNorm(x, { runningMean: rm, runningVar: rv, weight: w, momentum: 1 });
    const xs = values(x);
    expectClose(y, {
      shape: [2, 2, 3],
      data: refNorm(xs, 3, 1e-5).map((v, i) => v * [2, 1][Math.floor(i / 3) % 2]!),
    });
    // NOTE: channel 0 planes: means 3 and 4, unbiased variances 4 and 12; channel 1: 2 and 2, 12 and 1.
    expectClose(rm, { shape: [2], data: [3.5, 2] });
    expectClose(rv, { shape: [2], data: [8, 6.5] });
    const e = instanceNorm(x, { runningMean: rm, runningVar: rv, useInputStats: false, eps: 0 });
    expectClose(e, {
      shape: [2, 2, 3],
      data: xs.map(
        (v, i) => (v - [3.5, 2][Math.floor(i / 3) % 2]!) / Math.sqrt([8, 6.5][Math.floor(i / 3) % 2]!),
      ),
    });
    expect(() => instanceNorm(zeros([2, 3]))).toThrow(ShapeError);
    expect(() => instanceNorm(zeros([2, 3, 4]), { useInputStats: false })).toThrow(ValueError);
  });
});
