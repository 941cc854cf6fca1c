import {
  hasBackend,
  type NestedInput,
  randn,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm } from './norm.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const ft = (data: NestedInput, requiresGrad = false): Tensor =>
  tensor(data, { dtype: 'float32', requiresGrad });
const values = (t: Tensor | null): number[] => Array.from(t!.dataSync(), Number);
const near = (got: number[], want: number[], tol = 1e-5): void => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  });
};

describe('BatchNorm1d', () => {
  it("keeps PyTorch's buffers (num_batches_tracked int32) in the state dict", () => {
    const bn = new BatchNorm1d(3);
    expect([...bn.stateDict()].map(([k, t]) => [k, t.dtype, t.shape])).toEqual([
      ['weight', 'float32', [3]],
      ['bias', 'float32', [3]],
      ['running_mean', 'float32', [3]],
      ['running_var', 'float32', [3]],
      ['num_batches_tracked', 'int32', []],
    ]);
    expect(values(bn.weight)).toEqual([1, 1, 1]);
    expect(values(bn.bias)).toEqual([0, 0, 0]);
  });

  it('normalises with batch statistics in training and updates the running ones (unbiased variance)', () => {
    const bn = new BatchNorm1d(1);
    near(values(bn.call(ft([[1], [3]]))), [-1, 1], 1e-5);
    near(values(bn.runningMean), [0.2]);
    near(values(bn.runningVar), [0.9 + 0.1 * 2]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.call(ft([[5], [5]]));
    near(values(bn.runningMean), [0.9 * 0.2 + 0.5]);
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });

  it('uses the running statistics in eval mode and leaves them alone', () => {
    const bn = new BatchNorm1d(1);
    bn.call(ft([[1], [3]]));
    bn.eval();
    near(values(bn.call(ft([[0.2], [1.2]]))), [0, 1 / Math.sqrt(1.1 + 1e-5)]);
    near(values(bn.runningMean), [0.2]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  it('with momentum null keeps a cumulative average', () => {
    const bn = new BatchNorm1d(1, { momentum: null });
    bn.call(ft([[1], [3]]));
    near(values(bn.runningMean), [2]);
    bn.call(ft([[4], [4]]));
    near(values(bn.runningMean), [3]);
    bn.call(ft([[0], [0]]));
    near(values(bn.runningMean), [2]);
  });

  it('without running stats uses batch statistics in eval too; without affine has no parameters', () => {
    const bn = new BatchNorm1d(2, { trackRunningStats: false, affine: false });
    expect(bn.stateDict().size).toBe(0);
    expect(bn.runningMean).toBeNull();
    bn.eval();
    near(
      values(
        bn.call(
          ft([
            [1, 10],
            [3, 30],
          ]),
        ),
      ),
      [-1, -1, 1, 1],
      1e-4,
    );
  });

  it('normalises [N, C, L] over N and L; gradients flow to weight and bias', () => {
    const bn = new BatchNorm1d(2);
    const x = ft(
      [
        [
          [1, 2],
          [0, 0],
        ],
        [
          [3, 4],
          [2, 2],
        ],
      ],
      true,
    );
    const y = bn.call(x);
    near(values(y.select(1, 1)), [-1, -1, 1, 1], 1e-4);
    y.mul(ft([1, 2]).reshape([1, 2, 1]))
      .sum()
      .backward();
    near(values(bn.bias!.grad), [4, 8]);
    near(values(bn.weight!.grad), [0, 0], 1e-4);
  });

  it('names the layer and both shapes on wrong rank or features', () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.call(randn([4, 2]))).toThrow(ShapeError);
    expect(() => bn.call(randn([4, 2]))).toThrow(
      /BatchNorm1d: expected input with 3 features \(numFeatures\) at dim 1, got shape \[4, 2\]/,
    );
    expect(() => bn.call(randn([4, 3, 2, 2]))).toThrow(
      /BatchNorm1d: expected 2-D or 3-D input .*got 4-D input of shape \[4, 3, 2, 2\]/,
    );
    expect(() => new BatchNorm2d(3).call(randn([4, 3]))).toThrow(/BatchNorm2d: expected 4-D input/);
  });

  it('prints like PyTorch', () => {
    expect(new BatchNorm2d(16).toString()).toBe(
      'BatchNorm2d(16, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
    );
  });
});

describe('BatchNorm2d', () => {
  it('normalises each channel over N, H and W', () => {
    const bn = new BatchNorm2d(2);
    const x = randn([3, 2, 4, 4]);
    const y = bn.call(x);
    const mean = values(y.mean([0, 2, 3]));
    const v = values(y.square().mean([0, 2, 3]));
    near(mean, [0, 0], 1e-5);
    near(v, [1, 1], 1e-3);
    near(values(bn.runningMean), values(x.mean([0, 2, 3]).mul(0.1)), 1e-6);
  });

  it('resetRunningStats restores the fresh state', () => {
    const bn = new BatchNorm2d(1);
    bn.call(randn([2, 1, 2, 2]));
    bn.resetRunningStats();
    expect(values(bn.runningMean)).toEqual([0]);
    expect(values(bn.runningVar)).toEqual([1]);
    expect(bn.numBatchesTracked!.item()).toBe(0);
  });
});

describe('LayerNorm', () => {
  it('normalises over the trailing dims, the same in train and eval', () => {
    const ln = new LayerNorm(2);
    near(values(ln.call(ft([[1, 3]]))), [-0.999995, 0.999995]);
    near(values(ln.eval().call(ft([[1, 3]]))), [-0.999995, 0.999995]);
    const ln2 = new LayerNorm([2, 2]);
    near(
      values(
        ln2.call(
          ft([
            [
              [0, 2],
              [4, 6],
            ],
          ]),
        ),
      ),
      [-1.341635, -0.447212, 0.447212, 1.341635],
      1e-5,
    );
  });

  it('has a weight and bias of the normalized shape unless elementwiseAffine is false', () => {
    expect([...new LayerNorm([3, 4]).stateDict()].map(([k, t]) => [k, t.shape])).toEqual([
      ['weight', [3, 4]],
      ['bias', [3, 4]],
    ]);
    expect(new LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(new LayerNorm(4, { bias: false }).bias).toBeNull();
  });

  it('names the layer and both shapes on a mismatch', () => {
    expect(() => new LayerNorm(4).call(randn([2, 3]))).toThrow(
      /LayerNorm: expected input of shape \[\*, 4\] \(normalizedShape \[4\]\), got shape \[2, 3\]/,
    );
    expect(() => new LayerNorm([])).toThrow(ValueError);
  });

  it('prints like PyTorch', () => {
    expect(new LayerNorm(8).toString()).toBe('LayerNorm([8], eps=0.00001, elementwiseAffine=true)');
  });
});

describe('GroupNorm', () => {
  it('normalises each group of channels', () => {
    const gn = new GroupNorm(2, 4);
    const y = gn.call(
      ft([
        [
          [1, 3],
          [5, 7],
          [0, 0],
          [2, 2],
        ],
      ]),
    );
    near(values(y), [-1.341635, -0.447212, 0.447212, 1.341635, -1, -1, 1, 1], 1e-4);
  });

  it('rejects channels not divisible by groups, and wrong channel counts', () => {
    expect(() => new GroupNorm(3, 4)).toThrow(ValueError);
    expect(() => new GroupNorm(2, 4).call(randn([2, 6, 3]))).toThrow(
      /GroupNorm: expected input with 4 channels \(numChannels\) at dim 1, got shape \[2, 6, 3\]/,
    );
    expect(() => new GroupNorm(2, 4).call(randn([4]))).toThrow(/GroupNorm: .*shape \[4\]/);
  });

  it('prints like PyTorch', () => {
    expect(new GroupNorm(2, 4).toString()).toBe('GroupNorm(2, 4, eps=0.00001, affine=true)');
  });
});
