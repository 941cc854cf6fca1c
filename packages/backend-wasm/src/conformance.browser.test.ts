import { hasBackend, registerBackend } from '@kiln/autograd';
import { runGradientGoldens } from '@kiln/autograd/testing';
import { nnGoldenOps } from '@kiln/nn/testing';
import { conformanceCases } from '@kiln/tensor/testing';
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from './index.js';

// The same suite as conformance.test.ts, in headless Chromium (vitest browser mode, run by
// `pnpm test:browser`): the backend loads from its embedded base64 module with no fs, and every
// kernel runs in the browser's WebAssembly engine rather than Node's.

if (!hasBackend('wasm')) registerBackend(await createWasmBackend({ guards: true }));

describe('conformance (wasm, Chromium)', () => {
  it('runs in a browser page, not in Node', () => {
    expect(typeof document).toBe('object');
    expect(typeof navigator.userAgent).toBe('string');
    expect(navigator.userAgent).toMatch(/Chrom/);
  });

  for (const c of conformanceCases('wasm')) it(c.name, () => c.run());
});

describe('golden gradients (wasm, Chromium)', () => {
  it('match PyTorch for every case, losses included', () => {
    const results = runGradientGoldens('wasm', { adapters: nnGoldenOps });
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.skipped).map((r) => r.id)).toEqual([]);
    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
  });
});

describe('threads in a page that is not cross-origin isolated', () => {
  it('falls back to one thread and says why in info().notes', async () => {
    expect(globalThis.crossOriginIsolated).toBe(false);
    expect(typeof SharedArrayBuffer).toBe('undefined');
    const backend = await createWasmBackend({ threads: 2 });
    const info = backend.info();
    expect(info.threads).toBe(1);
    expect(info.notes).toHaveLength(1);
    expect(info.notes[0]).toMatch(/^threads: asked for 2, running on 1 thread \(SharedArrayBuffer/);
    expect(info.notes[0]).toMatch(/cross-origin isolated \(COOP\/COEP headers\)/);
  });
});
