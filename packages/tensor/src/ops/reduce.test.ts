import { beforeAll, describe, expect, test } from 'vitest';
import { DTypeError, ShapeError } from '../errors/errors.js';
import {
  all,
  amax,
  amin,
  any,
  argmax,
  argmin,
  cumprod,
  cumsum,
  fromTypedArray,
  logsumexp,
  max,
  mean,
  min,
  norm,
  prod,
  std,
  sum,
  tensor,
  variance,
  zeros,
} from '../index.js';
import { useCpu } from '../test-support/cpu.js';
import { expectGolden, golden } from '../test-support/golden-case.js';
import { expectCloseTo, groupsOver, randomValues } from '../test-support/reference.js';

beforeAll(() => {
  useCpu();
});

const SHAPE = [3, 4, 5];
const VALUES = randomValues(60, 7);
const x = () => fromTypedArray(Float32Array.from(VALUES), SHAPE);
const ref = (axes: number[], f: (g: number[]) => number) => groupsOver(VALUES, SHAPE, axes).map(f);
const sumOf = (g: number[]) => g.reduce((a, b) => a + b, 0);
const meanOf = (g: number[]) => sumOf(g) / g.length;
const varOf = (g: number[], correction = 1) => {
  const m = meanOf(g);
  return g.reduce((a, v) => a + (v - m) ** 2, 0) / (g.length - correction);
};

describe('golden cases (PyTorch 1.13)', () => {
  test('sum', () => {
    const all = golden('sum/all');
    expectGolden(sum(all.tensor(0)), all);
    const d = golden('sum/dim');
    expectGolden(sum(d.tensor(0), 1), d);
    const k = golden('sum/dims-keepdim');
    expectGolden(sum(k.tensor(0), [0, 2], true), k);
    const nc = golden('sum/noncontiguous');
    expect(nc.tensor(0).isContiguous()).toBe(false);
    expectGolden(sum(nc.tensor(0), 1), nc);
  });

  test('mean, prod, amax, amin', () => {
    const m = golden('mean/dim');
    expectGolden(mean(m.tensor(0), -1), m);
    const ma = golden('mean/all');
    expectGolden(mean(ma.tensor(0)), ma);
    const p = golden('prod/dim');
    expectGolden(prod(p.tensor(0), 1), p);
    const hi = golden('amax/dim');
    expectGolden(amax(hi.tensor(0), 2), hi);
    const lo = golden('amin/dim');
    expectGolden(amin(lo.tensor(0), 0), lo);
  });

  test('max/min with a dim return values and indices', () => {
    const g = golden('max/dim');
    const r = max(g.tensor(0), 1);
    expectGolden(r.values, g, 0);
    expectGolden(r.indices, g, 1);
    const h = golden('min/dim-keepdim');
    const s = min(h.tensor(0), 2, true);
    expectGolden(s.values, h, 0);
    expectGolden(s.indices, h, 1);
  });

  test('argmax, argmin', () => {
    const g = golden('argmax/dim');
    expectGolden(argmax(g.tensor(0), 1), g);
    const h = golden('argmin/all');
    expectGolden(argmin(h.tensor(0)), h);
  });

  test('var, std, logsumexp, norm, cumsum', () => {
    const v = golden('var/dim');
    expectGolden(v.tensor(0).var(1), v);
    const vb = golden('var/unbiased-false');
    expectGolden(variance(vb.tensor(0), 2, false, { unbiased: false }), vb);
    const s = golden('std/dim');
    expectGolden(std(s.tensor(0), 0), s);
    const l = golden('logsumexp/dim');
    expectGolden(logsumexp(l.tensor(0), 1), l);
    const n = golden('norm/fro');
    expectGolden(norm(n.tensor(0)), n);
    expectGolden(norm(n.tensor(0), 'fro'), n);
    const c = golden('cumsum/dim');
    expectGolden(cumsum(c.tensor(0), 1), c);
  });
});

describe('values against float64 references', () => {
  test('sum over every combination of dims, with and without keepdim', () => {
    for (const axes of [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]) {
      const y = sum(x(), axes);
      expect(y.shape).toEqual(SHAPE.filter((_, i) => !axes.includes(i)));
      expectCloseTo(y, ref(axes, sumOf), 1e-5, 1e-5);
      expect(sum(x(), axes, true).shape).toEqual(SHAPE.map((s, i) => (axes.includes(i) ? 1 : s)));
    }
    expectCloseTo(sum(x(), [-1, -3]), ref([0, 2], sumOf), 1e-5, 1e-5);
  });

  test('prod, mean, amax, amin, var with correction, std', () => {
    expectCloseTo(
      prod(x(), 2),
      ref([2], (g) => g.reduce((a, b) => a * b, 1)),
      1e-5,
      1e-6,
    );
    expectCloseTo(mean(x(), [0, 2]), ref([0, 2], meanOf), 1e-5, 1e-6);
    expectCloseTo(
      amax(x(), [1, 2]),
      ref([1, 2], (g) => Math.max(...g)),
    );
    expectCloseTo(
      amin(x(), [0, 1]),
      ref([0, 1], (g) => Math.min(...g)),
    );
    expectCloseTo(
      variance(x(), [1, 2], false, { correction: 2 }),
      ref([1, 2], (g) => varOf(g, 2)),
      1e-5,
      1e-6,
    );
    expectCloseTo(
      std(x(), 1, true),
      ref([1], (g) => Math.sqrt(varOf(g))),
      1e-5,
      1e-6,
    );
    expectCloseTo(variance(x()), [varOf(VALUES)], 1e-5, 1e-6);
  });

  test('max/min indices point at the first extreme', () => {
    const t = tensor([
      [3, 1, 3],
      [2, 2, 0],
    ]);
    const r = max(t, 1);
    expect(r.values.toArray()).toEqual([3, 2]);
    expect(r.indices.toArray()).toEqual([0, 0]);
    expect(r.indices.dtype).toBe('int32');
    expect(min(t, 0).indices.toArray()).toEqual([1, 0, 1]);
    expect(max(t).item()).toBe(3);
    expect(min(t).item()).toBe(0);
    expect(argmax(t).item()).toBe(0);
    expect(argmin(t).item()).toBe(5);
    expect(argmax(t, null, true).shape).toEqual([1, 1]);
    expect(argmax(t.t(), 1).toArray()).toEqual([0, 1, 0]);
  });

  test('logsumexp is stable for large and infinite values', () => {
    const y = logsumexp(
      tensor(
        [
          [1000, 1000],
          [-1000, -1000],
        ],
        { dtype: 'float32' },
      ),
      1,
    );
    expectCloseTo(y, [1000 + Math.log(2), -1000 + Math.log(2)], 1e-6);
    const inf = logsumexp(
      tensor([
        [-Infinity, -Infinity],
        [Infinity, 1],
      ]),
      1,
    );
    expect(inf.toArray()).toEqual([-Infinity, Infinity]);
    const keep = logsumexp(x(), [0, 2], true);
    expect(keep.shape).toEqual([1, 4, 1]);
    expectCloseTo(
      keep,
      ref([0, 2], (g) => Math.log(g.reduce((a, v) => a + Math.exp(v), 0))),
      1e-5,
      1e-6,
    );
    expect(logsumexp(tensor([1, 2]), 0).dtype).toBe('float32');
  });

  test('norm for several p', () => {
    const t = tensor([
      [3, -4, 0],
      [1, 2, -2],
    ]).float();
    expectCloseTo(norm(t, 2, 1), [5, 3]);
    expectCloseTo(norm(t, 1, 1), [7, 5]);
    expectCloseTo(norm(t, Number.POSITIVE_INFINITY, 1), [4, 2]);
    expectCloseTo(norm(t, Number.NEGATIVE_INFINITY, 1), [0, 1]);
    expectCloseTo(norm(t, 0, 1), [2, 3]);
    expectCloseTo(norm(t, 3, 0, true), [Math.cbrt(28), Math.cbrt(72), Math.cbrt(8)], 1e-5);
    expectCloseTo(norm(t), [Math.sqrt(34)]);
  });

  test('cumsum and cumprod along each dim, on views', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(cumsum(t, 0).toArray()).toEqual([
      [1, 2, 3],
      [5, 7, 9],
    ]);
    expect(cumsum(t, -1).toArray()).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(cumprod(t.t(), 1).toArray()).toEqual([
      [1, 4],
      [2, 10],
      [3, 18],
    ]);
    expect(cumsum(tensor([true, true, false]), 0).toArray()).toEqual([1, 2, 2]);
    expect(cumsum(tensor([true, true]), 0).dtype).toBe('int32');
  });

  test('all and any', () => {
    const t = tensor([
      [true, false],
      [true, true],
    ]);
    expect(all(t, 1).toArray()).toEqual([false, true]);
    expect(any(t, 0).toArray()).toEqual([true, true]);
    expect(all(t).item()).toBe(false);
    expect(any(tensor([0, 0, 3])).item()).toBe(true);
    expect(all(tensor([1.5, 2]), 0, true).toArray()).toEqual([true]);
  });
});

describe('dtypes', () => {
  test('integer and bool sums and products give int32; float keeps its width', () => {
    expect(sum(tensor([true, true, false])).item()).toBe(2);
    expect(sum(tensor([true])).dtype).toBe('int32');
    expect(sum(tensor([1, 2])).dtype).toBe('int32');
    expect(prod(tensor([2, 3, 4])).item()).toBe(24);
    expect(prod(tensor([2, 3]), 0).dtype).toBe('int32');
    expect(sum(tensor([1, 2], { dtype: 'float64' })).dtype).toBe('float64');
    const s = sum(tensor([1, 2]), null, false, { dtype: 'float64' });
    expect(s.dtype).toBe('float64');
    expect(s.item()).toBe(3);
    expect(amax(tensor([1, 7, 3])).dtype).toBe('int32');
  });

  test('mean, var, std and norm refuse integer inputs as PyTorch does', () => {
    expect(() => mean(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => mean(tensor([1, 2]))).toThrow(/^mean: .*\(got int32, expected float32 or float64\)/);
    expect(() => variance(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => std(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => norm(tensor([1, 2]))).toThrow(DTypeError);
  });
});

describe('edge cases and errors', () => {
  test('dim out of range', () => {
    expect(() => sum(x(), 3)).toThrow(ShapeError);
    expect(() => sum(x(), 3)).toThrow(
      'sum: dimension out of range (got 3, expected to be in range of [-3, 2])',
    );
    expect(() => max(x(), -4)).toThrow(ShapeError);
    expect(() => sum(x(), [0, 0])).toThrow(/appears multiple times/);
    expect(() => cumsum(x(), 5)).toThrow(/cumsum: dimension out of range/);
  });

  test('empty reductions follow PyTorch', () => {
    const e = zeros([0, 3]);
    expect(sum(e, 0).toArray()).toEqual([0, 0, 0]);
    expect(prod(e, 0).toArray()).toEqual([1, 1, 1]);
    expect(Number.isNaN(mean(e).item() as number)).toBe(true);
    expect(sum(e, 1).shape).toEqual([0]);
    expect(() => max(e)).toThrow(/max: expected reduction dim to be specified for input.numel\(\) == 0/);
    expect(() => max(e, 0)).toThrow(
      'max: expected reduction dim 0 to have non-zero size (got input of shape [0, 3])',
    );
    expect(() => amax(e, 0)).toThrow(ShapeError);
    expect(() => argmax(e)).toThrow(ShapeError);
    expect(amax(e, 1).shape).toEqual([0]);
    expect(logsumexp(e, 0).toArray()).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(all(e).item()).toBe(true);
    expect(any(e).item()).toBe(false);
  });

  test('0-dim tensors reduce over dim 0 or -1 to themselves', () => {
    const s = tensor(4.5);
    expect(sum(s).item()).toBe(4.5);
    expect(sum(s, 0).shape).toEqual([]);
    expect(mean(s, -1).item()).toBe(4.5);
    const r = max(s, 0);
    expect(r.values.item()).toBe(4.5);
    expect(r.indices.item()).toBe(0);
    expect(argmax(s).item()).toBe(0);
    expect(cumsum(s, 0).item()).toBe(4.5);
    expect(() => sum(s, 1)).toThrow(ShapeError);
  });

  test('NaN propagates through max and is the argmax', () => {
    const t = tensor([1, Number.NaN, 3]);
    expect(Number.isNaN(max(t).item() as number)).toBe(true);
    expect(argmax(t).item()).toBe(1);
  });
});
