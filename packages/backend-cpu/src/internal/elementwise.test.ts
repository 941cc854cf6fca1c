import { describe, expect, it } from 'vitest';
import { harness, rand } from '../test-utils/views.js';
import { erf } from './erf.js';

describe('unary', () => {
  it('computes ops on a transposed view', () => {
    const h = harness();
    const data = [0.5, -1.5, 2.5, -0.4, 3, Number.NaN];
    const x = h.view('float64', data, [3, 2], [1, 3]);
    const cases: [Parameters<typeof h.be.unary>[0], (v: number) => number][] = [
      ['neg', (v) => -v],
      ['exp', Math.exp],
      ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
      ['floor', Math.floor],
    ];
    for (const [op, f] of cases) {
      const out = h.out('float64', [3, 2]);
      h.be.unary(op, x, out);
      const want = [0, 3, 1, 4, 2, 5].map((i) => f(data[i]!));
      expect(h.read(out)).toEqual(want);
    }
  });

  it('rounds half to even, keeps NaN through sign and relu', () => {
    const h = harness();
    const x = h.view('float32', [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, Number.NaN], [8]);
    const out = h.out('float32', [8]);
    h.be.unary('round', x, out);
    expect(h.read(out).slice(0, 7)).toEqual([0, 2, 2, -0, -2, -2, 2]);
    const sg = h.out('float32', [4]);
    h.be.unary('sign', h.view('float32', [-3, 0, 2, Number.NaN], [4]), sg);
    expect(h.read(sg)).toEqual([-1, 0, 1, Number.NaN]);
    const r = h.out('float32', [3]);
    h.be.unary('relu', h.view('float32', [-1, 2, Number.NaN], [3]), r);
    expect(h.read(r)).toEqual([0, 2, Number.NaN]);
  });

  it('erf matches a Simpson-rule integral to 1e-12', () => {
    for (const v of [-7, -3.1, -2.5, -1, -0.3, 0, 1e-8, 0.2, 0.9, 1.7, 2.49, 2.51, 4, 5.9]) {
      const n = 20000;
      const hh = v / n;
      let s = 0;
      for (let i = 0; i <= n; i++) s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * Math.exp(-((i * hh) ** 2));
      const want = ((s * hh) / 3) * (2 / Math.sqrt(Math.PI));
      expect(Math.abs(erf(v) - want)).toBeLessThanOrEqual(1e-12 * Math.max(1e-3, Math.abs(want)) + 1e-300);
    }
  });

  it('writes bool for predicates and squares int32 with wrap-around', () => {
    const h = harness();
    const o = h.out('bool', [4]);
    h.be.unary('isfinite', h.view('float32', [1, Number.POSITIVE_INFINITY, Number.NaN, -2], [4]), o);
    expect(h.read(o)).toEqual([1, 0, 0, 1]);
    const sq = h.out('int32', [2]);
    h.be.unary('square', h.view('int32', [3, 65536 * 2], [2]), sq);
    expect(h.read(sq)).toEqual([9, 0]);
  });
});

describe('binary', () => {
  it('broadcasts a row and a column (stride 0) and a scalar', () => {
    const h = harness();
    const a = h.view('float32', [1, 2, 3], [2, 3], [0, 1]);
    const b = h.view('float32', [10, 20], [2, 3], [1, 0]);
    const out = h.out('float32', [2, 3]);
    h.be.binary('add', a, b, out);
    expect(h.read(out)).toEqual([11, 12, 13, 21, 22, 23]);
    const s = h.view('float32', [2], [2, 3], [0, 0]);
    h.be.binary('mul', { ...out, strides: [3, 1] }, s, out);
    expect(h.read(out)).toEqual([22, 24, 26, 42, 44, 46]);
  });

  it('matches references on random strided 4-d inputs', () => {
    const h = harness();
    const shape = [3, 4, 5, 6];
    const xs = rand(360, 9);
    const ys = rand(30, 10);
    // a: permuted (0,2,1,3) layout of a contiguous [3,5,4,6]; b: broadcast over dims 0 and 1.
    const a = h.view('float64', xs, shape, [120, 6, 24, 1]);
    const b = h.view('float64', ys, shape, [0, 0, 6, 1]);
    for (const [op, f] of [
      ['sub', (p: number, q: number) => p - q],
      ['max', Math.max],
      ['atan2', Math.atan2],
      ['remainder', (p: number, q: number) => p - q * Math.floor(p / q)],
    ] as const) {
      const out = h.out('float64', shape);
      h.be.binary(op, a, b, out);
      const got = h.read(out);
      let i = 0;
      for (let d0 = 0; d0 < 3; d0++)
        for (let d1 = 0; d1 < 4; d1++)
          for (let d2 = 0; d2 < 5; d2++)
            for (let d3 = 0; d3 < 6; d3++, i++) {
              const want = f(xs[d0 * 120 + d1 * 6 + d2 * 24 + d3]!, ys[d2 * 6 + d3]!);
              expect(got[i]).toBeCloseTo(want, 12);
            }
    }
  });

  it('propagates NaN through max/min and writes bool comparisons', () => {
    const h = harness();
    const a = h.view('float32', [1, Number.NaN, 3], [3]);
    const b = h.view('float32', [Number.NaN, 2, 1], [3]);
    const out = h.out('float32', [3]);
    h.be.binary('min', a, b, out);
    expect(h.read(out)).toEqual([Number.NaN, Number.NaN, 1]);
    const c = h.out('bool', [3]);
    h.be.binary('ne', a, b, c);
    expect(h.read(c)).toEqual([1, 1, 1]);
    h.be.binary('ge', a, b, c);
    expect(h.read(c)).toEqual([0, 0, 1]);
  });

  it('multiplies int32 with wrap-around and keeps bool results 0/1', () => {
    const h = harness();
    const o = h.out('int32', [1]);
    h.be.binary('mul', h.view('int32', [65537], [1]), h.view('int32', [65537], [1]), o);
    expect(h.read(o)).toEqual([Math.imul(65537, 65537)]);
    const bo = h.out('bool', [2]);
    h.be.binary('add', h.view('bool', [1, 0], [2]), h.view('bool', [1, 0], [2]), bo);
    expect(h.read(bo)).toEqual([1, 0]);
  });
});

describe('where, cast, copy, fill, arange', () => {
  it('selects with a broadcast condition', () => {
    const h = harness();
    const out = h.out('float32', [2, 2]);
    h.be.where(
      h.view('bool', [1, 0], [2, 2], [0, 1]),
      h.view('float32', [1, 2, 3, 4], [2, 2]),
      h.view('float32', [9], [2, 2], [0, 0]),
      out,
    );
    expect(h.read(out)).toEqual([1, 9, 3, 9]);
  });

  it('casts float to int32 toward zero and to bool as != 0', () => {
    const h = harness();
    const x = h.view('float32', [-1.7, 2.9, 0, Number.NaN], [4]);
    const i = h.out('int32', [4]);
    h.be.cast(x, i);
    expect(h.read(i)).toEqual([-1, 2, 0, 0]);
    const b = h.out('bool', [4]);
    h.be.cast(x, b);
    expect(h.read(b)).toEqual([1, 1, 0, 1]);
  });

  it('copies a transpose and fills a strided slice', () => {
    const h = harness();
    const src = h.view('float64', [1, 2, 3, 4, 5, 6], [3, 2], [1, 3]);
    const dst = h.view('float64', new Array(6).fill(0), [3, 2]);
    h.be.copy(src, dst);
    expect(h.read(dst)).toEqual([1, 4, 2, 5, 3, 6]);
    h.be.fill({ ...dst, shape: [3], strides: [2], offset: 1 }, 7);
    expect(h.read(dst)).toEqual([1, 7, 2, 7, 3, 7]);
    const a = h.out('float32', [4]);
    h.be.arange(a, 1, 0.5);
    expect(h.read(a)).toEqual([1, 1.5, 2, 2.5]);
  });
});
