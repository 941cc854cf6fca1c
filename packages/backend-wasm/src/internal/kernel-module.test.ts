import { describe, expect, it } from 'vitest';
import { compileKernels, decodeBase64 } from './kernel-module.js';
import { BackendError } from './tensor-types.js';
import { KERNELS_WASM_BASE64 } from './wasm-bytes.js';

describe('kernel module loading', () => {
  it('decodes the embedded module', () => {
    const bytes = decodeBase64(KERNELS_WASM_BASE64);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(WebAssembly.validate(bytes)).toBe(true);
  });

  it('a damaged module is a BackendError with help lines, not a crash', async () => {
    const bytes = decodeBase64(KERNELS_WASM_BASE64).slice(0, 100);
    let err: unknown;
    try {
      await compileKernels(bytes);
    } catch (e) {
      err = e;
    }
    expect(BackendError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(/help: the wasm backend needs WebAssembly SIMD/);
  });
});
