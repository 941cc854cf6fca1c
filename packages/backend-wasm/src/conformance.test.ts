import { hasBackend, registerBackend } from '@kiln/tensor';
import { conformanceCases } from '@kiln/tensor/testing';
import { describe, it } from 'vitest';
import { createWasmBackend } from './index.js';

if (!hasBackend('wasm')) registerBackend(await createWasmBackend({ guards: true }));

// The suite every backend runs: PyTorch golden forward cases, primitives on contiguous, strided,
// broadcast and zero-size inputs for each dtype, and allocation balance.
describe('conformance (wasm)', () => {
  for (const c of conformanceCases('wasm')) it(c.name, () => c.run());
});
