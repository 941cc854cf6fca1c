import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KilnError, tensor } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../test/setup.js';
import { writeFileAtomic } from './atomic.js';
import { readCsvFile } from './csv-file.js';
import { loadNpy, readNpyFile, saveNpy } from './npy-file.js';

useCpu();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('.npy files', () => {
  it('saves tensors atomically and loads them back with their dtype', async () => {
    const path = join(dir, 'x.npy');
    await saveNpy(
      path,
      tensor(
        [
          [1.5, 2],
          [3, 4],
        ],
        { dtype: 'float64' },
      ),
    );
    const x = await loadNpy(path);
    expect(x.dtype).toBe('float64');
    expect(x.toArray()).toEqual([
      [1.5, 2],
      [3, 4],
    ]);
    await saveNpy(join(dir, 'b.npy'), tensor([true, false, true]));
    const b = await loadNpy(join(dir, 'b.npy'));
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false, true]);
    await saveNpy(join(dir, 'u.npy'), new Uint8Array([0, 200, 255]), [3, 1]);
    const u = await readNpyFile(join(dir, 'u.npy'));
    expect(u.descr).toBe('|u1');
    expect(u.shape).toEqual([3, 1]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('names the file when its header lies or it does not exist', async () => {
    const path = join(dir, 'lying.npy');
    await saveNpy(path, new Float32Array([1, 2, 3, 4]), [2, 2]);
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(path));
    await writeFile(path, bytes.subarray(0, bytes.length - 4));
    await expect(loadNpy(path)).rejects.toThrow(KilnError);
    await expect(loadNpy(path)).rejects.toThrow(
      /lying\.npy: header says shape \(2, 2\) of '<f4' = 16 data bytes, but the file holds 12/,
    );
    await expect(loadNpy(join(dir, 'missing.npy'))).rejects.toThrow(/cannot read .*missing\.npy/);
  });

  it('leaves no temp file when a write fails', async () => {
    await expect(writeFileAtomic(join(dir, 'no-such-dir', 'f.bin'), new Uint8Array(1))).rejects.toThrow();
    expect((await readdir(dir)).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
});

describe('CSV files', () => {
  it('reads columns and names the file, line and column on bad cells', async () => {
    const good = join(dir, 'good.csv');
    await writeFile(good, 'a,b,c\n1,2,3\n4,5,6\n');
    const t = await readCsvFile(good, { columns: ['c', 'a'] });
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data)).toEqual([3, 1, 6, 4]);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'a,b,c\n1,2,3\n4,five,6\n');
    await expect(readCsvFile(bad)).rejects.toThrow(
      /bad\.csv, line 3, column 'b' \(2\): cannot parse 'five' as a number/,
    );
    const ragged = join(dir, 'ragged.csv');
    await writeFile(ragged, 'a,b,c\n1,2,3\n4,5,6,7\n');
    await expect(readCsvFile(ragged)).rejects.toThrow(
      /ragged\.csv, line 3: ragged row with 4 cells \(expected 3/,
    );
  });
});
