import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { tensor, zeros } from '../creation.js';
import { embedding } from './embedding.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './test-golden.js';

beforeAll(registerTestBackends);

describe.each(DEVICES)('embedding on %s', (device) => {
  it('matches PyTorch', () => {
    const c = goldenCase('embedding/basic');
    const idx = inputOf(c, 0, device);
    expect(idx.dtype).toBe('int32');
    expectGolden(embedding(idx, inputOf(c, 1, device)), c);
  });

  it('keeps any index shape, including 0-dim, and leaves paddingIdx rows as they are', () => {
    const w = tensor(
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
      { device, dtype: 'float32' },
    );
    expect(embedding(tensor([[2], [0]], { device, dtype: 'int32' }), w).toArray()).toEqual([
      [[4, 5]],
      [[0, 1]],
    ]);
    expect(embedding(tensor(1, { device, dtype: 'int32' }), w).toArray()).toEqual([2, 3]);
    expect(embedding(tensor([1, 2], { device, dtype: 'int32' }), w, { paddingIdx: -1 }).toArray()).toEqual([
      [2, 3],
      [4, 5],
    ]);
    expect(embedding(tensor([], { device, dtype: 'int32' }), w).shape).toEqual([0, 2]);
  });

  it('maxNorm renormalises the looked-up rows in place', () => {
    const w = tensor(
      [
        [3, 4],
        [0.3, 0.4],
        [6, 8],
      ],
      { device, dtype: 'float32' },
    );
    const y = embedding(tensor([0, 1], { device, dtype: 'int32' }), w, { maxNorm: 1 });
    const s = 1 / (5 + 1e-7);
    expectClose(y, { shape: [2, 2], data: [3 * s, 4 * s, 0.3, 0.4] });
    // NOTE: row 2 was not looked up, so it keeps its norm of 10.
    expectClose(w, { shape: [3, 2], data: [3 * s, 4 * s, 0.3, 0.4, 6, 8] });
  });
});

describe('embedding errors', () => {
  it('checks dtype, rank and range', () => {
    registerTestBackends();
    const w = zeros([10, 4]);
    expect(() => embedding(tensor([1.5]), w)).toThrow(DTypeError);
    expect(() => embedding(tensor([1.5]), w)).toThrow(
      'embedding: expected indices of an integer dtype (got float32, expected int32)',
    );
    expect(() => embedding(tensor([1], { dtype: 'int32' }), zeros([10]))).toThrow(ShapeError);
    expect(() => embedding(tensor([3, 10], { dtype: 'int32' }), w)).toThrow(
      'embedding: index 10 is out of range for a weight of 10 rows (weight [10, 4])',
    );
    expect(() => embedding(tensor([-1], { dtype: 'int32' }), w)).toThrow(ValueError);
    expect(() => embedding(tensor([1], { dtype: 'int32' }), w, { paddingIdx: 10 })).toThrow(
      /paddingIdx must be within the number of embeddings/,
    );
  });
});
