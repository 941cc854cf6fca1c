import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import { binaryRef, unaryRef } from '../internal/reference.js';
import type { Backend, BinaryOp, DType, UnaryOp } from '../internal/tensor-types.js';
import {
  expectClose,
  LAYOUTS,
  makeOut,
  makeTensor,
  readOut,
  rng,
  size,
  unravel,
} from '../internal/test-views.js';

let be: Backend;
beforeAll(async () => {
  be = await createWasmBackend({ guards: true });
});

const SHAPES: readonly (readonly number[])[] = [[3, 5, 7], [2, 9], [13], [], [0, 4]];

const BOOL_OUT: ReadonlySet<UnaryOp> = new Set(['logicalNot', 'isnan', 'isinf', 'isfinite']);
const FLOAT_UNARY: readonly UnaryOp[] = [
  'neg',
  'abs',
  'sign',
  'square',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'floor',
  'ceil',
  'round',
  'trunc',
  'logicalNot',
  'isnan',
  'isinf',
  'isfinite',
];

/** Input generator suited to an op's domain. */
function domain(op: UnaryOp, r: () => number): () => number {
  if (op === 'log' || op === 'sqrt' || op === 'rsqrt') return () => Math.fround(r() * 20 + 1e-3);
  if (op === 'log1p') return () => Math.fround(r() * 10 - 0.99);
  if (op === 'asin' || op === 'acos') return () => Math.fround(r() * 2 - 1);
  if (op === 'exp' || op === 'expm1' || op === 'sinh' || op === 'cosh')
    return () => Math.fround((r() * 2 - 1) * 80);
  if (op === 'round') return () => Math.fround(Math.round((r() * 2 - 1) * 16) / 2); // exact halves
  if (op === 'isnan' || op === 'isinf' || op === 'isfinite' || op === 'logicalNot') {
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1.5];
    return () => special[Math.floor(r() * special.length)]!;
  }
  if (op === 'tanh' || op === 'sigmoid' || op === 'erf') return () => Math.fround((r() * 2 - 1) * 12);
  return () => Math.fround((r() * 2 - 1) * 5);
}

describe('unary float32', () => {
  for (const op of FLOAT_UNARY) {
    it(`${op} on every layout and shape`, () => {
      const r = rng(op.length * 101);
      for (const shape of SHAPES) {
        for (const layout of LAYOUTS) {
          const x = makeTensor(be, 'float32', shape, layout, r, domain(op, r));
          const outDtype: DType = BOOL_OUT.has(op) ? 'bool' : 'float32';
          const out = makeOut(be, outDtype, shape);
          be.unary(op, x.view, out);
          const want = x.values.map((v) => {
            const y = unaryRef(op, v, true);
            return outDtype === 'float32' ? Math.fround(y) : y;
          });
          const transcendental = [
            'sin',
            'cos',
            'tan',
            'sinh',
            'cosh',
            'expm1',
            'log1p',
            'asin',
            'acos',
            'atan',
          ].includes(op);
          expectClose(
            readOut(be, out),
            want,
            transcendental ? 4e-6 : 2.5e-6,
            1e-30,
            `${op} ${layout} [${shape}]`,
          );
          be.free(x.storage);
          be.free(out.storage);
        }
      }
    });
  }

  it('exp, log, tanh, sigmoid, erf keep ~1e-6 relative accuracy on dense sweeps', () => {
    const n = 20001;
    const cases: [UnaryOp, number, number][] = [
      ['exp', -87, 88],
      ['log', 1e-30, 1e30],
      ['tanh', -10, 10],
      ['sigmoid', -30, 30],
      ['erf', -5, 5],
    ];
    for (const [op, lo, hi] of cases) {
      const host = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        host[i] =
          op === 'log'
            ? Math.fround(lo * (hi / lo) ** (i / (n - 1)))
            : Math.fround(lo + ((hi - lo) * i) / (n - 1));
      }
      const s = be.alloc('float32', n);
      be.write(s, host);
      const out = makeOut(be, 'float32', [n]);
      be.unary(op, { storage: s, shape: [n], strides: [1], offset: 0 }, out);
      const got = readOut(be, out);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const want = unaryRef(op, host[i]!, true);
        const err = Math.abs(got[i]! - want) / Math.max(Math.abs(want), 1e-30);
        // erf near 0 and tanh near 0 are compared absolutely below 1e-3.
        const e = Math.abs(want) < 1e-3 ? Math.abs(got[i]! - want) : err;
        if (e > worst) worst = e;
      }
      expect(worst, op).toBeLessThan(op === 'erf' ? 1e-6 : 1e-6);
      be.free(s);
      be.free(out.storage);
    }
  });

  it('exp and log handle special values', () => {
    const xs = [
      0,
      -0,
      1,
      -1,
      88.7,
      89,
      1000,
      -87,
      -100,
      -200,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
    ];
    const s = be.alloc('float32', xs.length);
    be.write(s, new Float32Array(xs));
    const out = makeOut(be, 'float32', [xs.length]);
    be.unary('exp', { storage: s, shape: [xs.length], strides: [1], offset: 0 }, out);
    expectClose(
      readOut(be, out),
      xs.map((x) => Math.fround(Math.exp(Math.fround(x)))),
      2e-6,
      1e-44,
      'exp specials',
    );
    be.unary('log', { storage: s, shape: [xs.length], strides: [1], offset: 0 }, out);
    expectClose(
      readOut(be, out),
      xs.map((x) => (Object.is(x, -0) ? Number.NEGATIVE_INFINITY : Math.fround(Math.log(Math.fround(x))))),
      2e-6,
      0,
      'log specials',
    );
    be.free(s);
    be.free(out.storage);
  });
});

describe('unary int32 and bool', () => {
  const INT_OPS: readonly UnaryOp[] = [
    'neg',
    'abs',
    'sign',
    'square',
    'relu',
    'floor',
    'ceil',
    'round',
    'trunc',
    'logicalNot',
    'isnan',
    'isinf',
    'isfinite',
  ];
  for (const op of INT_OPS) {
    it(`int32 ${op}`, () => {
      const r = rng(op.length * 7);
      for (const shape of SHAPES) {
        for (const layout of LAYOUTS) {
          const x = makeTensor(be, 'int32', shape, layout, r);
          const outDtype: DType = BOOL_OUT.has(op) ? 'bool' : 'int32';
          const out = makeOut(be, outDtype, shape);
          be.unary(op, x.view, out);
          expect(readOut(be, out)).toEqual(x.values.map((v) => unaryRef(op, v, false) + 0));
          be.free(x.storage);
          be.free(out.storage);
        }
      }
    });
  }
  it('bool logicalNot', () => {
    const r = rng(3);
    for (const layout of LAYOUTS) {
      const x = makeTensor(be, 'bool', [4, 9], layout, r);
      const out = makeOut(be, 'bool', [4, 9]);
      be.unary('logicalNot', x.view, out);
      expect(readOut(be, out)).toEqual(x.values.map((v) => (v ? 0 : 1)));
      be.free(x.storage);
      be.free(out.storage);
    }
  });
});

const CMP: ReadonlySet<BinaryOp> = new Set([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
]);
const FLOAT_BINARY: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'max',
  'min',
  'atan2',
  'fmod',
  'remainder',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];

describe('binary', () => {
  const shape = [4, 5, 6];
  for (const op of FLOAT_BINARY) {
    it(`float32 ${op} over layout pairs`, () => {
      const r = rng(op.length * 13 + 1);
      const gen = CMP.has(op)
        ? () => Math.round((r() * 2 - 1) * 2)
        : op === 'pow'
          ? () => Math.fround(r() * 3 + 0.1)
          : undefined;
      for (const la of LAYOUTS) {
        for (const lb of LAYOUTS) {
          const a = makeTensor(be, 'float32', shape, la, r, gen);
          const b = makeTensor(
            be,
            'float32',
            shape,
            lb,
            r,
            gen ?? (() => Math.fround((r() * 2 - 1) * 3 || 1)),
          );
          const outDtype: DType = CMP.has(op) ? 'bool' : 'float32';
          const out = makeOut(be, outDtype, shape);
          be.binary(op, a.view, b.view, out);
          const want = a.values.map((v, i) => Math.fround(binaryRef(op, v, b.values[i]!, true)));
          expectClose(
            readOut(be, out),
            want,
            op === 'pow' || op === 'atan2' ? 2e-6 : 1e-7,
            1e-6,
            `${op} ${la}/${lb}`,
          );
          be.free(a.storage);
          be.free(b.storage);
          be.free(out.storage);
        }
      }
    });
  }

  it('float32 max/min propagate NaN; scalars and zero-size', () => {
    const s = be.alloc('float32', 4);
    be.write(s, new Float32Array([Number.NaN, 1, 2, Number.NaN]));
    const a = { storage: s, shape: [2], strides: [1], offset: 0 };
    const b = { storage: s, shape: [2], strides: [1], offset: 2 };
    const out = makeOut(be, 'float32', [2]);
    be.binary('max', a, b, out);
    expect(readOut(be, out)).toEqual([Number.NaN, Number.NaN]);
    const sc = makeOut(be, 'float32', []);
    be.binary(
      'add',
      { storage: s, shape: [], strides: [], offset: 1 },
      { storage: s, shape: [], strides: [], offset: 2 },
      sc,
    );
    expect(readOut(be, sc)).toEqual([3]);
    const z = makeOut(be, 'float32', [0, 3]);
    be.binary(
      'add',
      { storage: s, shape: [0, 3], strides: [3, 1], offset: 0 },
      { storage: s, shape: [0, 3], strides: [0, 0], offset: 0 },
      z,
    );
    expect(readOut(be, z)).toEqual([]);
    for (const st of [s, out.storage, sc.storage, z.storage]) be.free(st);
  });

  const INT_BINARY: readonly BinaryOp[] = [
    'add',
    'sub',
    'mul',
    'pow',
    'max',
    'min',
    'fmod',
    'remainder',
    'eq',
    'ne',
    'lt',
    'le',
    'gt',
    'ge',
    'logicalAnd',
    'logicalOr',
    'logicalXor',
  ];
  for (const op of INT_BINARY) {
    it(`int32 ${op}`, () => {
      const r = rng(op.length * 17 + 5);
      for (const la of LAYOUTS) {
        const a = makeTensor(be, 'int32', shape, la, r);
        const b = makeTensor(
          be,
          'int32',
          shape,
          'broadcast',
          r,
          op === 'pow' ? () => Math.floor(r() * 4) : undefined,
        );
        const outDtype: DType = CMP.has(op) ? 'bool' : 'int32';
        const out = makeOut(be, outDtype, shape);
        be.binary(op, a.view, b.view, out);
        const want = a.values.map((v, i) => {
          const y = binaryRef(op, v, b.values[i]!, false);
          return outDtype === 'int32' ? y | 0 : y;
        });
        expect(readOut(be, out), `${op} ${la}`).toEqual(want);
        be.free(a.storage);
        be.free(b.storage);
        be.free(out.storage);
      }
    });
  }

  it('bool logical ops and comparisons', () => {
    const r = rng(99);
    for (const op of ['logicalAnd', 'logicalOr', 'logicalXor', 'eq', 'ne', 'lt', 'max', 'min'] as const) {
      for (const la of LAYOUTS) {
        const a = makeTensor(be, 'bool', [3, 7], la, r);
        const b = makeTensor(be, 'bool', [3, 7], 'permuted', r);
        const out = makeOut(be, 'bool', [3, 7]);
        be.binary(op, a.view, b.view, out);
        expect(readOut(be, out), `${op} ${la}`).toEqual(
          a.values.map((v, i) => (binaryRef(op, v, b.values[i]!, false) ? 1 : 0)),
        );
        be.free(a.storage);
        be.free(b.storage);
        be.free(out.storage);
      }
    }
  });
});

describe('where, cast, copy, fill, arange', () => {
  it('where over dtypes and layouts', () => {
    const r = rng(5);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const layout of LAYOUTS) {
        const shape = [3, 4, 5];
        const c = makeTensor(be, 'bool', shape, layout, r);
        const a = makeTensor(be, dtype, shape, 'contiguous', r);
        const b = makeTensor(be, dtype, shape, layout === 'contiguous' ? 'contiguous' : 'broadcast', r);
        const out = makeOut(be, dtype, shape);
        be.where(c.view, a.view, b.view, out);
        expect(readOut(be, out), `${dtype} ${layout}`).toEqual(
          c.values.map((v, i) => (v ? a.values[i] : b.values[i])),
        );
        for (const t of [c, a, b]) be.free(t.storage);
        be.free(out.storage);
      }
    }
  });

  it('cast between every pair of dtypes', () => {
    const r = rng(6);
    const dtypes = ['float32', 'int32', 'bool'] as const;
    for (const from of dtypes) {
      for (const to of dtypes) {
        for (const layout of LAYOUTS) {
          const x = makeTensor(
            be,
            from,
            [5, 6],
            layout,
            r,
            from === 'float32' ? () => Math.fround((r() * 2 - 1) * 4) : undefined,
          );
          const out = makeOut(be, to, [5, 6]);
          be.cast(x.view, out);
          const want = x.values.map((v) =>
            to === 'bool' ? (v !== 0 ? 1 : 0) : to === 'int32' ? Math.trunc(v) + 0 : v,
          );
          expect(readOut(be, out), `${from}->${to} ${layout}`).toEqual(want);
          be.free(x.storage);
          be.free(out.storage);
        }
      }
    }
  });

  it('copy materialises any view into any strided destination', () => {
    const r = rng(7);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const layout of LAYOUTS) {
        const shape = [4, 3, 6];
        const src = makeTensor(be, dtype, shape, layout, r);
        // Destination: a transposed view into a larger storage.
        const dstStorage = be.alloc(dtype, 100);
        const dst = { storage: dstStorage, shape, strides: [1, 4, 12], offset: 5 };
        be.copy(src.view, dst);
        const all = Array.from(be.readSync!(dstStorage, 0, 100));
        const got = src.values.map((_, i) => {
          const [a, b, c] = unravel(i, shape) as [number, number, number];
          return all[5 + a + 4 * b + 12 * c]!;
        });
        expect(got, `${dtype} ${layout}`).toEqual(src.values);
        expect(all.slice(0, 5).every((v) => v === 0)).toBe(true);
        be.free(src.storage);
        be.free(dstStorage);
      }
    }
  });

  it('fill writes a strided view and nothing else', () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const s = be.alloc(dtype, 30);
      be.fill({ storage: s, shape: [3, 4], strides: [8, 2], offset: 1 }, dtype === 'float32' ? 2.5 : 1);
      const all = Array.from(be.readSync!(s, 0, 30));
      const want = new Array<number>(30).fill(0);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++) want[1 + 8 * i + 2 * j] = dtype === 'float32' ? 2.5 : 1;
      expect(all, dtype).toEqual(want);
      be.free(s);
    }
  });

  it('arange for float32 and int32', () => {
    const f = makeOut(be, 'float32', [11]);
    be.arange(f, -1, 0.25);
    expectClose(
      readOut(be, f),
      [...Array(11).keys()].map((i) => Math.fround(-1 + i * 0.25)),
      0,
      0,
      'arange f32',
    );
    const n = makeOut(be, 'int32', [7]);
    be.arange(n, 10, -3);
    expect(readOut(be, n)).toEqual([10, 7, 4, 1, -2, -5, -8]);
    be.free(f.storage);
    be.free(n.storage);
  });
});

describe('sizes', () => {
  it('handles a large contiguous buffer with tails', () => {
    const n = 100_003;
    const r = rng(8);
    const x = makeTensor(be, 'float32', [n], 'contiguous', r);
    const out = makeOut(be, 'float32', [n]);
    be.unary('sigmoid', x.view, out);
    expectClose(
      readOut(be, out),
      x.values.map((v) => Math.fround(1 / (1 + Math.exp(-v)))),
      2e-6,
      1e-7,
      'sigmoid 100k',
    );
    expect(size([n])).toBe(n);
    be.free(x.storage);
    be.free(out.storage);
  });
});
