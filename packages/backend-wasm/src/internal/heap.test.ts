import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import { sizeClass, WasmHeap } from './heap.js';
import { BackendError } from './tensor-types.js';

describe('sizeClass', () => {
  it('is 16-byte aligned with at most 12.5% slack above 1 KiB', () => {
    for (const b of [1, 15, 16, 17, 1000, 1024, 1025, 5000, 1 << 20, (1 << 20) + 1, 123456789]) {
      const c = sizeClass(b);
      expect(c % 16).toBe(0);
      expect(c).toBeGreaterThanOrEqual(b);
      if (b > 1024) expect(c / b).toBeLessThanOrEqual(1.125 + 1e-9);
    }
  });
});

describe('WasmHeap', () => {
  it('reuses freed blocks of the same class and keeps 16-byte alignment', () => {
    const mem = new WebAssembly.Memory({ initial: 2, maximum: 64 });
    const heap = new WasmHeap(mem, 65536, 64 * 65536);
    const a = heap.alloc(100);
    const b = heap.alloc(100);
    expect(a % 16).toBe(0);
    expect(b % 16).toBe(0);
    heap.free(a);
    const c = heap.alloc(97);
    expect(c).toBe(a);
    expect(heap.stats().blocks).toBe(2);
    // Reused memory comes back zeroed.
    new Uint8Array(mem.buffer).fill(7, c, c + 97);
    heap.free(c);
    const d = heap.alloc(97);
    expect(Array.from(new Uint8Array(mem.buffer, d, 97)).every((v) => v === 0)).toBe(true);
  });

  it('zeroes reused blocks through the given fill function (the kernel module on shared memory)', () => {
    const mem = new WebAssembly.Memory({ initial: 2, maximum: 64, shared: true });
    const calls: [number, number][] = [];
    const heap = new WasmHeap(mem, 65536, 64 * 65536, false, (ptr, bytes) => {
      calls.push([ptr, bytes]);
      new Uint8Array(mem.buffer).fill(0, ptr, ptr + bytes);
    });
    const a = heap.alloc(1000);
    expect(calls).toEqual([]); // fresh memory is zero already
    new Uint8Array(mem.buffer).fill(9, a, a + 1000);
    heap.free(a);
    heap.alloc(1000, false);
    expect(calls).toEqual([]); // the caller overwrites it all
    heap.free(a);
    const b = heap.alloc(1000);
    expect(b).toBe(a);
    expect(calls).toEqual([[a, 1000]]); // the bytes asked for
    expect(Array.from(new Uint8Array(mem.buffer, b, 1000)).every((v) => v === 0)).toBe(true);
  });

  it('a threaded backend hands out zeroed recycled storage', async () => {
    const be = await createWasmBackend({ threads: 2 });
    const s = be.alloc('float32', 50_000);
    be.write(s, new Float32Array(50_000).fill(3));
    be.free(s);
    const t = be.alloc('float32', 50_000);
    expect(Array.from(await be.read(t, 0, 50_000)).every((v) => v === 0)).toBe(true);
    await be.dispose();
  });

  it('grows the memory and throws past the limit, keeping live blocks', () => {
    const mem = new WebAssembly.Memory({ initial: 2, maximum: 8 });
    const heap = new WasmHeap(mem, 65536, 8 * 65536);
    const a = heap.alloc(3 * 65536);
    new Float32Array(mem.buffer, a, 4).set([1, 2, 3, 4]);
    expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(4 * 65536);
    expect(() => heap.alloc(10 * 65536)).toThrow(/requested 655360 bytes, heap limit 524288/);
    expect(Array.from(new Float32Array(mem.buffer, a, 4))).toEqual([1, 2, 3, 4]);
  });

  it('detects writes past a block with guards on', () => {
    const mem = new WebAssembly.Memory({ initial: 2, maximum: 8 });
    const heap = new WasmHeap(mem, 65536, 8 * 65536, true);
    const a = heap.alloc(8);
    new Uint8Array(mem.buffer)[a + 8] = 0;
    expect(() => heap.checkGuards()).toThrow(/guard bytes/);
  });
});

describe('backend memory', () => {
  it('a steady alloc/free loop does not grow the heap', async () => {
    const be = await createWasmBackend();
    const sizes = [784 * 256, 256, 256 * 10, 10, 128 * 784, 128 * 256];
    const step = (): void => {
      const live = sizes.map((n) => be.alloc('float32', n));
      for (const s of live) be.free(s);
    };
    for (let i = 0; i < 10; i++) step();
    const after10 = be.memory().heapSize;
    for (let i = 0; i < 1000; i++) step();
    expect(be.memory().heapSize).toBe(after10);
    expect(be.memory().bytesInUse).toBe(0);
    expect(be.memory().buffers).toBe(0);
  });

  it('out of memory is a BackendError naming the size and the limit; tensors survive', async () => {
    const be = await createWasmBackend({ maxMemoryBytes: 8 * 1024 * 1024, initialMemoryBytes: 1 << 20 });
    const keep = be.alloc('float32', 4);
    be.write(keep, new Float32Array([1, 2, 3, 4]));
    let err: unknown;
    try {
      be.alloc('float32', 4 * 1024 * 1024);
    } catch (e) {
      err = e;
    }
    expect(BackendError.isInstance(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(
      /4194304 × float32 \(16777216 bytes\), heap limit 8388608 bytes/,
    );
    expect(Array.from(be.readSync!(keep, 0, 4))).toEqual([1, 2, 3, 4]);
    expect(be.memory().buffers).toBe(1);
    // The heap still serves smaller requests afterwards.
    const ok = be.alloc('float32', 1000);
    be.free(ok);
    be.free(keep);
  });

  it('reports bytes and buffers, and rejects float64', async () => {
    const be = await createWasmBackend();
    const a = be.alloc('float32', 10);
    const b = be.alloc('bool', 3);
    expect(be.memory().bytesInUse).toBe(43);
    expect(be.memory().buffers).toBe(2);
    expect(be.memory().bytesReserved).toBeGreaterThan(0);
    be.free(a);
    be.free(b);
    expect(be.memory().bytesInUse).toBe(0);
    expect(() => be.alloc('float64', 1)).toThrow(/does not store float64/);
    expect(() => be.free(a)).toThrow(/already freed/);
    const c = be.alloc('int32', 2);
    expect(() => be.write(c, new Int32Array(3))).toThrow(/outside a storage of 2 elements/);
    expect(() => be.readSync!(c, 1, 2)).toThrow(/outside/);
    be.free(c);
    expect(be.dtypes).toEqual(['float32', 'int32', 'bool']);
    expect(be.info().name).toBe('wasm');
  });
});
