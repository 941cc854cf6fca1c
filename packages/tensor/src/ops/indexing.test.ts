import { beforeAll, describe, expect, test } from 'vitest';
import { DTypeError, ShapeError, ValueError } from '../errors/errors.js';
import { gather, index, indexSelect, maskedSelect, scatter, scatterAdd, tensor, zeros } from '../index.js';
import { useCpu } from '../test-support/cpu.js';
import { expectGolden, golden } from '../test-support/golden-case.js';
import { stridesOf, unravel } from '../test-support/reference.js';

beforeAll(() => {
  useCpu();
});

const flat = (t: { dataSync(): ArrayLike<number> }): number[] => Array.from(t.dataSync());

describe('golden cases (PyTorch 1.13)', () => {
  test('gather, scatter_add, index_select', () => {
    const g = golden('gather/dim2');
    expectGolden(gather(g.tensor(0), 2, g.tensor(2)), g);
    const s = golden('scatter_add/dim1');
    expectGolden(scatterAdd(s.tensor(0), 1, s.tensor(2), s.tensor(3)), s);
    const i = golden('index_select/dim1');
    expectGolden(indexSelect(i.tensor(0), 1, i.tensor(2)), i);
  });
});

describe('gather', () => {
  test('matches out[i][j][k] = x[i][index[i][j][k]][k] for every dim', () => {
    const shape = [2, 3, 4];
    const x = tensor(
      [...Array(24).keys()].map((v) => v * 1.5),
      { dtype: 'float32' },
    ).reshape(shape);
    const xs = flat(x);
    const st = stridesOf(shape);
    for (let dim = 0; dim < 3; dim++) {
      const ishape = [2, 2, 3];
      const n = 12;
      const idxValues = [...Array(n).keys()].map((k) => (k * 7 + dim) % shape[dim]!);
      const idx = tensor(idxValues).reshape(ishape);
      const want = idxValues.map((v, k) => {
        const pos = unravel(k, ishape);
        pos[dim] = v;
        return xs[pos.reduce((a, p, d) => a + p * st[d]!, 0)]!;
      });
      expect(flat(gather(x, dim, idx)), `dim ${dim}`).toEqual(want);
    }
  });

  test('reads strided inputs and indices', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]).t();
    const idx = tensor([
      [1, 0],
      [0, 0],
    ]).t();
    // x = [[1, 3], [2, 4]], idx = [[1, 0], [0, 0]]
    expect(gather(x, 1, idx).toArray()).toEqual([
      [3, 1],
      [2, 2],
    ]);
  });

  test('errors', () => {
    const x = zeros([2, 5]);
    expect(() => gather(x, 1, zeros([2, 2]))).toThrow(DTypeError);
    expect(() => gather(x, 1, zeros([2, 2]))).toThrow(
      'gather: index must be an int32 tensor (got float32, expected int32)',
    );
    expect(() => gather(x, 1, tensor([[7, 0]]))).toThrow(ValueError);
    expect(() => gather(x, 1, tensor([[7, 0]]))).toThrow(
      'gather: index 7 is out of bounds for dimension 1 with size 5',
    );
    expect(() => gather(x, 1, tensor([[-1]]))).toThrow(
      'gather: index -1 is out of bounds for dimension 1 with size 5',
    );
    expect(() => gather(x, 1, tensor([0, 1]))).toThrow(ShapeError);
    expect(() => gather(x, 1, tensor([[0], [0], [0]]))).toThrow(/size does not match at dimension 0/);
    expect(() => gather(x, 2, tensor([[0]]))).toThrow(/dimension out of range/);
  });

  test('large indices are range-checked on the device', () => {
    const n = 5000;
    const x = tensor([10, 20, 30]).float();
    const values = Int32Array.from({ length: n }, (_, i) => i % 3);
    expect(flat(gather(x, 0, tensor(values))).slice(0, 4)).toEqual([10, 20, 30, 10]);
    values[4321] = 3;
    expect(() => gather(x, 0, tensor(values))).toThrow(
      'gather: index 3 is out of bounds for dimension 0 with size 3',
    );
    values[4321] = -2;
    expect(() => indexSelect(x, 0, tensor(values))).toThrow(
      'indexSelect: index -2 is out of bounds for dimension 0 with size 3',
    );
  });
});

describe('scatterAdd and scatter', () => {
  test('scatterAdd accumulates repeated indices and leaves the input untouched', () => {
    const x = tensor([
      [1, 1, 1],
      [2, 2, 2],
    ]).float();
    const idx = tensor([
      [0, 0],
      [2, 1],
    ]);
    const src = tensor([
      [10, 20, 99],
      [30, 40, 99],
    ]).float();
    expect(scatterAdd(x, 1, idx, src).toArray()).toEqual([
      [31, 1, 1],
      [2, 42, 32],
    ]);
    expect(x.toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(scatterAdd(zeros([3]), 0, tensor([0, 2, 0]), tensor([1, 2, 3]).float()).toArray()).toEqual([
      4, 0, 2,
    ]);
  });

  test('scatter writes values or a number', () => {
    expect(scatter(zeros([2, 3]), 1, tensor([[2], [0]]), 7).toArray()).toEqual([
      [0, 0, 7],
      [7, 0, 0],
    ]);
    const src = tensor([
      [5, 6],
      [7, 8],
    ]).float();
    expect(scatter(zeros([2, 3]).add(1), 0, tensor([[1, 0]]), src).toArray()).toEqual([
      [1, 6, 1],
      [5, 1, 1],
    ]);
    expect(
      zeros([3])
        .scatter(0, tensor([1]), tensor([4]).float())
        .toArray(),
    ).toEqual([0, 4, 0]);
  });

  test('errors', () => {
    const x = zeros([2, 3]);
    expect(() => scatterAdd(x, 1, tensor([[3]]), zeros([1, 1]))).toThrow(
      'scatterAdd: index 3 is out of bounds for dimension 1 with size 3',
    );
    expect(() => scatterAdd(x, 1, zeros([1, 1]), zeros([1, 1]))).toThrow(DTypeError);
    expect(() => scatterAdd(x, 1, tensor([[0]]), zeros([1, 1], { dtype: 'float64' }))).toThrow(
      /self.dtype to be equal to src.dtype/,
    );
    expect(() => scatterAdd(x, 1, tensor([[0, 0]]), zeros([1, 1]))).toThrow(ShapeError);
    expect(() => scatter(x, 0, tensor([[2]]), 1)).toThrow(
      'scatter: index 2 is out of bounds for dimension 0 with size 2',
    );
  });
});

describe('indexSelect, index, maskedSelect', () => {
  test('indexSelect along each dim, with repeats', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(indexSelect(x, 0, tensor([1, 1, 0])).toArray()).toEqual([
      [4, 5, 6],
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(indexSelect(x, 1, tensor([2, 0])).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
    expect(indexSelect(x.t(), 1, tensor([1])).toArray()).toEqual([[4], [5], [6]]);
    expect(indexSelect(x, 0, tensor([], { dtype: 'int32' })).shape).toEqual([0, 3]);
  });

  test('indexSelect errors', () => {
    const x = zeros([2, 3]);
    expect(() => indexSelect(x, 1, tensor([0, 3]))).toThrow(
      'indexSelect: index 3 is out of bounds for dimension 1 with size 3',
    );
    expect(() => indexSelect(x, 1, tensor([0.5]))).toThrow(DTypeError);
    expect(() => indexSelect(x, 1, tensor([[0]]))).toThrow(/0-D or 1-D/);
  });

  test('index takes rows by an int tensor of any shape, negative from the end', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = index(x, tensor([[2, -3]]));
    expect(y.shape).toEqual([1, 2, 2]);
    expect(y.toArray()).toEqual([
      [
        [5, 6],
        [1, 2],
      ],
    ]);
    expect(() => index(x, tensor([3]))).toThrow(
      'index: index 3 is out of bounds for dimension 0 with size 3',
    );
  });

  test('maskedSelect broadcasts the mask', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(maskedSelect(x, tensor([true, false])).toArray()).toEqual([1, 3]);
    expect(
      x
        .maskedSelect(
          tensor([
            [false, true],
            [true, true],
          ]),
        )
        .toArray(),
    ).toEqual([2, 3, 4]);
    expect(maskedSelect(x, tensor([false, false])).shape).toEqual([0]);
    expect(() => maskedSelect(x, tensor([1, 0]))).toThrow(DTypeError);
  });
});
