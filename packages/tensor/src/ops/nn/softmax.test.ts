import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from '../../errors/errors.js';
import { tensor } from '../creation.js';
import { transpose } from '../shape.js';
import { logSoftmax, softmax } from './softmax.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './test-golden.js';

beforeAll(registerTestBackends);

describe.each(DEVICES)('softmax on %s', (device) => {
  it.each(['softmax/last', 'softmax/dim0', 'log_softmax/last'])('matches PyTorch: %s', (id) => {
    const c = goldenCase(id);
    const dim = c.inputs[1] as number;
    const fn = c.op === 'softmax' ? softmax : logSoftmax;
    expectGolden(fn(inputOf(c, 0, device), dim), c);
  });

  it('is stable for large logits and works on strided views', () => {
    const x = tensor(
      [
        [1000, 1001],
        [-1000, -1002],
      ],
      { device, dtype: 'float32' },
    );
    const e = Math.exp(-1);
    expectClose(softmax(x, 1), {
      shape: [2, 2],
      data: [e / (1 + e), 1 / (1 + e), 1 / (1 + Math.exp(-2)), Math.exp(-2) / (1 + Math.exp(-2))],
    });
    expectClose(logSoftmax(x, -1), {
      shape: [2, 2],
      data: [-1 - Math.log1p(e), -Math.log1p(e), -Math.log1p(Math.exp(-2)), -2 - Math.log1p(Math.exp(-2))],
    });
    // NOTE: softmax over dim 0 of the transpose is softmax over dim 1 of x, transposed.
    const t = softmax(transpose(x, 0, 1), 0);
    expectClose(t, {
      shape: [2, 2],
      data: [e / (1 + e), 1 / (1 + Math.exp(-2)), 1 / (1 + e), Math.exp(-2) / (1 + Math.exp(-2))],
    });
  });

  it('treats a 0-dim tensor as one element and keeps float64', () => {
    expect(softmax(tensor(3.5, { device }), 0).toArray()).toEqual(1);
    expect(logSoftmax(tensor(3.5, { device }), -1).toArray()).toEqual(0);
    const y = softmax(tensor([0, Math.log(3)], { device, dtype: 'float64' }), 0);
    expect(y.dtype).toBe('float64');
    expectClose(y, { shape: [2], data: [0.25, 0.75] }, 1e-14, 0);
  });

  it('handles empty tensors', () => {
    expect(softmax(tensor([[]], { device, dtype: 'float32' }), 1).shape).toEqual([1, 0]);
  });
});

describe('softmax errors', () => {
  it('rejects bad dims and integer input', () => {
    registerTestBackends();
    expect(() => softmax(tensor([[1.5, 2]]), 2)).toThrow(ShapeError);
    expect(() => softmax(tensor([1, 2]), 0)).toThrow(DTypeError);
    expect(() => logSoftmax(tensor([1, 2]), 0)).toThrow(/logSoftmax: input must be a floating-point tensor/);
  });
});
