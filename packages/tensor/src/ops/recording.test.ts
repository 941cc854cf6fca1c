import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { AutogradHook } from '../core/dispatch.js';
import type { Tensor } from '../core/tensor.js';
import {
  cat,
  cumprod,
  einsum,
  flip,
  gather,
  getAutogradHook,
  indexSelect,
  linear,
  logsumexp,
  matmul,
  max,
  mean,
  norm,
  pad,
  prod,
  rand,
  repeat,
  roll,
  scatterAdd,
  setAutogradHook,
  stack,
  sum,
  tensor,
  tril,
  variance,
} from '../index.js';
import { useCpu } from '../test-support/cpu.js';

interface Recorded {
  op: string;
  inputs: readonly (Tensor | null)[];
  outputs: readonly Tensor[];
  attrs: unknown;
}

// A stand-in for @kiln/autograd that only logs what the core records and, like autograd, marks
// the outputs as requiring grad so that composites record each of their steps.
const log: Recorded[] = [];
let enabled = true;
const fakeHook: AutogradHook = {
  isGradEnabled: () => enabled,
  record(op, inputs, outputs, attrs) {
    log.push({ op, inputs, outputs, attrs });
    for (const o of outputs) {
      o._requiresGrad = true;
      o.gradFn = { name: op };
    }
  },
  checkInPlace() {},
  backward() {
    throw new Error('not in this test');
  },
};
const previous = getAutogradHook();

beforeAll(() => {
  useCpu();
  setAutogradHook(fakeHook);
});
afterAll(() => setAutogradHook(previous));
beforeEach(() => {
  log.length = 0;
  enabled = true;
});

const ops = () => log.map((r) => r.op);
const leaf = (shape: number[]) => rand(shape).requiresGrad_();

describe('recorded ops and their attributes', () => {
  test('sum and prod record their normalised dims', () => {
    const x = leaf([3, 4, 5]);
    const y = sum(x, [-1, 0], true);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      op: 'sum',
      attrs: { dims: [0, 2], keepdim: true, inputShape: [3, 4, 5] },
    });
    expect(log[0]!.inputs[0]).toBe(x);
    expect(log[0]!.outputs[0]).toBe(y);
    log.length = 0;
    prod(x);
    expect(log[0]).toMatchObject({ op: 'prod', attrs: { dims: [0, 1, 2], keepdim: false } });
  });

  test('composites record only the recorded ops they are built from', () => {
    const x = leaf([3, 4]);
    mean(x, 1);
    expect(ops()).toEqual(['sum', 'div']);
    log.length = 0;
    variance(x, 0);
    expect(ops()).toEqual(['sum', 'div', 'sub', 'square', 'sum', 'div']);
    log.length = 0;
    logsumexp(x, 1);
    expect(ops()).toEqual(['sub', 'exp', 'sum', 'log', 'add']);
    log.length = 0;
    // The root of a norm is routed around zero sums, so its gradient there is 0, not NaN.
    norm(x, 2, 1);
    expect(ops()).toEqual(['square', 'sum', 'where', 'sqrt', 'where']);
  });

  test('max with a dim records maxDim with the indices; without a dim, amax', () => {
    const x = leaf([3, 4]);
    const r = max(x, 1, true);
    expect(ops()).toEqual(['maxDim']);
    expect(log[0]!.outputs).toEqual([r.values]);
    expect(log[0]!.attrs).toMatchObject({ dim: 1, keepdim: true, inputShape: [3, 4] });
    expect((log[0]!.attrs as { indices: Tensor }).indices).toBe(r.indices);
    expect(r.indices.requiresGrad).toBe(false);
    log.length = 0;
    max(x);
    expect(log[0]).toMatchObject({ op: 'amax', attrs: { dims: [0, 1], keepdim: false } });
  });

  test('matmul records the batched product; 1-D operands go through views', () => {
    const a = leaf([4]);
    const b = leaf([2, 4, 3]);
    matmul(a, b);
    expect(ops()).toEqual(['view', 'matmul', 'view']);
    expect(log[1]!.inputs[0]!.shape).toEqual([1, 4]);
    expect(log[1]!.inputs[1]).toBe(b);
    log.length = 0;
    const w = leaf([3, 4]);
    linear(rand([2, 4]), w, leaf([3]));
    expect(ops()).toEqual(['permute', 'matmul', 'add']);
    log.length = 0;
    einsum('ij,jk->ik', leaf([2, 3]), rand([3, 4]));
    expect(ops()).toEqual(['matmul']);
    log.length = 0;
    einsum('bij,bkj->bik', rand([2, 3, 4]), leaf([2, 5, 4]));
    expect(ops()).toEqual(['permute', 'matmul']);
  });

  test('indexing ops record the index as input 1', () => {
    const x = leaf([2, 5]);
    const idx = tensor([[0, 4]]);
    gather(x, -1, idx);
    expect(log[0]).toMatchObject({ op: 'gather', attrs: { dim: 1, inputShape: [2, 5] } });
    expect(log[0]!.inputs).toEqual([x, idx]);
    log.length = 0;
    const src = leaf([1, 2]);
    scatterAdd(x, 1, idx, src);
    expect(log[0]).toMatchObject({ op: 'scatterAdd', attrs: { dim: 1 } });
    expect(log[0]!.inputs).toEqual([x, idx, src]);
    log.length = 0;
    indexSelect(x, 0, tensor([1]));
    expect(log[0]).toMatchObject({ op: 'indexSelect', attrs: { dim: 0, inputShape: [2, 5] } });
  });

  test('cat, stack, flip, pad, cumprod and the composites built on them', () => {
    const a = leaf([2, 3]);
    const b = leaf([2, 1]);
    cat([a, b], 1);
    expect(log[0]).toMatchObject({ op: 'cat', attrs: { dim: 1, sizes: [3, 1] } });
    log.length = 0;
    stack([a, a], 2);
    expect(ops()).toEqual(['view', 'view', 'cat']);
    log.length = 0;
    flip(a, [-1]);
    expect(log[0]).toMatchObject({ op: 'flip', attrs: { dims: [1] } });
    log.length = 0;
    pad(a, [1, -1], { value: 2 });
    expect(log[0]).toMatchObject({ op: 'pad', attrs: { pad: [1, -1], inputShape: [2, 3] } });
    log.length = 0;
    pad(a, [1, 1], { mode: 'replicate' });
    expect(ops()).toEqual(['indexSelect']);
    log.length = 0;
    cumprod(a, 0);
    expect(log[0]).toMatchObject({ op: 'cumprod', attrs: { dim: 0 } });
    log.length = 0;
    roll(a, 1, 1);
    expect(ops()).toEqual(['slice', 'slice', 'cat']);
    log.length = 0;
    repeat(a, [2, 1]);
    expect(ops()).toEqual(['view', 'expand', 'clone', 'view']);
    log.length = 0;
    tril(a);
    expect(ops()).toEqual(['where']);
  });

  test('nothing is recorded in no-grad mode or for inputs that do not require grad', () => {
    enabled = false;
    sum(leaf([2, 2]));
    matmul(leaf([2, 2]), leaf([2, 2]));
    enabled = true;
    sum(rand([2, 2]));
    cat([rand([1]), rand([1])]);
    expect(log).toHaveLength(0);
  });
});
