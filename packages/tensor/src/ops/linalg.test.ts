import { beforeAll, describe, expect, test } from 'vitest';
import type { Tensor } from '../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../errors/errors.js';
import {
  bmm,
  dot,
  einsum,
  fromTypedArray,
  linear,
  matmul,
  mm,
  mv,
  ones,
  outer,
  tensor,
  zeros,
} from '../index.js';
import { useCpu } from '../test-support/cpu.js';
import { expectGolden, golden } from '../test-support/golden-case.js';
import { expectCloseTo, randomValues, stridesOf, unravel } from '../test-support/reference.js';

beforeAll(() => {
  useCpu();
});

let seed = 1;
function rand(shape: number[], dtype: 'float32' | 'float64' = 'float32'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = randomValues(n, seed++);
  return fromTypedArray(dtype === 'float32' ? Float32Array.from(v) : Float64Array.from(v), shape);
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync() as ArrayLike<number>);

/** matmul of rank >= 2 operands with NumPy batch broadcasting, in float64. */
function refMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const av = flat(a);
  const bv = flat(b);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1]!;
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const r = Math.max(ba.length, bb.length);
  const pad = (s: number[]) => [...new Array<number>(r - s.length).fill(1), ...s];
  const pa = pad(ba);
  const pb = pad(bb);
  const batch = pa.map((s, i) => Math.max(s, pb[i]!));
  const nb = batch.reduce((x, y) => x * y, 1);
  const sa = stridesOf(pa);
  const sb = stridesOf(pb);
  const data: number[] = [];
  for (let q = 0; q < nb; q++) {
    const idx = unravel(q, batch);
    let oa = 0;
    let ob = 0;
    idx.forEach((v, i) => {
      oa += (pa[i] === 1 ? 0 : v) * sa[i]!;
      ob += (pb[i] === 1 ? 0 : v) * sb[i]!;
    });
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += av[oa * m * k + i * k + p]! * bv[ob * k * n + p * n + j]!;
        data.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], data };
}

/** Brute-force einsum over every assignment of the labels (letters only). */
function refEinsum(equation: string, ...ops: Tensor[]): { shape: number[]; data: number[] } {
  const [lhs, rhs] = equation.split('->') as [string, string];
  const terms = lhs.split(',');
  const size = new Map<string, number>();
  terms.forEach((t, i) => {
    [...t].forEach((c, d) => {
      size.set(c, Math.max(size.get(c) ?? 1, ops[i]!.shape[d]!));
    });
  });
  const labels = [...size.keys()];
  const out = [...rhs];
  const outShape = out.map((c) => size.get(c)!);
  const data = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const values = ops.map(flat);
  const total = labels.reduce((a, c) => a * size.get(c)!, 1);
  for (let q = 0; q < total; q++) {
    const idx = unravel(
      q,
      labels.map((c) => size.get(c)!),
    );
    const at = new Map(labels.map((c, i) => [c, idx[i]!]));
    let p = 1;
    terms.forEach((t, i) => {
      const st = stridesOf(ops[i]!.shape);
      let o = 0;
      [...t].forEach((c, d) => {
        o += (ops[i]!.shape[d] === 1 ? 0 : at.get(c)!) * st[d]!;
      });
      p *= values[i]![o]!;
    });
    const os = stridesOf(outShape);
    let o = 0;
    out.forEach((c, d) => {
      o += at.get(c)! * os[d]!;
    });
    data[o]! += p;
  }
  return { shape: outShape, data };
}

describe('golden cases (PyTorch 1.13)', () => {
  test('matmul in its 2-D, batched-broadcast, vector and transposed forms', () => {
    for (const id of ['matmul/2d', 'matmul/batched-broadcast', 'matmul/vector', 'matmul/transposed']) {
      const g = golden(id);
      expectGolden(matmul(g.tensor(0), g.tensor(1)), g);
    }
    expect(golden('matmul/transposed').tensor(0).isContiguous()).toBe(false);
  });

  test('bmm, outer, linear, einsum', () => {
    const b = golden('bmm/basic');
    expectGolden(bmm(b.tensor(0), b.tensor(1)), b);
    const o = golden('outer/basic');
    expectGolden(outer(o.tensor(0), o.tensor(1)), o);
    const l = golden('linear/bias');
    expectGolden(linear(l.tensor(0), l.tensor(1), l.tensor(2)), l);
    const e = golden('einsum/bij-bjk');
    expectGolden(einsum('bij,bjk->bik', e.tensor(0), e.tensor(1)), e);
  });
});

describe('matmul', () => {
  test('batched shapes with broadcasting match a float64 reference', () => {
    const cases: [number[], number[]][] = [
      [
        [3, 4],
        [4, 5],
      ],
      [
        [2, 3, 4],
        [4, 5],
      ],
      [
        [4, 5],
        [2, 5, 3],
      ],
      [
        [2, 1, 3, 4],
        [5, 4, 2],
      ],
      [
        [1, 3, 2],
        [4, 2, 6],
      ],
    ];
    for (const [sa, sb] of cases) {
      const a = rand(sa);
      const b = rand(sb);
      const want = refMatmul(a, b);
      const y = matmul(a, b);
      expect(y.shape).toEqual(want.shape);
      expectCloseTo(y, want.data, 1e-5, 1e-5);
    }
  });

  test('transposed and broadcast operands are read through their strides', () => {
    const a = rand([5, 3]);
    const b = rand([2, 4, 5]);
    const y = matmul(a.t(), b.transpose(1, 2));
    const want = refMatmul(a.t().contiguous(), b.transpose(1, 2).contiguous());
    expect(y.shape).toEqual([2, 3, 4]);
    expectCloseTo(y, want.data, 1e-5, 1e-5);
    const e = rand([4, 1]).expand([4, 3]);
    expectCloseTo(matmul(e, ones([3, 2])), refMatmul(e.contiguous(), ones([3, 2])).data, 1e-5, 1e-5);
  });

  test('1-D operands: dot, vector-matrix, matrix-vector, batched', () => {
    const v = tensor([1, 2, 3]).float();
    const m = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]).float();
    const d = matmul(v, v);
    expect(d.shape).toEqual([]);
    expect(d.item()).toBe(14);
    expect(matmul(v, m).toArray()).toEqual([4, 5]);
    expect(matmul(m.t(), v).toArray()).toEqual([4, 5]);
    const batch = rand([2, 3, 4]);
    const y = matmul(tensor([1, 1, 1]).float(), batch);
    expect(y.shape).toEqual([2, 4]);
    expectCloseTo(y, refMatmul(ones([1, 3]), batch).data, 1e-5, 1e-5);
    expect(matmul(batch, ones([4])).shape).toEqual([2, 3]);
    expect(mv(m.t(), v).toArray()).toEqual([4, 5]);
    expect(dot(v, v).item()).toBe(14);
  });

  test('integer operands multiply exactly and stay int32; float64 stays float64', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const y = matmul(a, a);
    expect(y.dtype).toBe('int32');
    expect(y.toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    const big = tensor([[46341]]);
    expect(mm(big, tensor([[46340]])).item()).toBe(46341 * 46340);
    const f = rand([2, 3], 'float64');
    expect(matmul(f, rand([3, 2], 'float64')).dtype).toBe('float64');
  });

  test('an empty inner dim gives zeros; empty outer dims give an empty result', () => {
    expect(matmul(zeros([2, 0]), zeros([0, 3])).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(matmul(zeros([0, 2]), zeros([2, 3])).shape).toEqual([0, 3]);
  });

  test('errors name the op, the shapes and the mismatch', () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(ShapeError);
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(
      'matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)',
    );
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow(
      'matmul: shapes [3] and [4] cannot be multiplied (3 != 4)',
    );
    expect(() => matmul(zeros([2, 3]), zeros([2]))).toThrow(
      'matmul: shapes [2, 3] and [2] cannot be multiplied (3 != 2)',
    );
    expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 4]))).toThrow(
      /matmul: batch dims .* cannot be broadcast \(2 != 3/,
    );
    expect(() => matmul(tensor(1), zeros([2]))).toThrow(/at least 1-D \(got 0-D and 1-D\)/);
    expect(() => matmul(zeros([2, 2]), zeros([2, 2], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => matmul(tensor([[true]]), tensor([[true]]))).toThrow(DTypeError);
    expect(() => mm(zeros([2]), zeros([2, 2]))).toThrow(ShapeError);
    expect(() => mm(zeros([2, 3]), zeros([4, 5]))).toThrow(
      'mm: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)',
    );
    expect(() => bmm(zeros([3, 2, 2]), zeros([2, 2, 2]))).toThrow(/same number of batches \(got 3 and 2\)/);
    expect(() => bmm(zeros([2, 2]), zeros([2, 2]))).toThrow(ShapeError);
    expect(() => dot(zeros([3]), zeros([4]))).toThrow(ShapeError);
    expect(() => dot(zeros([3, 1]), zeros([3]))).toThrow(/1D tensors expected/);
    expect(() => outer(zeros([2, 2]), zeros([2]))).toThrow(ShapeError);
  });
});

describe('linear', () => {
  test('any leading dims, with and without bias, equals x @ W.T + b', () => {
    const w = rand([6, 4]);
    const b = rand([6]);
    for (const shape of [[4], [3, 4], [2, 3, 4]]) {
      const x = rand(shape);
      const x2 = x.reshape([-1, 4]);
      const base = refMatmul(x2, w.t().contiguous()).data;
      const bias = flat(b);
      const y = linear(x, w, b);
      expect(y.shape).toEqual([...shape.slice(0, -1), 6]);
      expectCloseTo(
        y,
        base.map((v, i) => v + bias[i % 6]!),
        1e-5,
        1e-5,
      );
      expectCloseTo(linear(x, w), base, 1e-5, 1e-5);
    }
  });

  test('a broadcastable bias of another shape takes the composite path with the same result', () => {
    const x = rand([3, 4]);
    const w = rand([2, 4]);
    const b = rand([2]);
    expectCloseTo(linear(x, w, b.reshape([1, 2])), flat(linear(x, w, b)), 1e-6, 1e-6);
  });

  test('feature mismatch is a shape error', () => {
    expect(() => linear(zeros([3, 5]), zeros([6, 4]))).toThrow(
      'linear: shapes [3, 5] and [4, 6] cannot be multiplied (5 != 4)',
    );
    expect(() => linear(zeros([3, 4]), zeros([4]))).toThrow(/weight must be 2-D/);
  });
});

describe('einsum', () => {
  test('equations match a brute-force reference', () => {
    const cases: [string, number[][]][] = [
      [
        'ij,jk->ik',
        [
          [2, 3],
          [3, 4],
        ],
      ],
      ['ij->ji', [[2, 3]]],
      ['ii->i', [[3, 3]]],
      ['ii->', [[3, 3]]],
      ['ij->', [[2, 3]]],
      ['i,j->ij', [[2], [3]]],
      ['i,i->', [[4], [4]]],
      [
        'bij,bjk->bik',
        [
          [2, 3, 4],
          [2, 4, 5],
        ],
      ],
      [
        'bik,bjk->bij',
        [
          [2, 3, 4],
          [2, 5, 4],
        ],
      ],
      [
        'ij,jk,kl->il',
        [
          [2, 3],
          [3, 4],
          [4, 2],
        ],
      ],
      [
        'abc,cd->bad',
        [
          [2, 3, 4],
          [4, 2],
        ],
      ],
      [
        'ij,ij->ij',
        [
          [2, 3],
          [2, 3],
        ],
      ],
      [
        'iij,jk->ik',
        [
          [3, 3, 2],
          [2, 2],
        ],
      ],
      [
        'ij,kj->',
        [
          [2, 3],
          [4, 3],
        ],
      ],
      [
        'ab,ab->a',
        [
          [1, 3],
          [4, 3],
        ],
      ],
      [
        'bhqd,bhkd->bhqk',
        [
          [2, 2, 3, 4],
          [2, 2, 5, 4],
        ],
      ],
    ];
    for (const [eq, shapes] of cases) {
      const ops = shapes.map((s) => rand(s));
      const want = refEinsum(eq, ...ops);
      const y = einsum(eq, ...ops);
      expect(y.shape, eq).toEqual(want.shape);
      expectCloseTo(y, want.data, 1e-5, 1e-5);
    }
  });

  test('implicit output, spaces and ellipsis', () => {
    const a = rand([2, 3]);
    const b = rand([3, 4]);
    expectCloseTo(einsum('ij,jk', a, b), refMatmul(a, b).data, 1e-5, 1e-5);
    expect(einsum('ba', a).shape).toEqual([3, 2]);
    expectCloseTo(einsum(' i j , j k -> i k ', a, b), refMatmul(a, b).data, 1e-5, 1e-5);
    const x = rand([2, 5, 3, 4]);
    const w = rand([4, 6]);
    const y = einsum('...ij,jk->...ik', x, w);
    expect(y.shape).toEqual([2, 5, 3, 6]);
    expectCloseTo(y, refMatmul(x, w).data, 1e-5, 1e-5);
    const z = einsum('...ij,...jk', rand([5, 3, 4]), rand([2, 1, 4, 2]));
    expect(z.shape).toEqual([2, 5, 3, 2]);
    expect(einsum('i->', tensor([1, 2, 3])).item()).toBe(6);
  });

  test('malformed equations and size mismatches throw', () => {
    const a = zeros([2, 3]);
    expect(() => einsum('ij,jk->ik', a)).toThrow(ValueError);
    expect(() => einsum('ijk->i', a)).toThrow(
      /number of subscripts in the equation \(3\) does not match the number of dimensions \(2\)/,
    );
    expect(() => einsum('ij,jk->ik', a, zeros([4, 2]))).toThrow(
      /subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3/,
    );
    expect(() => einsum('ij->iz', a)).toThrow(/output subscript z does not appear/);
    expect(() => einsum('ij->ii', a)).toThrow(/appears more than once/);
    expect(() => einsum('i1->i', a)).toThrow(/invalid subscript '1'/);
  });
});
