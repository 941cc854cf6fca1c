// The worked example of guide/write-your-own-backend.md, registered as a plugin device and put
// through the same checks as the project's own backends: the conformance suite (every golden
// PyTorch forward case, losses included, the primitive checks and allocation balance), then
// PyTorch's golden gradients computed through its primitives.
import { runGradientGoldens } from '@kiln/autograd/testing';
import { nnGoldenOps } from '@kiln/nn/testing';
import { hasBackend, registerBackend, tensor } from '@kiln/tensor';
import { conformanceCases } from '@kiln/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createTinyBackend } from './examples/tiny-backend.js';

const DEVICE = 'tiny-docs';
if (!hasBackend(DEVICE)) registerBackend(createTinyBackend(DEVICE));

describe('the tiny backend of the docs', () => {
  it('computes on its own device', () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device: DEVICE, dtype: 'float32' },
    );
    expect(x.device).toBe(DEVICE);
    expect(x.matmul(x.t()).toArray()).toEqual([
      [5, 11],
      [11, 25],
    ]);
  });

  const cases = conformanceCases(DEVICE, { extraOps: nnGoldenOps });
  it('has golden, primitive and memory cases to run', () => {
    for (const group of ['golden', 'primitive', 'memory'] as const) {
      expect(cases.filter((c) => c.group === group).length).toBeGreaterThan(0);
    }
  });
  for (const c of cases) it(c.name, () => c.run());

  it("matches PyTorch's golden gradients", () => {
    const results = runGradientGoldens(DEVICE);
    expect(results.filter((r) => !r.skipped).length).toBeGreaterThan(100);
    expect(results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.message}`)).toEqual([]);
  });
});
