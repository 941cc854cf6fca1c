import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readText, run, TextFileError } from './main.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(40);

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('char-transformer example', () => {
  it('learns a repeated sentence: the loss falls and the samples use its characters', async () => {
    const lines: string[] = [];
    const { losses, samples, vocab } = await run({
      text: TEXT,
      steps: 60,
      context: 16,
      dModel: 32,
      heads: 4,
      layers: 2,
      batchSize: 8,
      lr: 1e-2,
      sampleEvery: 30,
      sampleLength: 24,
      log: (line) => lines.push(line),
    });
    expect(losses).toHaveLength(60);
    expect(losses.every(Number.isFinite)).toBe(true);
    const first = mean(losses.slice(0, 10));
    const last = mean(losses.slice(-10));
    expect(last).toBeLessThan(first - 1);
    expect(vocab).toEqual([...new Set(TEXT)].sort());
    expect(samples.map((s) => s.step)).toEqual([30, 60]);
    for (const s of samples) {
      expect(s.text.length).toBe(24);
      expect([...s.text].every((c) => vocab.includes(c))).toBe(true);
    }
    expect(lines.filter((l) => /^step\s+\d+ {2}loss \d+\.\d{4}$/.test(l))).toHaveLength(2);
  }, 30_000);

  it('rejects a missing file and a directory with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-char-transformer-'));
    try {
      await expect(readText(join(dir, 'nope.txt'))).rejects.toThrow(TextFileError);
      await expect(readText(join(dir, 'nope.txt'))).rejects.toThrow(
        /cannot read text file .*nope\.txt.*no such file/,
      );
      await expect(readText(dir)).rejects.toThrow(/not a regular file/);
      await expect(run({ text: 'too short', context: 16 })).rejects.toThrow(TextFileError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the CLI exits 1 with a one-line error for a missing file', () => {
    const r = spawnSync(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['--conditions=source', join(ROOT, 'examples/char-transformer/main.ts'), '/no/such/file.txt'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("error: cannot read text file '/no/such/file.txt': no such file");
  }, 30_000);
});
