// The relaxed-SIMD (fused multiply-add) GEMM. Node 20 validates relaxed SIMD only behind V8's
// --experimental-wasm-relaxed-simd; the backend turns that flag on itself (Node >= 20.16) unless
// created with fusedMultiplyAdd: false. Vitest runs each test file in its own process, so the
// flag starts off here.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '../index.js';
import { decodeBase64, FMA_MEMORY_BASE, RELAXED_SIMD_FLAG } from '../internal/kernel-module.js';
import { expectClose, makeOut, makeTensor, readOut, rng } from '../internal/test-views.js';
import { GEMM_FMA_MT_WASM_BASE64, GEMM_FMA_WASM_BASE64 } from '../internal/wasm-bytes.js';
import { WASM_INTERNALS } from './create-backend.js';

const nodeMajor = Number(process.versions.node.split('.')[0]);
const flagOnly = nodeMajor < 22 && typeof process.getBuiltinModule === 'function';

let fma1: WasmBackend;
let fma2: WasmBackend;
let plain: WasmBackend;
let validatedBefore = false;
beforeAll(async () => {
  // Created first: a backend told not to use the fused GEMM must leave V8's flags alone.
  plain = await createWasmBackend({ fusedMultiplyAdd: false });
  validatedBefore = WebAssembly.validate(decodeBase64(GEMM_FMA_WASM_BASE64));
  fma1 = await createWasmBackend();
  fma2 = await createWasmBackend({ threads: 2 });
});

describe('relaxed SIMD on Node 20', () => {
  it('is turned on by the backend where only the flag is missing, said in info().notes, never with fusedMultiplyAdd: false', () => {
    expect(plain.info().notes).toEqual([]);
    // The second backend finds the flag on already: nothing to say.
    expect(fma2.info().notes).toEqual([]);
    expect(WebAssembly.validate(decodeBase64(GEMM_FMA_WASM_BASE64))).toBe(true);
    if (flagOnly) {
      expect(validatedBefore).toBe(false);
      expect(fma1.info().notes).toHaveLength(1);
      expect(fma1.info().notes[0]).toContain(RELAXED_SIMD_FLAG);
      expect(fma1.info().notes[0]).toContain('fusedMultiplyAdd: false');
    } else {
      // Node >= 22: relaxed SIMD validates without any flag.
      expect(validatedBefore).toBe(true);
      expect(fma1.info().notes).toEqual([]);
    }
  });
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

  it('the unary transcendental kernels and softmax agree with the multiply + add build (1 thread and 2)', () => {
    const ops = ['exp', 'log', 'tanh', 'sigmoid', 'erf'] as const;
    const n = 70_001; // large enough to split across threads, with a tail
    const results = new Map<string, number[][]>();
    for (const be of [plain, fma1, fma2]) {
      const r = rng(5);
      const x = makeTensor(be, 'float32', [n], 'contiguous', r, () => Math.fround((r() * 2 - 1) * 20));
      const pos = makeTensor(be, 'float32', [n], 'contiguous', r, () => Math.fround(r() * 50 + 1e-3));
      for (const op of ops) {
        const out = makeOut(be, 'float32', [n]);
        be.unary(op, (op === 'log' ? pos : x).view, out);
        const list = results.get(op) ?? [];
        list.push(readOut(be, out));
        results.set(op, list);
        be.free(out.storage);
      }
      for (const approximate of ['none', 'tanh'] as const) {
        const out = makeOut(be, 'float32', [n]);
        be.kernels.gelu!(x.view, approximate, out);
        const key = `gelu ${approximate}`;
        results.set(key, [...(results.get(key) ?? []), readOut(be, out)]);
        be.free(out.storage);
      }
      const s = makeOut(be, 'float32', [7, 10_000]);
      be.kernels.softmax!({ ...x.view, shape: [7, 10_000], strides: [10_000, 1] }, 1, s);
      results.set('softmax', [...(results.get('softmax') ?? []), readOut(be, s)]);
      for (const st of [x.storage, pos.storage, s.storage]) be.free(st);
    }
    for (const [key, [want, ...got]] of results) {
      // GELU's 1 + erf / 1 + tanh cancels in its negative tail: compare it absolutely there
      // (each build's error is a few ulps of 1 times |x|).
      for (const g of got) expectClose(g, want!, 2e-6, key.startsWith('gelu') ? 1e-5 : 2e-7, key);
    }
  });

  it('keeps its static data clear of the main module and the heap', () => {
    const info = (fma1 as unknown as Record<symbol, { layout: Record<string, number> }>)[WASM_INTERNALS]!
      .layout;
    expect(info.mainDataEnd).toBeLessThanOrEqual(FMA_MEMORY_BASE);
    expect(info.fmaDataEnd).toBeGreaterThan(FMA_MEMORY_BASE);
    expect(info.paramPtr).toBeGreaterThanOrEqual(info.fmaDataEnd!);
    expect(info.heapStart).toBeGreaterThan(info.paramPtr!);
    // The build's --memoryBase and the host's FMA_MEMORY_BASE are one number: every data segment
    // of the relaxed-SIMD modules starts at or above it.
    for (const b64 of [GEMM_FMA_WASM_BASE64, GEMM_FMA_MT_WASM_BASE64]) {
      const offsets = dataSegmentOffsets(decodeBase64(b64));
      expect(offsets.length).toBeGreaterThan(0);
      for (const o of offsets) expect(o).toBeGreaterThanOrEqual(FMA_MEMORY_BASE);
      expect(Math.min(...offsets)).toBe(FMA_MEMORY_BASE);
    }
  });
});

/** The constant offsets of a module's active data segments (its data section, id 11). */
function dataSegmentOffsets(bytes: Uint8Array): number[] {
  let i = 8;
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++]!;
      result |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) return result >>> 0;
    }
  };
  const offsets: number[] = [];
  while (i < bytes.length) {
    const id = bytes[i++]!;
    const size = leb();
    const end = i + size;
    if (id === 11) {
      for (let n = leb(); n > 0; n--) {
        const flags = leb();
        expect(flags).toBe(0); // active, memory 0, i32.const offset
        expect(bytes[i++]).toBe(0x41);
        offsets.push(leb());
        expect(bytes[i++]).toBe(0x0b);
        const length = leb();
        i += length;
      }
    }
    i = end;
  }
  return offsets;
}
