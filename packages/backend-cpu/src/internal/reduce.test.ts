import { describe, expect, it } from 'vitest';
import { harness, rand } from '../test-utils/views.js';

/** Reference reduction over `axes` of a row-major array, in float64. */
function refReduce(
  data: number[],
  shape: number[],
  axes: number[],
  f: (acc: number, v: number) => number,
  init: number,
) {
  const outShape = shape.filter((_, d) => !axes.includes(d));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(outSize).fill(init);
  const total = data.length;
  for (let i = 0; i < total; i++) {
    let rem = i;
    const idx: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (!axes.includes(d)) o = o * shape[d]! + idx[d]!;
    out[o] = f(out[o]!, data[i]!);
  }
  return out;
}

describe('reduce', () => {
  const shape = [4, 5, 6];
  const data = rand(120, 3);
  const axesCases = [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];
  for (const axes of axesCases) {
    it(`sum/max/prod over ${axes} of a contiguous and a permuted view`, () => {
      const h = harness();
      const views = [
        h.view('float64', data, shape),
        // the same logical tensor stored as [6, 4, 5] and viewed through permuted strides
        h.view(
          'float64',
          Array.from({ length: 120 }, (_, j) => {
            const c = Math.floor(j / 20);
            const a = Math.floor((j % 20) / 5);
            const b = j % 5;
            return data[a * 30 + b * 6 + c]!;
          }),
          shape,
          [5, 1, 20],
        ),
      ];
      for (const v of views) {
        for (const [op, f, init] of [
          ['sum', (a: number, b: number) => a + b, 0],
          ['max', Math.max, Number.NEGATIVE_INFINITY],
          ['prod', (a: number, b: number) => a * b, 1],
        ] as const) {
          const outShape = shape.filter((_, d) => !axes.includes(d));
          const out = h.out('float64', outShape);
          h.be.reduce(op, v, axes, out);
          const want = refReduce(data, shape, axes, f, init);
          const got = h.read(out);
          for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 12);
        }
      }
    });
  }

  it('sums float32 accurately (float64 accumulation, one rounding)', () => {
    const h = harness();
    const n = 100000;
    const x = h.view('float32', new Array(n).fill(0.1), [n]);
    const out = h.out('float32', []);
    h.be.reduce('sum', x, [0], out);
    expect(h.read(out)[0]).toBe(Math.fround(Math.fround(0.1) * n));
  });

  it('gives identities on empty axes and int32 sums of bool', () => {
    const h = harness();
    const e = h.view('float32', [], [3, 0]);
    const s = h.out('float32', [3]);
    h.be.reduce('prod', e, [1], s);
    expect(h.read(s)).toEqual([1, 1, 1]);
    const b = h.out('int32', []);
    h.be.reduce('sum', h.view('bool', [1, 0, 1, 1], [4]), [0], b);
    expect(h.read(b)).toEqual([3]);
    const any = h.out('bool', [2]);
    h.be.reduce('any', h.view('float32', [0, 0, 0, Number.NaN], [2, 2]), [1], any);
    expect(h.read(any)).toEqual([0, 1]);
  });

  it('argmax returns the first maximum, NaN counting as maximum; max propagates NaN', () => {
    const h = harness();
    const x = h.view('float32', [1, 3, 3, 0, 2, Number.NaN, 5, Number.NaN], [2, 4]);
    const i = h.out('int32', [2]);
    h.be.reduce('argmax', x, [1], i);
    expect(h.read(i)).toEqual([1, 1]);
    h.be.reduce('argmin', x, [1], i);
    expect(h.read(i)).toEqual([3, 1]);
    const cols = h.out('int32', [4]);
    h.be.reduce('argmax', x, [0], cols);
    expect(h.read(cols)).toEqual([1, 1, 1, 1]);
    const m = h.out('float32', [2]);
    h.be.reduce('max', x, [1], m);
    expect(h.read(m)).toEqual([3, Number.NaN]);
    const mc = h.out('float32', [4]);
    h.be.reduce('min', { ...x, shape: [2, 4] }, [0], mc);
    expect(h.read(mc)).toEqual([1, Number.NaN, 3, Number.NaN]);
  });
});

describe('scan', () => {
  it('cumsum/cumprod/cummax along each axis of a strided view', () => {
    const h = harness();
    const data = [1, 2, 3, 4, 5, 6];
    const x = h.view('float64', data, [2, 3], [1, 2]); // transpose of [3,2]: [[1,3,5],[2,4,6]]
    const o = h.out('float64', [2, 3]);
    h.be.scan('cumsum', x, 1, o);
    expect(h.read(o)).toEqual([1, 4, 9, 2, 6, 12]);
    h.be.scan('cumprod', x, 0, o);
    expect(h.read(o)).toEqual([1, 3, 5, 2, 12, 30]);
    const y = h.view('float32', [1, Number.NaN, 5, 0], [4]);
    const m = h.out('float32', [4]);
    h.be.scan('cummax', y, 0, m);
    expect(h.read(m)).toEqual([1, Number.NaN, Number.NaN, Number.NaN]);
  });
});
