import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  arange,
  div,
  eye,
  full,
  Generator,
  linspace,
  manualSeed,
  memory,
  ones,
  pow,
  rand,
  randint,
  randn,
  randperm,
  sub,
  tensor,
  tidy,
  zeros,
} from '../index.js';
import { useCpu } from '../test-support/cpu.js';

beforeAll(() => {
  useCpu();
});

describe('creation', () => {
  it('infers dtypes as PyTorch does', () => {
    expect(tensor([1, 2]).dtype).toBe('int32');
    expect(tensor([1, 2.5]).dtype).toBe('float32');
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor(3.5).shape).toEqual([]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float64' },
      ).toArray(),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
  });
  it('builds the standard factories', () => {
    expect(zeros([2, 3]).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(full([2], 7).dtype).toBe('int32');
    expect(full([2], 0.5).toArray()).toEqual([0.5, 0.5]);
    expect(arange(0, 5, 1).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(zeros([0, 3]).numel()).toBe(0);
  });
  it('makes random tensors reproducible by seed', () => {
    manualSeed(42);
    const a = randn([5]).toArray();
    manualSeed(42);
    expect(randn([5]).toArray()).toEqual(a);
    const u = rand([1000]).dataSync();
    let mean = 0;
    for (const v of u) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      mean += v / u.length;
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const n = randn([4000], { generator: new Generator(9) }).dataSync();
    let m = 0;
    let s = 0;
    for (const v of n) m += v / n.length;
    for (const v of n) s += (v - m) ** 2 / n.length;
    expect(Math.abs(m)).toBeLessThan(0.06);
    expect(Math.abs(Math.sqrt(s) - 1)).toBeLessThan(0.06);
  });
  it('randint and randperm stay in range', () => {
    const r = randint(3, 7, [200]).dataSync();
    for (const v of r) expect(v >= 3 && v < 7).toBe(true);
    const p = Array.from(randperm(50).dataSync()).sort((a, b) => a - b);
    expect(p).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('views share storage and never copy', () => {
  it('transpose, permute, slice, select, expand, reshape are views', () => {
    const x = arange(0, 24, 1, { dtype: 'float32' }).reshape([2, 3, 4]);
    const views = [
      x.transpose(0, 2),
      x.permute([1, 2, 0]),
      x.narrow(2, 1, 2),
      x.select(1, 1),
      x.unsqueeze(0).expand([3, 2, 3, 4]),
      x.reshape([6, 4]),
      x.flatten(1),
    ];
    for (const v of views) expect(v.storage).toBe(x.storage);
    expect(x.transpose(0, 2).isContiguous()).toBe(false);
    expect(x.select(1, 1).toArray()).toEqual([
      [4, 5, 6, 7],
      [16, 17, 18, 19],
    ]);
    expect(x.narrow(2, 1, 2).select(0, 0).toArray()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(x.slice(2, 0, 4, { step: 2 }).select(0, 1).select(0, 0).toArray()).toEqual([12, 14]);
  });
  it('reshape of a non-viewable layout copies, view refuses', () => {
    const x = arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]).t();
    const r = x.reshape([6]);
    expect(r.storage).not.toBe(x.storage);
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => x.view([6])).toThrow(/view: size is not compatible/);
  });
  it('in-place ops write through views and bump the version', () => {
    const x = zeros([2, 3]);
    const col = x.select(1, 1);
    const v0 = x.version;
    col.add_(5);
    expect(x.toArray()).toEqual([
      [0, 5, 0],
      [0, 5, 0],
    ]);
    expect(x.version).toBe(v0 + 1);
    x.t().mul_(2);
    expect(x.toArray()).toEqual([
      [0, 10, 0],
      [0, 10, 0],
    ]);
    expect(() => ones([3]).add_(ones([2, 3]))).toThrow(
      /output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/,
    );
    expect(() => tensor([1, 2]).mul_(0.5)).toThrow(
      /result type float32 can't be cast to the desired output type int32/,
    );
  });
  it('squeeze/unsqueeze/flatten agree with reshape on random shapes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), (shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = arange(0, n, 1, { dtype: 'float32' }).reshape(shape);
        const t = x.transpose(0, shape.length - 1);
        expect(t.contiguous().flatten().toArray()).toEqual(t.reshape([-1]).toArray());
        expect(x.unsqueeze(1).squeeze(1).shape).toEqual(shape);
      }),
      { numRuns: 50 },
    );
  });
});

describe('type promotion', () => {
  it('follows PyTorch for tensors and scalars', () => {
    expect(tensor([1, 2]).add(tensor([1.5])).dtype).toBe('float32');
    expect(tensor([1, 2]).add(1).dtype).toBe('int32');
    expect(tensor([1, 2]).add(0.5).dtype).toBe('float32');
    expect(tensor([1, 2]).div(2).toArray()).toEqual([0.5, 1]);
    expect(ones([2]).add(ones([2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(ones([2]).add(tensor(1.5, { dtype: 'float64' })).dtype).toBe('float32');
    expect(tensor([true]).add(tensor([1])).dtype).toBe('int32');
    expect(tensor([-7, 7]).div(2, { roundingMode: 'floor' }).toArray()).toEqual([-4, 3]);
    expect(tensor([-7, 7]).div(2, { roundingMode: 'trunc' }).toArray()).toEqual([-3, 3]);
  });
});

describe('printing', () => {
  it('prints like PyTorch', () => {
    expect(tensor([1, 2.5]).toString()).toBe('tensor([1.0000, 2.5000])');
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ])
        .float()
        .toString(),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor([true, false]).toString()).toBe('tensor([ True, False])');
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(tensor(3.5).toString()).toBe('tensor(3.5000)');
    expect(tensor([1, 2], { dtype: 'float64' }).toString()).toBe('tensor([1., 2.], dtype=float64)');
    expect(tensor([-1.5, 100.25]).toString()).toBe('tensor([ -1.5000, 100.2500])');
    expect(
      tensor([
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ])
        .float()
        .toString(),
    ).toBe('tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])');
  });
});

describe('memory', () => {
  it('tidy frees intermediates and keeps results; dispose frees at once', () => {
    const before = memory('cpu').buffers;
    const y = tidy(() => ones([4]).add(1).mul(3));
    expect(memory('cpu').buffers).toBe(before + 1);
    expect(y.toArray()).toEqual([6, 6, 6, 6]);
    y.dispose();
    expect(memory('cpu').buffers).toBe(before);
    const x = ones([3]);
    const v = x.reshape([3, 1]);
    x.dispose();
    expect(v.toArray()).toEqual([[1], [1], [1]]);
    v.dispose();
    expect(memory('cpu').buffers).toBe(before);
  });
  it('a scalar first operand leaves no storage behind', () => {
    const x = ones([3]);
    const before = memory('cpu').buffers;
    const ys = [sub(1, x), div(1, x), pow(2, x), add(0.5, x)];
    expect(memory('cpu').buffers).toBe(before + ys.length);
    expect(ys.map((y) => y.toArray())).toEqual([
      [0, 0, 0],
      [1, 1, 1],
      [2, 2, 2],
      [1.5, 1.5, 1.5],
    ]);
    for (const y of ys) y.dispose();
    x.dispose();
  });
  it('using disposes at the end of the block', () => {
    const before = memory('cpu').buffers;
    {
      using t = zeros([10]);
      expect(t.numel()).toBe(10);
    }
    expect(memory('cpu').buffers).toBe(before);
  });
});
