import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import type { Backend, DType, ReduceOp, ScanOp } from '../internal/tensor-types.js';
import {
  expectClose,
  LAYOUTS,
  makeOut,
  makeTensor,
  ravel,
  readOut,
  rng,
  size,
  unravel,
} from '../internal/test-views.js';

let be: Backend;
beforeAll(async () => {
  be = await createWasmBackend({ guards: true });
});

function reduceRef(
  op: ReduceOp,
  values: readonly number[],
  shape: readonly number[],
  axes: readonly number[],
  isInt = false,
): number[] {
  const outShape = shape.filter((_, d) => !axes.includes(d));
  const groups: number[][] = Array.from({ length: size(outShape) }, () => []);
  for (let i = 0; i < values.length; i++) {
    const c = unravel(i, shape);
    groups[
      ravel(
        c.filter((_, d) => !axes.includes(d)),
        outShape,
      )
    ]!.push(values[i]!);
  }
  return groups.map((g) => {
    switch (op) {
      case 'sum':
        return g.reduce((a, b) => a + b, 0);
      case 'prod':
        return isInt ? g.reduce((a, b) => Math.imul(a, b), 1) : g.reduce((a, b) => a * b, 1);
      case 'max':
        return g.some(Number.isNaN) ? Number.NaN : Math.max(...g);
      case 'min':
        return g.some(Number.isNaN) ? Number.NaN : Math.min(...g);
      case 'argmax':
      case 'argmin': {
        const nan = g.findIndex(Number.isNaN);
        if (nan >= 0) return nan;
        let best = 0;
        for (let i = 1; i < g.length; i++)
          if (op === 'argmax' ? g[i]! > g[best]! : g[i]! < g[best]!) best = i;
        return best;
      }
      case 'any':
        return g.some((v) => v !== 0) ? 1 : 0;
      default:
        return g.every((v) => v !== 0) ? 1 : 0;
    }
  });
}

function outDtype(op: ReduceOp, dtype: DType): DType {
  if (op === 'any' || op === 'all') return 'bool';
  if (op === 'argmax' || op === 'argmin') return 'int32';
  if ((op === 'sum' || op === 'prod') && dtype !== 'float32') return 'int32';
  return dtype;
}

const AXES: readonly (readonly number[])[] = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];

describe('reduce', () => {
  const shape = [5, 6, 7];
  for (const op of ['sum', 'prod', 'max', 'min', 'argmax', 'argmin', 'any', 'all'] as const) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      if (dtype === 'bool' && (op === 'prod' || op === 'argmax' || op === 'argmin')) continue;
      it(`${op} ${dtype} over axes and layouts`, () => {
        const r = rng(op.length * 31 + dtype.length);
        const gen =
          dtype === 'float32' && op === 'prod'
            ? () => Math.fround(0.8 + r() * 0.4)
            : dtype === 'float32' && (op === 'any' || op === 'all')
              ? () => (r() < 0.1 ? 0 : 1)
              : undefined;
        for (const layout of LAYOUTS) {
          for (const axes of AXES) {
            if ((op === 'argmax' || op === 'argmin') && axes.length > 1) continue;
            const x = makeTensor(be, dtype, shape, layout, r, gen);
            const oShape = shape.filter((_, d) => !axes.includes(d));
            const od = outDtype(op, dtype);
            const out = makeOut(be, od, oShape);
            be.reduce(op, x.view, axes, out);
            let want = reduceRef(op, x.values, shape, axes, dtype !== 'float32');
            if (od === 'float32') want = want.map(Math.fround);
            if (od === 'int32') want = want.map((v) => v | 0);
            expectClose(
              readOut(be, out),
              want,
              dtype === 'float32' ? 2e-6 : 0,
              dtype === 'float32' ? 2e-5 : 0,
              `${op} ${dtype} ${layout} axes ${axes}`,
            );
            be.free(x.storage);
            be.free(out.storage);
          }
        }
      });
    }
  }

  it('empty reductions give the identity; NaN propagates and wins argmax', () => {
    const s = be.alloc('float32', 8);
    be.write(s, new Float32Array([1, Number.NaN, 3, 2, 5, 5, 0, 0]));
    const empty = { storage: s, shape: [3, 0], strides: [1, 1], offset: 0 };
    for (const [op, id] of [
      ['sum', 0],
      ['prod', 1],
      ['any', 0],
      ['all', 1],
    ] as const) {
      const out = makeOut(be, op === 'any' || op === 'all' ? 'bool' : 'float32', [3]);
      be.reduce(op, empty, [1], out);
      expect(readOut(be, out), op).toEqual([id, id, id]);
      be.free(out.storage);
    }
    const row = { storage: s, shape: [2, 3], strides: [3, 1], offset: 0 };
    const mx = makeOut(be, 'float32', [2]);
    be.reduce('max', row, [1], mx);
    expect(readOut(be, mx)).toEqual([Number.NaN, 5]);
    const am = makeOut(be, 'int32', [2]);
    be.reduce('argmax', row, [1], am);
    expect(readOut(be, am)).toEqual([1, 1]);
    be.reduce('argmin', { storage: s, shape: [4], strides: [1], offset: 4 }, [0], am);
    expect(readOut(be, am)[0]).toBe(2);
    for (const st of [s, mx.storage, am.storage]) be.free(st);
  });

  it('sums a large vector in float64 precision', () => {
    const n = 1 << 20;
    const host = new Float32Array(n).fill(0.1);
    const s = be.alloc('float32', n);
    be.write(s, host);
    const out = makeOut(be, 'float32', []);
    be.reduce('sum', { storage: s, shape: [n], strides: [1], offset: 0 }, [0], out);
    expect(readOut(be, out)[0]).toBe(Math.fround(n * Math.fround(0.1)));
    // Column sums of a [1024, 1024] block (the vectorised column path).
    const cols = makeOut(be, 'float32', [1024]);
    be.reduce('sum', { storage: s, shape: [1024, 1024], strides: [1024, 1], offset: 0 }, [0], cols);
    expect(readOut(be, cols).every((v) => v === Math.fround(1024 * Math.fround(0.1)))).toBe(true);
    be.free(s);
    be.free(out.storage);
    be.free(cols.storage);
  });
});

describe('scan', () => {
  function scanRef(op: ScanOp, values: readonly number[], shape: readonly number[], axis: number): number[] {
    const out = values.slice();
    for (let i = 0; i < values.length; i++) {
      const c = unravel(i, shape);
      if (c[axis] === 0) continue;
      const prev =
        out[
          ravel(
            c.map((v, d) => (d === axis ? v - 1 : v)),
            shape,
          )
        ]!;
      const v = values[i]!;
      out[i] =
        op === 'cumsum'
          ? prev + v
          : op === 'cumprod'
            ? prev * v
            : Number.isNaN(prev) || Number.isNaN(v)
              ? Number.NaN
              : op === 'cummax'
                ? Math.max(prev, v)
                : Math.min(prev, v);
    }
    return out;
  }
  for (const op of ['cumsum', 'cumprod', 'cummax', 'cummin'] as const) {
    it(`${op} along each axis, float32 and int32`, () => {
      const r = rng(op.length * 3);
      const shape = [4, 5, 6];
      for (const dtype of ['float32', 'int32'] as const) {
        for (const layout of LAYOUTS) {
          for (let axis = 0; axis < 3; axis++) {
            const gen =
              op === 'cumprod'
                ? dtype === 'float32'
                  ? () => Math.fround(0.7 + r() * 0.6)
                  : () => Math.floor(r() * 3) - 1
                : undefined;
            const x = makeTensor(be, dtype, shape, layout, r, gen);
            const out = makeOut(be, dtype, shape);
            be.scan(op, x.view, axis, out);
            let want = scanRef(op, x.values, shape, axis);
            want = dtype === 'float32' ? want.map(Math.fround) : want.map((v) => v | 0);
            expectClose(
              readOut(be, out),
              want,
              dtype === 'float32' ? 2e-6 : 0,
              dtype === 'float32' ? 1e-5 : 0,
              `${op} ${dtype} ${layout} axis ${axis}`,
            );
            be.free(x.storage);
            be.free(out.storage);
          }
        }
      }
    });
  }
  it('cumsum of bool writes int32', () => {
    const r = rng(4);
    const x = makeTensor(be, 'bool', [3, 8], 'permuted', r);
    const out = makeOut(be, 'int32', [3, 8]);
    be.scan('cumsum', x.view, 1, out);
    expect(readOut(be, out)).toEqual(scanRef('cumsum', x.values, [3, 8], 1));
    be.free(x.storage);
    be.free(out.storage);
  });
});
