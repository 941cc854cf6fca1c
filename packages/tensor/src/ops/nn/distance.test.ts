import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../../errors/errors.js';
import { tensor, zeros } from '../creation.js';
import { cosineSimilarity, normalize } from './distance.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './test-golden.js';

beforeAll(registerTestBackends);

describe.each(DEVICES)('distances on %s', (device) => {
  it('normalize and cosineSimilarity match PyTorch', () => {
    const n = goldenCase('normalize/dim1');
    expectGolden(normalize(inputOf(n, 0, device), { dim: n.attrs.dim as number }), n);
    const c = goldenCase('cosine_similarity/dim1');
    expectGolden(
      cosineSimilarity(inputOf(c, 0, device), inputOf(c, 1, device), { dim: c.attrs.dim as number }),
      c,
    );
  });

  it('normalize with p = 1, another dim, and a zero vector (eps keeps it finite)', () => {
    const x = tensor(
      [
        [3, 0],
        [4, 0],
      ],
      { device, dtype: 'float32' },
    );
    expectClose(normalize(x, { dim: 0 }), { shape: [2, 2], data: [0.6, 0, 0.8, 0] });
    expectClose(normalize(x, { p: 1, dim: 0 }), { shape: [2, 2], data: [3 / 7, 0, 4 / 7, 0] });
  });

  it('cosineSimilarity broadcasts and floors each norm at eps', () => {
    const a = tensor(
      [
        [1, 0],
        [0, 2],
        [0, 0],
      ],
      { device, dtype: 'float32' },
    );
    const b = tensor([[1, 1]], { device, dtype: 'float32' });
    expectClose(cosineSimilarity(a, b), { shape: [3], data: [Math.SQRT1_2, Math.SQRT1_2, 0] });
    expectClose(
      cosineSimilarity(
        tensor([1, 2, 3], { device, dtype: 'float32' }),
        tensor([-1, -2, -3], { device, dtype: 'float32' }),
        { dim: 0 },
      ),
      { shape: [], data: [-1] },
    );
  });
});

describe('distance errors', () => {
  it('rejects integer input and shapes that do not broadcast', () => {
    registerTestBackends();
    expect(() => normalize(tensor([1.5, 2]))).toThrow(ShapeError);
    expect(() => normalize(tensor([1, 2]), { dim: 0 })).toThrow(DTypeError);
    expect(() => cosineSimilarity(zeros([2, 3]), zeros([2, 4]))).toThrow(ShapeError);
  });
});
