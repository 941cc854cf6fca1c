import { arange, Generator, KilnError, type Tensor, tensor } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { Dataset, IterableDataset } from '../dataset/dataset.js';
import { TensorDataset } from '../dataset/tensor-dataset.js';
import { BatchSampler } from '../sampler/batch-sampler.js';
import { SequentialSampler } from '../sampler/sampler.js';
import { useCpu } from '../test/setup.js';
import { DataLoader } from './data-loader.js';

useCpu();

class Pairs extends Dataset<[number, number]> {
  constructor(private readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): [number, number] {
    return [i, i * 10];
  }
}

class AsyncPairs extends Dataset<Promise<[number, number]>> {
  constructor(private readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): Promise<[number, number]> {
    return Promise.resolve([i, i * 10]);
  }
}

class Stream extends IterableDataset<number> {
  async *[Symbol.asyncIterator](): AsyncIterator<number> {
    for (let i = 0; i < 5; i++) yield i;
  }
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync());

describe('DataLoader', () => {
  it('batches in order with the sync iterator, keeping the short last batch', () => {
    const loader = new DataLoader(new Pairs(5), { batchSize: 2 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([x]) => flat(x))).toEqual([[0, 1], [2, 3], [4]]);
    expect(batches.map(([, y]) => flat(y))).toEqual([[0, 10], [20, 30], [40]]);
  });

  it('drops the last batch with dropLast and gives the same via for await', async () => {
    const loader = new DataLoader(new Pairs(5), { batchSize: 2, dropLast: true });
    expect(loader.length).toBe(2);
    const seen: number[][] = [];
    for await (const [x] of loader) seen.push(flat(x));
    expect(seen).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('shuffles reproducibly through the generator, covering every sample once', () => {
    const epoch = (seed: number): number[] =>
      [
        ...new DataLoader(new Pairs(10), {
          batchSize: 3,
          shuffle: true,
          generator: new Generator().manualSeed(seed),
        }),
      ].flatMap(([x]) => flat(x));
    const a = epoch(4);
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch(4)).toEqual(a);
    expect(epoch(5)).not.toEqual(a);
  });

  it('uses the TensorDataset fast path and matches per-sample collation', () => {
    const x = arange(20).reshape([10, 2]);
    const y = arange(10);
    const fast = [
      ...new DataLoader(new TensorDataset(x, y), {
        batchSize: 4,
        shuffle: true,
        generator: new Generator().manualSeed(1),
      }),
    ];
    const slow = [
      ...new DataLoader(new TensorDataset(x, y), {
        batchSize: 4,
        shuffle: true,
        generator: new Generator().manualSeed(1),
        collateFn: (samples: Tensor[][]) => samples.map(([a, b]) => [...flat(a!), ...flat(b!)]),
      }),
    ];
    expect(fast.map(([bx]) => bx!.shape)).toEqual([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    const fastRows = fast.flatMap(([bx, by]) => {
      const xs = flat(bx!);
      return flat(by!).map((label, k) => [xs[2 * k]!, xs[2 * k + 1]!, label]);
    });
    expect(fastRows).toEqual(slow.flat());
  });

  it('takes a custom collateFn, sampler and batchSampler', () => {
    const sums = [
      ...new DataLoader(new Pairs(4), { batchSize: 2, collateFn: (s) => s.reduce((a, [i]) => a + i, 0) }),
    ];
    expect(sums).toEqual([1, 5]);
    const sampler = {
      length: 3,
      *[Symbol.iterator]() {
        yield 3;
        yield 1;
        yield 2;
      },
    };
    expect([...new DataLoader(new Pairs(4), { sampler, batchSize: 3 })].map(([x]) => flat(x))).toEqual([
      [3, 1, 2],
    ]);
    const bs = new BatchSampler(new SequentialSampler({ length: 4 }), 3, false);
    expect([...new DataLoader(new Pairs(4), { batchSampler: bs })].map(([x]) => flat(x))).toEqual([
      [0, 1, 2],
      [3],
    ]);
  });

  it('yields unbatched samples with batchSize null', () => {
    const xs = [...new DataLoader(new Pairs(3), { batchSize: null })];
    expect(xs).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
    ]);
  });

  it('loads async datasets with for await, and refuses them synchronously', async () => {
    const loader = new DataLoader(new AsyncPairs(3), { batchSize: 2 });
    const seen: number[][] = [];
    for await (const [, y] of loader) seen.push(flat(y));
    expect(seen).toEqual([[0, 10], [20]]);
    expect(() => [...loader]).toThrow(/dataset.get\(0\) returned a promise/);
  });

  it('batches an IterableDataset', async () => {
    const seen: number[][] = [];
    for await (const b of new DataLoader(new Stream(), { batchSize: 2 })) seen.push(flat(b));
    expect(seen).toEqual([[0, 1], [2, 3], [4]]);
    expect(() => new DataLoader(new Stream(), { shuffle: true })).toThrow(/expected unspecified shuffle/);
  });

  it('rejects incompatible options like PyTorch', () => {
    const sampler = new SequentialSampler({ length: 4 });
    expect(() => new DataLoader(new Pairs(4), { sampler, shuffle: true })).toThrow(
      /mutually exclusive with shuffle/,
    );
    expect(
      () => new DataLoader(new Pairs(4), { batchSampler: new BatchSampler(sampler, 2), batchSize: 4 }),
    ).toThrow(/batchSampler option is mutually exclusive/);
    expect(() => new DataLoader(new Pairs(4), { prefetchFactor: 2 })).toThrow(/prefetchFactor/);
    expect(() => new DataLoader(new Pairs(4), { persistentWorkers: true })).toThrow(/persistentWorkers/);
    expect(() => new DataLoader(new Pairs(4), { batchSize: 0 })).toThrow(KilnError);
    expect(() => new DataLoader(new Pairs(4), { numWorkers: 2 })).toThrow(/workerDataset/);
  });

  it('collates tensors returned by the data set', () => {
    class T extends Dataset<{ x: Tensor; y: number }> {
      get length(): number {
        return 3;
      }
      get(i: number): { x: Tensor; y: number } {
        return { x: tensor([i, 10 + i]), y: i };
      }
    }
    const [b] = [...new DataLoader(new T(), { batchSize: 3 })];
    expect(b!.x.toArray()).toEqual([
      [0, 10],
      [1, 11],
      [2, 12],
    ]);
    expect(b!.y.toArray()).toEqual([0, 1, 2]);
  });
});
