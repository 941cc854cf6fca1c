import { beforeAll, expect, test } from 'vitest';
import type { Tensor } from '../core/tensor.js';
import {
  argmax,
  cat,
  cumsum,
  einsum,
  flip,
  gather,
  index,
  indexSelect,
  linear,
  logsumexp,
  maskedSelect,
  matmul,
  max,
  mean,
  memory,
  norm,
  pad,
  rand,
  repeat,
  roll,
  scatter,
  scatterAdd,
  stack,
  std,
  sum,
  tensor,
  tril,
  variance,
} from '../index.js';
import { useCpu } from '../test-support/cpu.js';

beforeAll(() => {
  useCpu();
});

/** Storages alive on the cpu backend. */
const buffers = (): number => memory('cpu').buffers;

// Every op here frees its intermediates itself: after disposing the result, the count of live
// storages is back where it was (a leak would wait for garbage collection, which a training loop
// cannot rely on).
test('reductions, linear algebra, indexing and rearranging ops free their intermediates', () => {
  const x = rand([3, 4, 5]);
  const m = rand([4, 6]);
  const w = rand([6, 5]);
  const b = rand([6]);
  const idx = tensor([
    [0, 2],
    [1, 1],
    [3, 0],
  ]);
  const r52 = rand([5, 2]);
  const r5 = rand([5]);
  const r33 = rand([3, 3]);
  const r34 = rand([3, 4]);
  const r32 = rand([3, 2]);
  const i12 = tensor([[1, 2]]);
  const i34 = tensor([[3], [4]]);
  const idx2 = tensor([
    [1, 3],
    [2, 0],
    [4, 4],
  ]);
  const pick = tensor([4, 0]);
  const rows = tensor([-1, 0]);
  const positive = x.gt(0);
  const cases: [string, () => Tensor | Tensor[]][] = [
    ['sum', () => sum(x, [0, 2])],
    ['mean', () => mean(x, 1, true)],
    ['var', () => variance(x, 2)],
    ['std', () => std(x)],
    ['logsumexp', () => logsumexp(x, 1)],
    ['norm 2', () => norm(x, 2, 1)],
    ['norm 3', () => norm(x, 3)],
    ['norm inf', () => norm(x, Number.POSITIVE_INFINITY)],
    ['norm 0', () => norm(x, 0)],
    [
      'max dim',
      () => {
        const r = max(x, 1);
        return [r.values, r.indices];
      },
    ],
    ['argmax', () => argmax(x)],
    ['cumsum', () => cumsum(x, 2)],
    ['matmul', () => matmul(x, r52)],
    ['matmul 1-D', () => matmul(r5, x.transpose(1, 2))],
    ['matmul int', () => matmul(i12, i34)],
    ['linear 3-D', () => linear(x, w, b)],
    ['linear composite', () => linear(x, w, b.reshape([1, 6]))],
    ['einsum', () => einsum('bij,jk->bik', x.transpose(1, 2), m)],
    ['einsum diag', () => einsum('ii->', r33)],
    ['gather', () => gather(x.select(0, 0), 1, idx2)],
    ['scatterAdd', () => scatterAdd(r34, 1, idx, r32)],
    ['scatter', () => scatter(r34, 1, idx, 5)],
    ['scatter repeated', () => scatter(r34, 1, idx, r34)],
    ['indexSelect', () => indexSelect(x, 2, pick)],
    ['index', () => index(x, rows)],
    ['maskedSelect', () => maskedSelect(x, positive)],
    ['cat', () => cat([x, x], 1)],
    ['stack', () => stack([x, x], 3)],
    ['flip', () => flip(x, [0, 2])],
    ['roll', () => roll(x, [1, -2], [0, 2])],
    ['roll flat', () => roll(x, 7)],
    ['repeat', () => repeat(x, [2, 1, 1, 2])],
    ['tril', () => tril(x, 1)],
    ['pad constant', () => pad(x, [1, 1, 2, 0], { value: 3 })],
    ['pad reflect', () => pad(x, [1, 1, 2, 2], { mode: 'reflect' })],
    ['pad circular', () => pad(x, [1, 2], { mode: 'circular' })],
  ];
  for (const [name, run] of cases) {
    const before = buffers();
    const out = run();
    const outs = Array.isArray(out) ? out : [out];
    for (const t of outs) t.dispose();
    expect(buffers(), name).toBe(before);
  }
});
