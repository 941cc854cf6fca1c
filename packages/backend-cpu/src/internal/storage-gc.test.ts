import { describe, expect, it } from 'vitest';
import { StoragePool } from './storage.js';

const collect = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 20; i++) {
    if (gc === undefined) throw new Error('run with --expose-gc (the root vitest config passes it)');
    gc();
    // Finalizers run only when the event loop turns.
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe('storage accounting', () => {
  it('counts explicit frees exactly, small and large', () => {
    const pool = new StoragePool({});
    const small = Array.from({ length: 100 }, () => pool.alloc('float32', 3));
    const large = pool.alloc('float64', 20000);
    expect(pool.memory().buffers).toBe(101);
    expect(pool.memory().bytesInUse).toBe(100 * 12 + 160000);
    for (const s of small) pool.free(s);
    pool.free(large);
    expect(pool.memory().buffers).toBe(0);
    expect(pool.memory().bytesInUse).toBe(0);
    const again = pool.alloc('float32', 3);
    expect(Array.from(again.data)).toEqual([0, 0, 0]);
  });
  it('releases the accounting of collected storages', async () => {
    const pool = new StoragePool({});
    const keep = pool.alloc('float32', 2);
    (() => {
      for (let i = 0; i < 20000; i++) pool.alloc('float32', 4);
      pool.alloc('float32', 100000);
    })();
    pool.alloc('float32', 1); // rotates nothing by itself; collection does the work
    await collect();
    // Collected storages stay counted only in epochs that still hold a live storage: `keep`'s epoch
    // and the current one (at most 4096 allocations each); the 100000-element buffer is released.
    const { buffers, bytesInUse } = pool.memory();
    expect(buffers).toBeLessThanOrEqual(2 * 4096 + 2);
    expect(bytesInUse).toBeLessThanOrEqual(2 * 4096 * 16 + 8 + 4);
    expect(buffers).toBeGreaterThanOrEqual(2);
    expect(keep.data.length).toBe(2);
  });
});
