import { arange, Generator, KilnError, tensor } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { useCpu } from '../test/setup.js';
import { ConcatDataset } from './concat-dataset.js';
import { Dataset } from './dataset.js';
import { randomSplit } from './random-split.js';
import { Subset } from './subset.js';
import { TensorDataset } from './tensor-dataset.js';

useCpu();

class Range extends Dataset<number> {
  constructor(
    private readonly n: number,
    private readonly base = 0,
  ) {
    super();
  }
  get length(): number {
    return this.n;
  }
  get(i: number): number {
    return this.base + i;
  }
}

describe('TensorDataset', () => {
  it('returns rows of every tensor', () => {
    const ds = new TensorDataset(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tensor([7, 8, 9]),
    );
    expect(ds.length).toBe(3);
    const [x, y] = ds.get(2);
    expect(x!.toArray()).toEqual([5, 6]);
    expect(y!.item()).toBe(9);
    expect(ds.get(-1)[1]!.item()).toBe(9);
  });

  it('gathers a batch with getBatch', () => {
    const ds = new TensorDataset(arange(12).reshape([6, 2]), arange(6));
    const [x, y] = ds.getBatch([4, 0, 4]);
    expect(x!.toArray()).toEqual([
      [8, 9],
      [0, 1],
      [8, 9],
    ]);
    expect(y!.toArray()).toEqual([4, 0, 4]);
  });

  it('rejects tensors of different lengths and out-of-range indices', () => {
    expect(() => new TensorDataset(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/size mismatch.*\[2\].*\[3\]/);
    const ds = new TensorDataset(tensor([1, 2]));
    expect(() => ds.get(2)).toThrow(KilnError);
    expect(() => ds.get(2)).toThrow(/index 2 is out of range for a dataset of length 2/);
  });
});

describe('ConcatDataset and Subset', () => {
  it('indexes through the parts in order', () => {
    const ds = new ConcatDataset([new Range(2, 0), new Range(3, 100), new Range(1, 200)]);
    expect(ds.length).toBe(6);
    expect([...ds]).toEqual([0, 1, 100, 101, 102, 200]);
    expect(ds.cumulativeSizes).toEqual([2, 5, 6]);
    expect(() => ds.get(6)).toThrow(/out of range/);
  });

  it('Subset maps indices', () => {
    const sub = new Subset(new Range(10), [9, 3, 3]);
    expect([...sub]).toEqual([9, 3, 3]);
    expect(() => new Subset(new Range(3), [3])).toThrow(/index 3 is out of range/);
  });
});

describe('randomSplit', () => {
  it('splits by counts into a disjoint cover, reproducibly', () => {
    const parts = randomSplit(new Range(10), [3, 7], new Generator().manualSeed(1));
    const again = randomSplit(new Range(10), [3, 7], new Generator().manualSeed(1));
    expect(parts.map((p) => p.length)).toEqual([3, 7]);
    const all = [...parts[0]!, ...parts[1]!].sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...parts[0]!]).toEqual([...again[0]!]);
    const other = randomSplit(new Range(10), [3, 7], new Generator().manualSeed(2));
    expect([...other[1]!]).not.toEqual([...parts[1]!]);
  });

  it('splits by fractions, dealing the remainder round-robin as PyTorch does', () => {
    expect(randomSplit(new Range(10), [0.5, 0.3, 0.2]).map((p) => p.length)).toEqual([5, 3, 2]);
    expect(randomSplit(new Range(11), [0.5, 0.5]).map((p) => p.length)).toEqual([6, 5]);
    expect(randomSplit(new Range(7), [0.34, 0.33, 0.33]).map((p) => p.length)).toEqual([3, 2, 2]);
  });

  it('rejects impossible sizes', () => {
    expect(() => randomSplit(new Range(10), [3, 8])).toThrow(
      /sum of input lengths \(11\) does not equal the length of the input dataset \(10\)/,
    );
    expect(() => randomSplit(new Range(10), [-1, 11])).toThrow(/non-negative/);
    expect(() => randomSplit(new Range(10), [2.5, 7.5])).toThrow(/integers or fractions/);
  });
});
