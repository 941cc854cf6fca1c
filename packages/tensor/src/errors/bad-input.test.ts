import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  add,
  arange,
  DeviceError,
  DTypeError,
  embedding,
  fromTypedArray,
  gather,
  hasBackend,
  indexSelect,
  KilnError,
  matmul,
  ones,
  registerBackend,
  ShapeError,
  tensor,
  ValueError,
  zeros,
} from '../index.js';
import { useCpu } from '../test-support/cpu.js';

beforeAll(() => {
  useCpu();
  if (!hasBackend('cpu-b')) {
    const other = createCpuBackend();
    registerBackend(Object.assign(Object.create(other) as typeof other, { name: 'cpu-b' }));
  }
});

/** Runs `fn`, asserting it throws a KilnError of `kind` whose message matches `pattern`. */
function expectKilnError(
  fn: () => unknown,
  kind: { isInstance(e: unknown): boolean },
  pattern: RegExp,
): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').not.toBeNull();
  expect(KilnError.isInstance(caught)).toBe(true);
  expect(kind.isInstance(caught)).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
}

describe('bad input gives a KilnError naming op, what, got and expected', () => {
  it('shape mismatch in a broadcast', () => {
    expectKilnError(
      () => add(ones([2, 3]), ones([4, 3])),
      ShapeError,
      /^add: shapes \[2, 3\] and \[4, 3\] cannot be broadcast \(size 2 != 4 at dim 0\)$/,
    );
  });
  it('shape mismatch in matmul', () => {
    expectKilnError(
      () => matmul(ones([2, 3]), ones([4, 5])),
      ShapeError,
      /^matmul: shapes \[2, 3\] and \[4, 5\] cannot be multiplied \(3 != 4\)/,
    );
  });
  it('dim out of range', () => {
    expectKilnError(
      () => ones([2, 3]).transpose(0, 2),
      ShapeError,
      /^transpose: dimension out of range \(got 2, expected to be in range of \[-2, 1\]\)$/,
    );
    expectKilnError(() => ones([2, 3]).sum(5), ShapeError, /dimension out of range \(got 5/);
  });
  it('invalid reshape', () => {
    expectKilnError(
      () => ones([2, 3]).reshape([4, 2]),
      ShapeError,
      /^reshape: shape '\[4, 2\]' is invalid for input of size 6/,
    );
    expectKilnError(() => ones([2, 3]).reshape([-1, -1]), ShapeError, /only one dimension can be inferred/);
    expectKilnError(() => ones([2, 3]).t().view([6]), ShapeError, /^view: size is not compatible/);
  });
  it('wrong dtype for an op: float indices', () => {
    expectKilnError(() => gather(ones([2, 3]), 1, zeros([2, 3])), DTypeError, /gather.*(int32|index)/);
    expectKilnError(
      () => indexSelect(ones([2, 3]), 1, tensor([0.5])),
      DTypeError,
      /indexSelect.*(int32|index)/,
    );
  });
  it('ragged nested arrays', () => {
    expectKilnError(
      () => tensor([[1, 2], [3]]),
      ValueError,
      /^tensor: ragged nested arrays \(got a sequence of length 1 at depth 1, expected 2\)$/,
    );
    expectKilnError(() => tensor([[1, 2], 3] as never), ValueError, /^tensor: ragged nested arrays/);
  });
  it('NaN and negative sizes', () => {
    expectKilnError(
      () => zeros([2, Number.NaN]),
      ValueError,
      /^zeros: size at dim 1 must be an integer \(got NaN\)$/,
    );
    expectKilnError(() => ones([-1]), ValueError, /^full: size at dim 0 must be non-negative \(got -1\)$/);
    expectKilnError(
      () => fromTypedArray(new Float32Array(3), [2, 2]),
      ValueError,
      /holds 4 elements \(got an array of 3\)/,
    );
    expectKilnError(() => arange(0, 10, 0), ValueError, /step must be nonzero/);
  });
  it('ops on a disposed tensor', () => {
    const x = ones([2]);
    x.dispose();
    expectKilnError(() => x.add(1), ValueError, /tensor has been disposed/);
    expectKilnError(() => x.toArray(), ValueError, /tensor has been disposed/);
  });
  it('mixing devices', () => {
    const a = ones([2], { device: 'cpu' });
    const b = ones([2], { device: 'cpu-b' });
    expectKilnError(
      () => add(a, b),
      DeviceError,
      /^add: expected all tensors to be on the same device \(got 'cpu' and 'cpu-b'\)/,
    );
  });
  it('an unregistered device', () => {
    expectKilnError(
      () => zeros([1], { device: 'tpu' }),
      DeviceError,
      /^getBackend: device 'tpu' is not registered \(registered: 'cpu', 'cpu-b'\)\nhelp: /,
    );
  });
  it('index out of bounds in gather, indexSelect and embedding', () => {
    expectKilnError(
      () => gather(ones([2, 3]), 1, tensor([[0, 3]])),
      ValueError,
      /index 3 is out of bounds for dimension 1 with size 3/,
    );
    expectKilnError(() => indexSelect(ones([2, 3]), 0, tensor([-1])), ValueError, /out of (bounds|range)/);
    expectKilnError(
      () => embedding(tensor([[10]]), ones([10, 4])),
      ValueError,
      /index 10 is out of (bounds|range)/,
    );
  });
  it('item on a tensor with several elements', () => {
    expectKilnError(
      () => ones([2]).item(),
      ValueError,
      /^item: a Tensor with 2 elements cannot be converted to Scalar/,
    );
  });
});
