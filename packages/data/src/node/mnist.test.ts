import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Generator, KilnError, type Tensor } from '@kiln/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../io/idx.js';
import { DataLoader } from '../loader/data-loader.js';
import { type Route, startServer } from '../test/http-server.js';
import { useCpu } from '../test/setup.js';
import { compose } from '../transforms/compose.js';
import { Image } from '../transforms/image.js';
import { normalize } from '../transforms/normalize.js';
import { toTensor } from '../transforms/to-tensor.js';
import { readIdxFile } from './idx-file.js';
import { FashionMNIST, MNIST } from './mnist.js';

useCpu();

const N = 6;
const TEST_N = 2;
const images = (n: number, offset: number) =>
  gzipSync(
    encodeIdx(
      Uint8Array.from({ length: n * 16 }, (_, i) => (i + offset) % 256),
      [n, 4, 4],
    ),
  );
const labels = (n: number) =>
  gzipSync(
    encodeIdx(
      Uint8Array.from({ length: n }, (_, i) => i % 10),
      [n],
    ),
  );
const files: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte.gz': images(N, 0),
  'train-labels-idx1-ubyte.gz': labels(N),
  't10k-images-idx3-ubyte.gz': images(TEST_N, 100),
  't10k-labels-idx1-ubyte.gz': labels(TEST_N),
};
const sums = Object.fromEntries(
  Object.entries(files).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex')]),
);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'kiln-mnist-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function folder(name: string, contents: Record<string, Uint8Array>): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(dir, { recursive: true });
  for (const [file, bytes] of Object.entries(contents)) await writeFile(join(dir, file), bytes);
  return dir;
}

describe('readIdxFile', () => {
  it('reads gzipped and plain files', async () => {
    const dir = await folder('plain', {
      'a.idx.gz': gzipSync(encodeIdx(new Uint8Array([1, 2, 3, 4, 5, 6]), [2, 3])),
      'b.idx': encodeIdx(new Int32Array([7, -8]), [2]),
    });
    const a = await readIdxFile(join(dir, 'a.idx.gz'));
    expect(a.dims).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from((await readIdxFile(join(dir, 'b.idx'))).data)).toEqual([7, -8]);
  });

  it('names the file when gzip is truncated or corrupted, or the IDX inside is short', async () => {
    let state = 12345;
    const noise = Uint8Array.from({ length: 5000 }, () => {
      state = (state * 1103515245 + 12345) >>> 0;
      return state >>> 24;
    });
    const whole = new Uint8Array(gzipSync(encodeIdx(noise, [5000])));
    expect(whole.length).toBeGreaterThan(4000);
    const corrupted = whole.slice();
    corrupted.fill(0x55, 20, 400);
    const inner = encodeIdx(new Uint8Array([1, 2, 3, 4]), [4]);
    const dir = await folder('bad', {
      'trunc.gz': whole.subarray(0, whole.length - 30),
      'corrupt.gz': corrupted,
      'short.gz': gzipSync(inner.subarray(0, inner.length - 2)),
      'magic.idx': new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    });
    await expect(readIdxFile(join(dir, 'trunc.gz'))).rejects.toThrow(KilnError);
    await expect(readIdxFile(join(dir, 'trunc.gz'))).rejects.toThrow(
      /trunc\.gz is truncated: the gzip stream ends early/,
    );
    await expect(readIdxFile(join(dir, 'corrupt.gz'))).rejects.toThrow(/corrupt\.gz: corrupted gzip data/);
    await expect(readIdxFile(join(dir, 'short.gz'))).rejects.toThrow(
      /short\.gz is truncated: dims \[4\] of uint8 need 4 data bytes, found 2/,
    );
    await expect(readIdxFile(join(dir, 'magic.idx'))).rejects.toThrow(
      /magic\.idx has a wrong magic number 0x01020304/,
    );
    await expect(readIdxFile(join(dir, 'none.gz'))).rejects.toThrow(/cannot open .*none\.gz/);
  });
});

describe('MNIST and FashionMNIST', () => {
  it('reads a split from root, with images, labels and transforms', async () => {
    const root = await folder('local', files);
    const train = await MNIST.create({ root });
    expect(train.length).toBe(N);
    const [img, label] = train.get(2);
    expect(img).toBeInstanceOf(Image);
    expect(img.height).toBe(4);
    expect(img.at(0, 1)).toBe(33);
    expect(label).toBe(2);
    const test = await FashionMNIST.create({
      root,
      train: false,
      transform: compose([toTensor(), normalize([0.5], [0.5])]),
      targetTransform: (y: number) => y * 10,
    });
    expect(test.length).toBe(TEST_N);
    const [t, y] = test.get(1);
    expect(t.shape).toEqual([1, 4, 4]);
    expect(t.dataSync()[0]).toBeCloseTo((116 / 255 - 0.5) / 0.5, 6);
    expect(y).toBe(10);
    expect(FashionMNIST.classes[9]).toBe('Ankle boot');
  });

  it('builds whole batches that equal per-sample loading', async () => {
    const root = await folder('batch', files);
    const transform = compose([toTensor(), normalize([0.25], [0.5])]);
    const ds = await FashionMNIST.create({ root, transform });
    const fast = [
      ...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator().manualSeed(2) }),
    ];
    const slow = [
      ...new DataLoader(ds, {
        batchSize: 4,
        shuffle: true,
        generator: new Generator().manualSeed(2),
        collateFn: (s: [Tensor, number][]) => s,
      }),
    ];
    expect(fast.map(([x]) => x.shape)).toEqual([
      [4, 1, 4, 4],
      [2, 1, 4, 4],
    ]);
    for (let b = 0; b < fast.length; b++) {
      const [x, yb] = fast[b]!;
      const samples = slow[b]!;
      expect(Array.from(yb.dataSync())).toEqual(samples.map(([, l]) => l));
      const expected = samples.flatMap(([img]) => Array.from(img.dataSync()));
      expect(Array.from(x.dataSync())).toEqual(expected);
    }
  });

  it('rejects image and label files whose counts disagree, naming both', async () => {
    const root = await folder('mismatch', { ...files, 'train-labels-idx1-ubyte.gz': labels(N - 1) });
    await expect(MNIST.create({ root })).rejects.toThrow(
      /image and label counts disagree: .*train-images-idx3-ubyte\.gz has 6 images, .*train-labels-idx1-ubyte\.gz has 5 labels/,
    );
  });

  it('says what to do when files are missing', async () => {
    const root = await folder('empty', {});
    await expect(MNIST.create({ root })).rejects.toThrow(
      /train-images-idx3-ubyte\.gz not found in .*\nhelp: pass download: true/,
    );
  });
});

describe('download: true', () => {
  const routes = new Map<string, Route>(
    Object.entries(files).map(([k, v]) => [`/m/${k}`, { kind: 'file', body: v }]),
  );
  routes.set('/drop/train-images-idx3-ubyte.gz', {
    kind: 'drop',
    body: files['train-images-idx3-ubyte.gz']!,
    after: 40,
  });
  for (const k of Object.keys(files)) {
    if (k !== 'train-images-idx3-ubyte.gz') routes.set(`/drop/${k}`, { kind: 'file', body: files[k]! });
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer(routes);
  });
  afterAll(async () => {
    await server.close();
  });

  it('fetches, verifies, and skips files already present and valid', async () => {
    const root = join(scratch, 'dl');
    const ds = await MNIST.create({ root, download: true, mirror: `${server.url}m/`, checksums: sums });
    expect(ds.length).toBe(N);
    expect((await readdir(root)).sort()).toEqual(Object.keys(files).sort());
    expect(server.hits.get('/m/train-images-idx3-ubyte.gz')).toBe(1);
    await MNIST.create({ root, download: true, mirror: `${server.url}m/`, checksums: sums });
    expect(server.hits.get('/m/train-images-idx3-ubyte.gz')).toBe(1);
    await writeFile(join(root, 't10k-labels-idx1-ubyte.gz'), new Uint8Array([1, 2, 3]));
    const test = await MNIST.create({
      root,
      train: false,
      download: true,
      mirror: `${server.url}m/`,
      checksums: sums,
    });
    expect(test.length).toBe(TEST_N);
    expect(server.hits.get('/m/t10k-labels-idx1-ubyte.gz')).toBe(2);
  });

  it('fails on a checksum mismatch, leaving nothing half-written in root', async () => {
    const root = join(scratch, 'dl-bad-sum');
    const wrong = { ...sums, 'train-labels-idx1-ubyte.gz': 'f'.repeat(64) };
    await expect(
      MNIST.create({ root, download: true, mirror: `${server.url}m/`, checksums: wrong }),
    ).rejects.toThrow(
      /cannot download train-labels-idx1-ubyte\.gz into .*\n.*checksum mismatch for http:\/\/127\.0\.0\.1:\d+\/m\/train-labels-idx1-ubyte\.gz/,
    );
    expect(await readdir(root)).toEqual(['train-images-idx3-ubyte.gz']);
  });

  it('fails on 404 and on a dropped connection, trying every mirror, leaving no partial file', async () => {
    const root = join(scratch, 'dl-drop');
    const attempt = MNIST.create({
      root,
      download: true,
      mirror: [`${server.url}nothing/`, `${server.url}drop/`],
      checksums: sums,
    });
    await expect(attempt).rejects.toThrow(KilnError);
    await attempt.catch((e: Error) => {
      expect(e.message).toMatch(/nothing\/train-images-idx3-ubyte\.gz returned 404 Not Found/);
      expect(e.message).toMatch(/drop\/train-images-idx3-ubyte\.gz: connection closed after 40 of \d+ bytes/);
    });
    expect(existsSync(root) ? await readdir(root) : []).toEqual([]);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const realRoot = join(here, '../../../../../shared/data/fashion-mnist');
const haveReal = existsSync(join(realRoot, 'train-images-idx3-ubyte.gz'));

describe.skipIf(!haveReal)(
  `real Fashion-MNIST (${haveReal ? realRoot : 'skipped: ../shared/data/fashion-mnist is absent'})`,
  () => {
    it('reads the full training set: 60,000 samples, 6,000 per class', async () => {
      const t0 = performance.now();
      const train = await FashionMNIST.create({ root: realRoot });
      const openMs = performance.now() - t0;
      console.log(`FashionMNIST train opened in ${openMs.toFixed(0)} ms`);
      expect(train.length).toBe(60_000);
      expect(train.data.length).toBe(60_000 * 28 * 28);
      const histogram = new Array<number>(10).fill(0);
      let pixels = 0;
      for (const [img, label] of train) {
        histogram[label]! += 1;
        pixels += img.data.length;
      }
      expect(histogram).toEqual(new Array(10).fill(6000));
      expect(pixels).toBe(60_000 * 784);
      const test = await FashionMNIST.create({ root: realRoot, train: false });
      expect(test.length).toBe(10_000);
    });

    it('gives the same histogram through a shuffled, normalised DataLoader pass', async () => {
      const train = await FashionMNIST.create({
        root: realRoot,
        transform: compose([toTensor(), normalize([0.286], [0.353])]),
      });
      const loader = new DataLoader(train, {
        batchSize: 128,
        shuffle: true,
        generator: new Generator().manualSeed(0),
      });
      expect(loader.length).toBe(469);
      const histogram = new Array<number>(10).fill(0);
      let count = 0;
      let sum = 0;
      for (const [x, y] of loader) {
        expect(x.dtype).toBe('float32');
        for (const label of y.dataSync()) histogram[label]! += 1;
        count += x.shape[0]!;
        const v = x.dataSync();
        for (let i = 0; i < v.length; i++) sum += v[i]!;
      }
      expect(count).toBe(60_000);
      expect(histogram).toEqual(new Array(10).fill(6000));
      // NOTE: Fashion-MNIST's pixel mean is 0.2860 and std 0.3530, so the normalised mean is about 0.
      expect(Math.abs(sum / (60_000 * 784))).toBeLessThan(1e-3);
    });
  },
);
