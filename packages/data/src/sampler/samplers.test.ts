import { defaultGenerator, Generator, KilnError, manualSeed } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { BatchSampler } from './batch-sampler.js';
import { DistributedSampler } from './distributed-sampler.js';
import { RandomSampler } from './random-sampler.js';
import { SequentialSampler } from './sampler.js';
import { SubsetRandomSampler } from './subset-random-sampler.js';
import { WeightedRandomSampler } from './weighted-random-sampler.js';

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('SequentialSampler and BatchSampler', () => {
  it('yield in order, with or without the short batch', () => {
    expect([...new SequentialSampler({ length: 4 })]).toEqual([0, 1, 2, 3]);
    const s = new SequentialSampler({ length: 7 });
    expect([...new BatchSampler(s, 3, false)]).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect([...new BatchSampler(s, 3, true)]).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(new BatchSampler(s, 3, false).length).toBe(3);
    expect(new BatchSampler(s, 3, true).length).toBe(2);
    expect(() => new BatchSampler(s, 0)).toThrow(/batchSize must be an integer >= 1 \(got 0\)/);
  });
});

describe('RandomSampler', () => {
  it('is a permutation each epoch, fixed by the seed, different between epochs', () => {
    const a = new RandomSampler({ length: 20 }, { generator: new Generator().manualSeed(3) });
    const b = new RandomSampler({ length: 20 }, { generator: new Generator().manualSeed(3) });
    const e1 = [...a];
    expect(sorted(e1)).toEqual(range(20));
    expect(e1).toEqual([...b]);
    expect([...a]).not.toEqual(e1);
  });

  it('uses the default generator, seeded by manualSeed', () => {
    manualSeed(11);
    const first = [...new RandomSampler({ length: 10 })];
    manualSeed(11);
    expect([...new RandomSampler({ length: 10 })]).toEqual(first);
    expect(defaultGenerator.getState().offset).toBeGreaterThan(0);
  });

  it('chains permutations when numSamples exceeds the length', () => {
    const s = new RandomSampler({ length: 4 }, { numSamples: 10, generator: new Generator().manualSeed(0) });
    const xs = [...s];
    expect(xs).toHaveLength(10);
    expect(sorted(xs.slice(0, 4))).toEqual([0, 1, 2, 3]);
    expect(sorted(xs.slice(4, 8))).toEqual([0, 1, 2, 3]);
  });

  it('draws with replacement in range, covering values roughly uniformly', () => {
    const s = new RandomSampler(
      { length: 5 },
      { replacement: true, numSamples: 5000, generator: new Generator().manualSeed(1) },
    );
    const counts = [0, 0, 0, 0, 0];
    for (const i of s) counts[i]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(900);
    expect(counts.reduce((a, b) => a + b)).toBe(5000);
  });

  it('rejects impossible sizes', () => {
    expect(() => new RandomSampler({ length: 5 }, { numSamples: 0 })).toThrow(KilnError);
    expect(() => new RandomSampler({ length: 0 }, { numSamples: 3 })).toThrow(/empty data source/);
    expect(() => new RandomSampler({ length: 5 }, { numSamples: 2.5 })).toThrow(/numSamples/);
  });
});

describe('SubsetRandomSampler', () => {
  it('permutes the given indices', () => {
    const s = new SubsetRandomSampler([5, 7, 9, 11], { generator: new Generator().manualSeed(2) });
    expect(sorted([...s])).toEqual([5, 7, 9, 11]);
    expect(s.length).toBe(4);
  });
});

describe('WeightedRandomSampler', () => {
  it('never draws zero weights and follows the proportions', () => {
    const s = new WeightedRandomSampler([0, 1, 3, 0], 8000, { generator: new Generator().manualSeed(5) });
    const counts = [0, 0, 0, 0];
    for (const i of s) counts[i]! += 1;
    expect(counts[0]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[2]! / counts[1]!).toBeGreaterThan(2.6);
    expect(counts[2]! / counts[1]!).toBeLessThan(3.4);
  });

  it('without replacement yields distinct non-zero-weight indices', () => {
    const s = new WeightedRandomSampler([1, 0, 2, 3, 4], 4, {
      replacement: false,
      generator: new Generator().manualSeed(0),
    });
    expect(sorted([...s])).toEqual([0, 2, 3, 4]);
  });

  it('rejects impossible sizes and bad weights', () => {
    expect(() => new WeightedRandomSampler([1, 0, 1], 3, { replacement: false })).toThrow(
      /cannot draw 3 samples without replacement from 2 non-zero weights/,
    );
    expect(() => new WeightedRandomSampler([1, -1], 1)).toThrow(/non-negative \(got -1 at index 1\)/);
    expect(() => new WeightedRandomSampler([0, 0], 1)).toThrow(/positive sum/);
    expect(() => new WeightedRandomSampler([1], 0)).toThrow(/numSamples/);
  });
});

describe('DistributedSampler', () => {
  it('pads by repeating indices so every rank has the same count (PyTorch values)', () => {
    const parts = [0, 1, 2].map((rank) => [
      ...new DistributedSampler({ length: 10 }, { numReplicas: 3, rank, shuffle: false }),
    ]);
    expect(parts).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7, 0],
      [2, 5, 8, 1],
    ]);
  });

  it('drops the tail with dropLast', () => {
    const parts = [0, 1, 2].map((rank) => [
      ...new DistributedSampler({ length: 10 }, { numReplicas: 3, rank, shuffle: false, dropLast: true }),
    ]);
    expect(parts).toEqual([
      [0, 3, 6],
      [1, 4, 7],
      [2, 5, 8],
    ]);
  });

  it('shuffles the same way on every rank, differently per epoch', () => {
    const make = (rank: number) => new DistributedSampler({ length: 12 }, { numReplicas: 2, rank, seed: 7 });
    const [a, b] = [make(0), make(1)];
    const epoch0 = [...a, ...b];
    expect(sorted(epoch0)).toEqual(range(12));
    a.setEpoch(1);
    b.setEpoch(1);
    const epoch1 = [...a, ...b];
    expect(sorted(epoch1)).toEqual(range(12));
    expect(epoch1).not.toEqual(epoch0);
  });

  it('rejects an invalid rank', () => {
    expect(() => new DistributedSampler({ length: 4 }, { numReplicas: 2, rank: 2 })).toThrow(
      /invalid rank 2, rank should be in the interval \[0, 1\]/,
    );
    expect(() => new DistributedSampler({ length: 4 }, { numReplicas: 0, rank: 0 })).toThrow(/numReplicas/);
  });
});
