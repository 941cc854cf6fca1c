import { type GoldenArg, tensorGoldenOps } from '@kiln/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { isTensor, type Tensor } from '../index.js';
import { useCpu } from '../internal/setup-test.js';
import { type GradientGoldenResult, runGradientGoldens } from './gradient-goldens.js';

/** Losses: their adapters come from @kiln/nn, which runs these cases itself. */
const LOSSES = [
  'cross_entropy/mean',
  'cross_entropy/label-smoothing',
  'cross_entropy/ignore-index',
  'cross_entropy/weight-sum',
  'cross_entropy/probs',
  'cross_entropy/4d',
  'nll_loss/mean',
  'mse_loss/mean',
  'mse_loss/none',
  'l1_loss/sum',
  'smooth_l1_loss/beta',
  'huber_loss/delta',
  'binary_cross_entropy/mean',
  'binary_cross_entropy_with_logits/pos-weight',
  'kl_div/batchmean',
];

const first = (args: readonly GoldenArg[]): Tensor => {
  const x = args[0];
  if (!isTensor(x)) throw new Error('expected a tensor');
  return x;
};

describe('golden gradients on cpu', () => {
  let results: GradientGoldenResult[] = [];
  beforeAll(() => {
    useCpu();
    results = runGradientGoldens('cpu');
  });

  it('match PyTorch for every case whose op is in @kiln/tensor', () => {
    const failed = results.filter((r) => !r.ok);
    expect(failed.map((r) => `${r.id}: ${r.message}`)).toEqual([]);
    expect(results.filter((r) => !r.skipped).length).toBe(112);
    expect(Math.max(...results.map((r) => r.maxError))).toBeLessThan(1e-3);
  });

  it('skip exactly the losses that @kiln/nn provides', () => {
    expect(results.filter((r) => r.skipped).map((r) => r.id)).toEqual(LOSSES);
  });

  it('report a wrong gradient instead of throwing', () => {
    const adapters = { ...tensorGoldenOps, neg: (a: readonly GoldenArg[]) => first(a).mul(-2) };
    const [bad] = runGradientGoldens('cpu', { adapters, only: (id) => id === 'neg/basic' });
    expect(bad!.ok).toBe(false);
    expect(bad!.maxError).toBeGreaterThan(0.01);
    expect(bad!.message).toMatch(/^neg\/basic grad 0: element \d+ is /);
  });
});
