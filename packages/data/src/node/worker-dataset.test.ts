import { type Tensor, ValueError } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../loader/data-loader.js';
import { WorkerError } from '../loader/worker-error.js';
import { useCpu } from '../test/setup.js';
import { Image } from '../transforms/image.js';
import { iterableWorkerDataset, workerDataset } from './worker-dataset.js';

useCpu();

const fixture = new URL('../test/fixtures/squares-dataset.mjs', import.meta.url).href;
const flat = (t: Tensor): number[] => Array.from(t.dataSync());

interface Sq {
  x: Float32Array;
  y: number;
  worker: number;
}

async function collect<B>(loader: AsyncIterable<B>): Promise<B[]> {
  const out: B[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

describe('DataLoader with worker threads', () => {
  it('loads in workers, in sampler order, round-robin over the workers', async () => {
    const ds = await workerDataset<Sq>({ module: fixture, exportName: 'Squares', args: [10] });
    expect(ds.length).toBe(10);
    const loader = new DataLoader(ds, { batchSize: 3, numWorkers: 2 });
    const batches = await collect(loader);
    expect(batches.map((b) => flat(b.y))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(batches.map((b) => b.x.shape)).toEqual([
      [3, 2],
      [3, 2],
      [3, 2],
      [1, 2],
    ]);
    expect(flat(batches[1]!.x)).toEqual([3, 9, 4, 16, 5, 25]);
    expect(batches.map((b) => flat(b.worker)[0])).toEqual([0, 1, 0, 1]);
  });

  it('keeps order when later batches finish first, and matches numWorkers 0 with shuffle', async () => {
    const ds = await workerDataset<Sq>({ module: fixture, exportName: 'createSlowSquares', args: [12, 2] });
    const { Generator } = await import('@kiln/tensor');
    const order = async (numWorkers: number): Promise<number[]> => {
      const loader = new DataLoader(ds, {
        batchSize: 2,
        shuffle: true,
        numWorkers,
        generator: new Generator().manualSeed(3),
        ...(numWorkers > 0 ? { prefetchFactor: 3 } : {}),
      });
      return (await collect(loader)).flatMap((b) => flat(b.y));
    };
    const inWorkers = await order(3);
    expect([...inWorkers].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(inWorkers).toEqual(await order(0));
  });

  it('surfaces a failing sample in the main loop, naming the index', async () => {
    const ds = await workerDataset<Sq>({ module: fixture, exportName: 'Squares', args: [8, 5] });
    const loader = new DataLoader(ds, { batchSize: 2, numWorkers: 2 });
    const seen: number[][] = [];
    let error: unknown;
    try {
      for await (const b of loader) seen.push(flat(b.y));
    } catch (e) {
      error = e;
    }
    expect(seen).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(WorkerError.isInstance(error)).toBe(true);
    const we = error as WorkerError;
    expect(we.index).toBe(5);
    expect(we.workerId).toBe(0);
    expect(we.message).toMatch(
      /DataLoader worker 0: dataset\.get\(5\) failed: RangeError: sample 5 is corrupt/,
    );
    expect(we.message).toMatch(/--- worker stack ---/);
  });

  it('fails instead of hanging when a worker dies, cannot start, or stalls', async () => {
    const crashing = await workerDataset({ module: fixture, exportName: 'createCrashing', args: [6, 3] });
    await expect(collect(new DataLoader(crashing, { batchSize: 2, numWorkers: 2 }))).rejects.toThrow(
      /DataLoader worker 1 exited unexpectedly \(exit code 3\) while loading indices \[2, 3\]/,
    );
    const broken = await workerDataset({ module: fixture, exportName: 'createBroken' });
    await expect(collect(new DataLoader(broken, { batchSize: 2, numWorkers: 1 }))).rejects.toThrow(
      /cannot create the data set from .*squares-dataset\.mjs.*createBroken.*cannot open the data files/,
    );
    const unsendable = await workerDataset({ module: fixture, exportName: 'createUnsendable', args: [6, 4] });
    await expect(collect(new DataLoader(unsendable, { batchSize: 3, numWorkers: 2 }))).rejects.toThrow(
      /DataLoader worker 1: dataset\.get\(4\) failed: DataCloneError: cannot send the sample to the main thread/,
    );
    const hanging = await workerDataset({ module: fixture, exportName: 'createHanging', args: [4] });
    await expect(
      collect(new DataLoader(hanging, { batchSize: 2, numWorkers: 1, timeout: 300 })),
    ).rejects.toThrow(/timed out after 300 ms loading indices \[0, 1\]/);
  });

  it('reuses persistent workers across epochs until closed', async () => {
    const ds = await workerDataset<Sq>({ module: fixture, exportName: 'Squares', args: [4] });
    const loader = new DataLoader(ds, { batchSize: 2, numWorkers: 2, persistentWorkers: true });
    const first = (await collect(loader)).flatMap((b) => flat(b.y));
    const second = (await collect(loader)).flatMap((b) => flat(b.y));
    expect(first).toEqual([0, 1, 2, 3]);
    expect(second).toEqual(first);
    await loader.close();
  });

  it('stops at an early break without leaking pending batches', async () => {
    const ds = await workerDataset<Sq>({ module: fixture, exportName: 'Squares', args: [40] });
    const loader = new DataLoader(ds, { batchSize: 2, numWorkers: 2, prefetchFactor: 4 });
    let n = 0;
    for await (const b of loader) {
      expect(flat(b.y)).toEqual([0, 1]);
      n++;
      break;
    }
    expect(n).toBe(1);
  });

  it('sends images back as Image objects, copying only their own pixels', async () => {
    const ds = await workerDataset<{ image: Image; i: number }>({
      module: fixture,
      exportName: 'createImages',
      args: [3],
    });
    const loader = new DataLoader(ds, {
      batchSize: 3,
      numWorkers: 1,
      collateFn: (samples: { image: Image; i: number }[]) => samples.map((s) => s.image),
    });
    const [images] = await collect(loader);
    expect(images!.map((img) => img instanceof Image)).toEqual([true, true, true]);
    expect(images!.map((img) => [img.data.length, img.at(1, 1)])).toEqual([
      [4, 0],
      [4, 1],
      [4, 2],
    ]);
  });

  it('iterates an IterableDataset in workers, taking batches from each worker in turn', async () => {
    const ds = await iterableWorkerDataset<{ value: number; worker: number }>({
      module: fixture,
      exportName: 'createShardedStream',
      args: [11],
    });
    const local: number[][] = [];
    for await (const b of new DataLoader(ds, { batchSize: 2 })) local.push(flat(b.value));
    expect(local).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10]]);
    const batches = await collect(new DataLoader(ds, { batchSize: 2, numWorkers: 2 }));
    expect(batches.map((b) => flat(b.value))).toEqual([[0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9]]);
    expect(batches.map((b) => flat(b.worker)[0])).toEqual([0, 1, 0, 1, 0, 1]);
    const dropped = await collect(new DataLoader(ds, { batchSize: 2, numWorkers: 2, dropLast: true }));
    expect(dropped.map((b) => flat(b.value))).toEqual([
      [0, 2],
      [1, 3],
      [4, 6],
      [5, 7],
      [8, 10],
    ]);
  });

  it('surfaces an error raised while a worker iterates, and stops early on break', async () => {
    const broken = await iterableWorkerDataset({
      module: fixture,
      exportName: 'createShardedStream',
      args: [20, 3],
    });
    await expect(collect(new DataLoader(broken, { batchSize: 2, numWorkers: 2 }))).rejects.toThrow(
      /DataLoader worker \d: iterating the data set failed after 3 samples: Error: stream broke at \d+/,
    );
    const ds = await iterableWorkerDataset<{ value: number }>({
      module: fixture,
      exportName: 'createShardedStream',
      args: [1000],
    });
    const loader = new DataLoader(ds, {
      batchSize: 4,
      numWorkers: 2,
      persistentWorkers: true,
      prefetchFactor: 2,
    });
    for await (const b of loader) {
      expect(flat(b.value)).toEqual([0, 2, 4, 6]);
      break;
    }
    const again: number[][] = [];
    for await (const b of loader) {
      again.push(flat(b.value));
      if (again.length === 2) break;
    }
    expect(again).toEqual([
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
    await loader.close();
  });

  it('rejects a spec that does not give a data set', async () => {
    await expect(workerDataset({ module: fixture, exportName: 'nope' })).rejects.toThrow(ValueError);
    await expect(workerDataset({ module: fixture, exportName: 'nope' })).rejects.toThrow(
      /has no export 'nope'/,
    );
  });

  it("uses the data set's getBatch inside workers with the default collation", async () => {
    const ds = await workerDataset<[Tensor, number]>(
      {
        module: new URL('../test/fixtures/tensor-dataset.ts', import.meta.url).href,
        exportName: 'MarkedRows',
        args: [5],
      },
      { preload: [{ module: 'tsx/esm/api', exportName: 'register' }], execArgv: ['--conditions=source'] },
    );
    const batches = await collect(new DataLoader(ds, { batchSize: 2, numWorkers: 2 }));
    expect(batches.map(([x]) => x.shape)).toEqual([
      [2, 2],
      [2, 2],
      [1, 2],
    ]);
    expect(batches.map(([, y]) => flat(y))).toEqual([[1000, 1001], [1002, 1003], [1004]]);
    expect(flat(batches[2]![0])).toEqual([4, -4]);
    const custom = await collect(
      new DataLoader(ds, {
        batchSize: 2,
        numWorkers: 1,
        collateFn: (s: [Tensor, number][]) => s.map(([, y]) => y),
      }),
    );
    expect(custom).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('runs TypeScript data sets that make tensors, through a preloaded loader', async () => {
    const ds = await workerDataset<[{ img: Tensor; weight: Tensor }, number]>(
      {
        module: new URL('../test/fixtures/tensor-dataset.ts', import.meta.url).href,
        exportName: 'Pixels',
        args: [4],
      },
      { preload: [{ module: 'tsx/esm/api', exportName: 'register' }], execArgv: ['--conditions=source'] },
    );
    const batches = await collect(new DataLoader(ds, { batchSize: 2, numWorkers: 2 }));
    expect(batches).toHaveLength(2);
    const [{ img, weight }, label] = batches[1]!;
    expect(img.shape).toEqual([2, 1, 2, 2]);
    expect(img.dtype).toBe('float32');
    const px = flat(img);
    expect(px[0]).toBeCloseTo((2 / 255 - 0.5) / 0.5, 5);
    expect(px[3]).toBeCloseTo(1, 5);
    expect(flat(weight)).toEqual([2, 3]);
    expect(flat(label)).toEqual([2, 3]);
  });
});
