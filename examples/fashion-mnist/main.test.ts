import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nn, randn } from 'kiln';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './main.js';
import { DataFolderError } from './src/load-data.js';
import { createModel } from './src/models.js';

const SUBSET = fileURLToPath(new URL('./data', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'kiln-fashion-mnist-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const quiet = { progress: false, log: () => {} } as const;

describe('fashion-mnist example', () => {
  it('trains the MLP for one epoch on the shipped subset, saves a loadable checkpoint and a plot', async () => {
    const lines: string[] = [];
    const result = await run({
      data: SUBSET,
      out,
      epochs: 1,
      batchSize: 128,
      model: 'mlp',
      backend: 'auto',
      progress: false,
      log: (line) => lines.push(line),
    });
    expect(result.trainSize).toBe(3000);
    expect(result.testSize).toBe(1000);
    expect(result.epochs).toHaveLength(1);
    expect(result.epochs[0]!.accuracy).toBeGreaterThan(0.6);
    expect(lines.some((l) => /test accuracy 0\.\d{4}/.test(l))).toBe(true);

    // The checkpoint loads back into a fresh model of the same shape and gives the same outputs.
    const fresh = createModel('mlp');
    fresh.loadStateDict(await nn.load(result.checkpoint, { device: result.device }));
    const x = randn([4, 1, 28, 28], { device: result.device });
    result.model.eval();
    fresh.eval();
    expect(fresh.forward(x).toArray()).toEqual(result.model.forward(x).toArray());

    const svg = await readFile(result.plot, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<path d="M[\d.]+,[\d.]+ L/);
  });

  it('trains a few batches of the CNN', async () => {
    const result = await run({
      data: SUBSET,
      out,
      epochs: 1,
      batchSize: 64,
      model: 'cnn',
      backend: 'auto',
      maxBatches: 3,
      ...quiet,
    });
    expect(Number.isFinite(result.epochs[0]!.loss)).toBe(true);
    const fresh = createModel('cnn');
    fresh.loadStateDict(await nn.load(result.checkpoint, { device: result.device }));
    const x = randn([2, 1, 28, 28], { device: result.device });
    result.model.eval();
    expect(fresh.forward(x).toArray()).toEqual(result.model.forward(x).toArray());
  });

  describe('a bad --data folder', () => {
    let checkpoint: string;
    let before: Buffer;
    beforeAll(async () => {
      checkpoint = join(out, 'fashion-mnist-mlp.safetensors');
      before = Buffer.from('an earlier checkpoint that must survive');
      await writeFile(checkpoint, before);
    });

    const attempt = (data: string) =>
      run({ data, out, epochs: 1, batchSize: 128, model: 'mlp', backend: 'cpu', ...quiet });

    it('missing: a clear error and the checkpoint untouched', async () => {
      await expect(attempt(join(out, 'no-such-folder'))).rejects.toThrow(/data folder .* does not exist/);
      expect(await readFile(checkpoint)).toEqual(before);
    });

    it('empty: a clear error and the checkpoint untouched', async () => {
      const empty = join(out, 'empty');
      await mkdir(empty, { recursive: true });
      await expect(attempt(empty)).rejects.toThrow(/data folder .* is empty/);
      expect(await readFile(checkpoint)).toEqual(before);
    });

    it('corrupt files: a clear error and the checkpoint untouched', async () => {
      const corrupt = join(out, 'corrupt');
      await mkdir(corrupt, { recursive: true });
      for (const name of [
        'train-images-idx3-ubyte',
        'train-labels-idx1-ubyte',
        't10k-images-idx3-ubyte',
        't10k-labels-idx1-ubyte',
      ]) {
        const good = await readFile(join(SUBSET, `${name}.gz`));
        await writeFile(join(corrupt, `${name}.gz`), good.subarray(0, Math.floor(good.length / 2)));
      }
      const error = await attempt(corrupt).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataFolderError);
      expect((error as Error).message).toMatch(/cannot read Fashion-MNIST from .*corrupt/);
      expect((error as Error).message).toMatch(/help: /);
      expect(await readFile(checkpoint)).toEqual(before);
    });

    it('the command line exits non-zero with the message on stderr', () => {
      const tsx = join(ROOT, 'node_modules/.bin/tsx');
      const child = spawnSync(
        tsx,
        [
          '--conditions=source',
          join(ROOT, 'examples/fashion-mnist/main.ts'),
          '--data',
          join(out, 'missing'),
          '--out',
          out,
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(child.status).toBe(1);
      expect(child.stderr).toMatch(/^error: data folder .*missing' does not exist/m);
      expect(child.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    });
  });
});
