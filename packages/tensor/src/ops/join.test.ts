import { beforeAll, describe, expect, test } from 'vitest';
import { ShapeError, ValueError } from '../errors/errors.js';
import { arange, cat, stack, tensor, zeros } from '../index.js';
import { useCpu } from '../test-support/cpu.js';
import { expectGolden, golden } from '../test-support/golden-case.js';

beforeAll(() => {
  useCpu();
});

describe('golden cases (PyTorch 1.13)', () => {
  test('cat along dim 1 and stack along dim 0', () => {
    const c = golden('cat/dim1');
    expectGolden(cat([c.tensor(0), c.tensor(1)], 1), c);
    const s = golden('stack/dim0');
    expectGolden(stack([s.tensor(0), s.tensor(1)], 0), s);
  });
});

describe('cat', () => {
  test('joins along any dim, views included', () => {
    const a = arange(6).reshape([2, 3]);
    const b = arange(6, 10).reshape([2, 2]);
    expect(cat([a, b], 1).toArray()).toEqual([
      [0, 1, 2, 6, 7],
      [3, 4, 5, 8, 9],
    ]);
    expect(cat([a, a.flip([0])], -2).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [3, 4, 5],
      [0, 1, 2],
    ]);
    expect(cat([a.t(), b.t()], 0).toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
      [6, 8],
      [7, 9],
    ]);
    expect(cat([a]).toArray()).toEqual(a.toArray());
  });

  test('promotes dtypes and skips 1-D empty tensors as PyTorch does', () => {
    const y = cat([tensor([1, 2]), tensor([0.5])]);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([1, 2, 0.5]);
    expect(cat([zeros([0]), tensor([[1, 2]])], 0).toArray()).toEqual([[1, 2]]);
    expect(cat([zeros([0, 2]), tensor([[1, 2]]).float()], 0).toArray()).toEqual([[1, 2]]);
    expect(cat([tensor([true]), tensor([3])]).dtype).toBe('int32');
  });

  test('errors', () => {
    expect(() => cat([])).toThrow(ValueError);
    expect(() => cat([zeros([2, 3]), zeros([3, 3])], 1)).toThrow(ShapeError);
    expect(() => cat([zeros([2, 3]), zeros([3, 3])], 1)).toThrow(
      'cat: sizes of tensors must match except in dimension 1 (got size 3 for tensor number 1 in the list, expected size 2 at dimension 0)',
    );
    expect(() => cat([zeros([2, 3]), zeros([3])])).toThrow(/same number of dimensions/);
    expect(() => cat([tensor(1), tensor(2)])).toThrow(/zero-dimensional tensor/);
    expect(() => cat([zeros([2])], 1)).toThrow(/dimension out of range/);
  });
});

describe('stack', () => {
  test('adds a new dim at any position', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([a, b], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([a, b], -1).shape).toEqual([2, 2]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
    expect(stack([zeros([2, 3]), zeros([2, 3])], 2).shape).toEqual([2, 3, 2]);
  });

  test('errors', () => {
    expect(() => stack([])).toThrow(ValueError);
    expect(() => stack([zeros([2, 3]), zeros([2, 4])])).toThrow(
      'stack: expects each tensor to be equal size (got [2, 3] at entry 0 and [2, 4] at entry 1)',
    );
    expect(() => stack([zeros([2])], 2)).toThrow(/dimension out of range/);
  });
});
