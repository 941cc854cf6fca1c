import { hasBackend, registerBackend } from '@kiln/autograd';
import { runGradientGoldens } from '@kiln/autograd/testing';
import { createCpuBackend } from '@kiln/backend-cpu';
import { goldenOpCases, NN_GOLDEN_OPS, runGoldenForward } from '@kiln/tensor/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { nnGoldenOps } from './golden-ops.js';

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

const lossCases = goldenOpCases().filter((c) => NN_GOLDEN_OPS.includes(c.op));

describe('losses match PyTorch forward and backward (ops.json)', () => {
  it('covers every loss case', () => {
    expect(lossCases.length).toBe(15);
  });
  for (const c of lossCases) {
    it(`${c.id} forward`, () => {
      runGoldenForward(c, 'cpu', nnGoldenOps);
    });
  }
  it('gradients of every loss case', () => {
    const results = runGradientGoldens('cpu', {
      adapters: nnGoldenOps,
      only: (id) => lossCases.some((c) => c.id === id),
    });
    expect(results.length).toBe(lossCases.length);
    for (const r of results) {
      expect(r.skipped, r.id).toBe(false);
      expect(r.ok, r.message).toBe(true);
    }
  });
});
