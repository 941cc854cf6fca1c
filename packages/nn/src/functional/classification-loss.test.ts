import {
  DTypeError,
  hasBackend,
  randn,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { crossEntropy } from './classification-loss.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const values = (t: Tensor): number[] => Array.from(t.dataSync(), Number);

describe('crossEntropy', () => {
  const logits = tensor(
    [
      [0.5, -1, 2, 0],
      [3, 1, -2, 0.25],
      [1, 1, 1, 1],
      [-3, 0.5, 4, -1],
    ],
    { dtype: 'float64' },
  );
  const target = tensor([2, 0, -100, 1], { dtype: 'int32' });

  it('the fused [N, C] path agrees with the general path (same data as [N, C, 1]) for every reduction', () => {
    const asImage = logits.reshape([4, 4, 1]);
    const targetImage = target.reshape([4, 1]);
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const fused = values(crossEntropy(logits, target, { reduction }));
      const general = values(crossEntropy(asImage, targetImage, { reduction }));
      expect(fused).toHaveLength(general.length);
      fused.forEach((v, i) => {
        expect(v).toBeCloseTo(general[i]!, 12);
      });
    }
    // The ignored row costs 0 and does not count in the mean (3 rows remain).
    const rows = values(crossEntropy(logits, target, { reduction: 'none' }));
    expect(rows[2]).toBe(0);
    expect(values(crossEntropy(logits, target))[0]).toBeCloseTo((rows[0]! + rows[1]! + rows[3]!) / 3, 12);
  });

  it('rejects class indices out of range on both paths, naming the target and the range', () => {
    const bad = tensor([2, 4, 0, 1], { dtype: 'int32' });
    expect(() => crossEntropy(logits, bad)).toThrow(ValueError);
    expect(() => crossEntropy(logits, bad)).toThrow(
      'Target 4 is out of bounds (expected a class index in [0, 3] or ignore_index -100)',
    );
    expect(() => crossEntropy(logits.reshape([4, 4, 1]), bad.reshape([4, 1]))).toThrow(
      'crossEntropy: Target 4 is out of bounds (expected a class index in [0, 3] or ignore_index -100)',
    );
    expect(() => crossEntropy(logits, tensor([2, -1, 0, 1], { dtype: 'int32' }))).toThrow(/Target -1/);
  });

  it('rejects targets of the wrong dtype or shape, and bad options', () => {
    expect(() => crossEntropy(logits, tensor([2, 0, 1], { dtype: 'int32' }))).toThrow(ShapeError);
    expect(() => crossEntropy(logits, tensor([2, 0, 1], { dtype: 'int32' }))).toThrow(
      'crossEntropy: expected target of shape [4] for input of shape [4, 4] (got target [3])',
    );
    expect(() => crossEntropy(tensor([[1, 2]], { dtype: 'int32' }), tensor([0], { dtype: 'int32' }))).toThrow(
      DTypeError,
    );
    expect(() => crossEntropy(logits, target, { labelSmoothing: 1.5 })).toThrow(
      'crossEntropy: label_smoothing must be between 0.0 and 1.0. Got: 1.5',
    );
    expect(() => crossEntropy(logits, target, { weight: randn([3], { dtype: 'float64' }) })).toThrow(
      'crossEntropy: weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]',
    );
  });
});
