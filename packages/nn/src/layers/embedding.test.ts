import {
  DTypeError,
  hasBackend,
  noGrad,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { Embedding } from './embedding.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const idx = (data: number[] | number[][]): Tensor => tensor(data, { dtype: 'int32' });
const rows = (t: Tensor): number[][] => t.toArray() as number[][];

describe('Embedding', () => {
  it('looks up rows for indices of any shape', () => {
    const emb = Embedding.fromPretrained(
      tensor(
        [
          [0, 0],
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      ),
    );
    expect(
      emb
        .call(
          idx([
            [2, 1],
            [0, 2],
          ]),
        )
        .toArray(),
    ).toEqual([
      [
        [3, 4],
        [1, 2],
      ],
      [
        [0, 0],
        [3, 4],
      ],
    ]);
  });

  it('initialises N(0, 1) with the padding row zero', () => {
    const emb = new Embedding(200, 8, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(199);
    expect(rows(emb.weight)[199]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const w = Array.from(emb.weight.dataSync(), Number).slice(0, 199 * 8);
    const mean = w.reduce((a, v) => a + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, v) => a + (v - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(std).toBeGreaterThan(0.9);
    expect(std).toBeLessThan(1.1);
  });

  it('accumulates gradients per row, none into the padding row', () => {
    const emb = new Embedding(4, 2, { paddingIdx: 0 });
    emb
      .call(idx([0, 1, 0, 2, 2]))
      .sum()
      .backward();
    expect(rows(emb.weight.grad!)).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [0, 0],
    ]);
  });

  it('renormalises looked-up rows above maxNorm, in place', () => {
    const emb = Embedding.fromPretrained(
      tensor(
        [
          [3, 4],
          [0.3, 0.4],
        ],
        { dtype: 'float32' },
      ),
      { maxNorm: 1 },
    );
    const y = rows(emb.call(idx([0, 1])));
    expect(y[0]![0]).toBeCloseTo(0.6, 5);
    expect(y[0]![1]).toBeCloseTo(0.8, 5);
    expect(y[1]![0]).toBeCloseTo(0.3, 6);
    expect(rows(emb.weight)[0]![1]).toBeCloseTo(0.8, 5);
  });

  it('fromPretrained freezes by default and copies the values', () => {
    const src = tensor([[1, 2]], { dtype: 'float32' });
    const frozen = Embedding.fromPretrained(src);
    expect(frozen.weight.requiresGrad).toBe(false);
    expect(Embedding.fromPretrained(src, { freeze: false }).weight.requiresGrad).toBe(true);
    noGrad(() => frozen.weight.fill_(9));
    expect(src.toArray()).toEqual([[1, 2]]);
    expect(() => Embedding.fromPretrained(tensor([1, 2], { dtype: 'float32' }))).toThrow(ShapeError);
  });

  it('rejects bad indices and a padding index out of range', () => {
    const emb = new Embedding(3, 2);
    expect(() => emb.call(idx([3]))).toThrow(/out of range/);
    expect(() => emb.call(tensor([0.5], { dtype: 'float32' }))).toThrow(DTypeError);
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(ValueError);
  });

  it('prints like PyTorch', () => {
    expect(new Embedding(10, 3, { paddingIdx: 0 }).toString()).toBe('Embedding(10, 3, paddingIdx=0)');
  });
});
