import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { Generator } from '../../random/generator.js';
import { randn, tensor } from '../creation.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from './cross-entropy.js';
import { DEVICES, registerTestBackends } from './test-golden.js';

beforeAll(registerTestBackends);

function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

function expectClose(got: number[], want: number[], tol: number): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(
      tol * (1 + Math.abs(want[i]!)),
    );
  });
}

/** Reference per-row loss and gradient in float64 on the host. */
function reference(
  x: number[][],
  t: number[],
  g: number[],
  ignore: number,
): { loss: number[]; grad: number[] } {
  const loss: number[] = [];
  const grad: number[] = [];
  x.forEach((row, i) => {
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    const lse = m + Math.log(s);
    const ti = t[i]!;
    loss.push(ti === ignore ? 0 : lse - row[ti]!);
    for (let j = 0; j < row.length; j++) {
      grad.push(ti === ignore ? 0 : g[i]! * (Math.exp(row[j]! - lse) - (j === ti ? 1 : 0)));
    }
  });
  return { loss, grad };
}

describe.each(DEVICES)('softmaxCrossEntropy on %s', (device) => {
  const x = [
    [0.5, -1, 2, 0],
    [100, 99, -50, 0],
    [1, 1, 1, 1],
    [-3, 0.25, 7, -7],
  ];
  const t = [2, 0, -1, 3];

  it('gives logsumexp − the target logit per row, 0 for the ignored row, stable for large logits', () => {
    const logits = tensor(x, { dtype: 'float64', device });
    const target = tensor(t, { dtype: 'int32', device });
    const ref = reference(x, t, [1, 1, 1, 1], -1);
    expectClose(values(softmaxCrossEntropy(logits, target, { ignoreIndex: -1 })), ref.loss, 1e-12);
  });

  it('float32 agrees with the float64 reference', () => {
    const logits = tensor(x, { device });
    const target = tensor(t, { dtype: 'int32', device });
    expectClose(
      values(softmaxCrossEntropy(logits, target, { ignoreIndex: -1 })),
      reference(x, t, [1, 1, 1, 1], -1).loss,
      1e-5,
    );
  });

  it('its backward is g·(softmax − onehot) with a zero row where ignored', () => {
    const logits = tensor(x, { dtype: 'float64', device });
    const target = tensor(t, { dtype: 'int32', device });
    const g = [0.5, -2, 3, 1];
    const grad = softmaxCrossEntropyBackward(logits, target, tensor(g, { dtype: 'float64', device }), {
      ignoreIndex: -1,
    });
    expect(grad.shape).toEqual([4, 4]);
    expectClose(values(grad), reference(x, t, g, -1).grad, 1e-12);
  });

  it('handles strided logits and targets and the default ignoreIndex (−100)', () => {
    const gen = new Generator(5);
    const base = randn([6, 5], { dtype: 'float64', device, generator: gen });
    const logits = base.t(); // [5, 6], not contiguous
    const target = tensor([0, 5, -100, 3, 1, 9, 2, 7, 4, 8], { dtype: 'int32', device })
      .narrow(0, 0, 10)
      .view([5, 2])
      .select(1, 0);
    const rows = logits.toArray() as number[][];
    const ts = values(target);
    expectClose(
      values(softmaxCrossEntropy(logits, target)),
      reference(rows, ts, [1, 1, 1, 1, 1], -100).loss,
      1e-12,
    );
  });

  it('accepts an empty batch', () => {
    const out = softmaxCrossEntropy(randn([0, 3], { device }), tensor([], { dtype: 'int32', device }));
    expect(out.shape).toEqual([0]);
  });

  it('rejects bad input with clear messages', () => {
    const logits = randn([2, 3], { device });
    const target = tensor([0, 1], { dtype: 'int32', device });
    expect(() => softmaxCrossEntropy(randn([2, 3, 4], { device }), target)).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(randn([2, 3, 4], { device }), target)).toThrow(
      'softmaxCrossEntropy: expected logits of shape [N, C] (got 3-D logits of shape [2, 3, 4])',
    );
    expect(() => softmaxCrossEntropy(logits, tensor([0, 1], { dtype: 'float32', device }))).toThrow(
      DTypeError,
    );
    expect(() => softmaxCrossEntropy(logits, tensor([0, 1, 2], { dtype: 'int32', device }))).toThrow(
      'softmaxCrossEntropy: expected target of shape [2] for logits [2, 3] (got [3])',
    );
    expect(() => softmaxCrossEntropy(logits, tensor([0, 3], { dtype: 'int32', device }))).toThrow(ValueError);
    expect(() => softmaxCrossEntropy(logits, tensor([0, 3], { dtype: 'int32', device }))).toThrow(
      'softmaxCrossEntropy: Target 3 is out of bounds (expected a class index in [0, 2] or ignore_index -100)',
    );
    expect(() => softmaxCrossEntropy(logits, tensor([-1, 0], { dtype: 'int32', device }))).toThrow(
      /Target -1/,
    );
    expect(() => softmaxCrossEntropy(logits, target, { ignoreIndex: 0.5 })).toThrow(
      'softmaxCrossEntropy: ignoreIndex must be an integer (got 0.5)',
    );
    expect(() =>
      softmaxCrossEntropy(
        tensor([[1, 2]], { dtype: 'int32', device }),
        tensor([0], { dtype: 'int32', device }),
      ),
    ).toThrow(DTypeError);
    expect(() =>
      softmaxCrossEntropyBackward(logits, target, tensor([1, 2, 3], { dtype: 'float32', device })),
    ).toThrow('softmaxCrossEntropyBackward: expected grad of shape [2] and dtype float32 (got [3] float32)');
  });

  it('reads the targets back once: the gradient and later calls reuse the check until they change', () => {
    const logits = randn([3, 4], { dtype: 'float64', device });
    const target = tensor([0, 3, 1], { dtype: 'int32', device });
    const backend = logits.handle.backend;
    const readSync = backend.readSync!;
    let reads = 0;
    // Reads of the target's own storage (the composite path reads other index tensors too).
    backend.readSync = (...args) => {
      if (args[0] === target.storage) reads++;
      return readSync.apply(backend, args);
    };
    try {
      softmaxCrossEntropy(logits, target);
      softmaxCrossEntropyBackward(logits, target, tensor([1, 1, 1], { dtype: 'float64', device }));
      softmaxCrossEntropy(logits, target);
      expect(reads).toBe(1);
      // A different ignoreIndex is a different question.
      softmaxCrossEntropy(logits, target, { ignoreIndex: 3 });
      expect(reads).toBe(2);
    } finally {
      backend.readSync = readSync;
    }
    // An in-place change makes the old check stale.
    target.fill_(4);
    expect(() => softmaxCrossEntropy(logits, target)).toThrow(
      'softmaxCrossEntropy: Target 4 is out of bounds',
    );
  });
});
