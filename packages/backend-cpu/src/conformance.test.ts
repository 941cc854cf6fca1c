import { hasBackend, registerBackend } from '@kiln/tensor';
import { conformanceCases } from '@kiln/tensor/testing';
import { describe, it } from 'vitest';
import { createCpuBackend } from './index.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

// The suite every backend runs: PyTorch golden forward cases, primitives on contiguous, strided,
// broadcast and zero-size inputs for each dtype, and allocation balance.
describe('conformance (cpu)', () => {
  for (const c of conformanceCases('cpu')) it(c.name, () => c.run());
});
