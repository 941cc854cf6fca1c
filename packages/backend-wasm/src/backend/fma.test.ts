// The relaxed-SIMD (fused multiply-add) GEMM. Node 20 validates relaxed SIMD only with V8's
// --experimental-wasm-relaxed-simd, so this file turns the flag on for its own worker process
// before creating backends (Node >= 22 and Chromium have it on already).
import { setFlagsFromString } from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../index.js';
import { expectClose, makeOut, makeTensor, readOut, rng } from '../internal/test-views.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

let fma1: WasmBackend;
let fma2: WasmBackend;
let plain: WasmBackend;
beforeAll(async () => {
  fma1 = await createWasmBackend();
  fma2 = await createWasmBackend({ threads: 2 });
  plain = await createWasmBackend({ fusedMultiplyAdd: false });
});

describe('fused multiply-add GEMM', () => {
  it('is used where relaxed SIMD validates, and can be turned off', () => {
    expect(fma1.info().fusedMultiplyAdd).toBe(true);
    expect(fma2.info().fusedMultiplyAdd).toBe(true);
    expect(plain.info().fusedMultiplyAdd).toBe(false);
  });

  it('matmul (plain, transposed, threaded) and conv2d agree with the multiply + add GEMM', () => {
    const p = { stride: [1, 1] as const, padding: [1, 1] as const, dilation: [1, 1] as const, groups: 1 };
    const results = new Map<string, number[][]>();
    for (const be of [plain, fma1, fma2]) {
      const r = rng(11);
      const a = makeTensor(be, 'float32', [130, 300], 'permuted', r);
      const b = makeTensor(be, 'float32', [300, 203], 'contiguous', r);
      const out = makeOut(be, 'float32', [130, 203]);
      be.matmul(a.view, b.view, out);
      const x = makeTensor(be, 'float32', [5, 8, 20, 20], 'contiguous', r);
      const w = makeTensor(be, 'float32', [16, 8, 3, 3], 'contiguous', r);
      const y = makeOut(be, 'float32', [5, 16, 20, 20]);
      be.kernels.conv2d!(x.view, w.view, null, p, y);
      for (const [key, o] of [
        ['matmul', out],
        ['conv2d', y],
      ] as const) {
        const list = results.get(key) ?? [];
        list.push(readOut(be, o));
        results.set(key, list);
      }
      for (const s of [a.storage, b.storage, out.storage, x.storage, w.storage, y.storage]) be.free(s);
    }
    for (const [key, [want, ...got]] of results) {
      for (const g of got) expectClose(g, want!, 1e-4, 1e-4, key);
    }
  });
});
