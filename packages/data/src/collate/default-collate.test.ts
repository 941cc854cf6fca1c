import { KilnError, tensor } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { useCpu } from '../test/setup.js';
import { Image } from '../transforms/image.js';
import { defaultCollate } from './default-collate.js';
import { HostTensor } from './host-tensor.js';

useCpu();

describe('defaultCollate', () => {
  it('stacks tensors along a new first dim', () => {
    const b = defaultCollate([tensor([[1, 2]]), tensor([[3, 4]]), tensor([[5, 6]])]);
    expect(b.shape).toEqual([3, 1, 2]);
    expect(b.dtype).toBe('int32');
    expect(b.toArray()).toEqual([[[1, 2]], [[3, 4]], [[5, 6]]]);
  });

  it('turns integers into int32, other numbers into float32, booleans into bool', () => {
    const ints = defaultCollate([1, 2, 3]);
    expect(ints.dtype).toBe('int32');
    expect(ints.toArray()).toEqual([1, 2, 3]);
    const floats = defaultCollate([0.5, 2]);
    expect(floats.dtype).toBe('float32');
    expect(floats.toArray()).toEqual([0.5, 2]);
    const bools = defaultCollate([true, false]);
    expect(bools.dtype).toBe('bool');
    expect(bools.toArray()).toEqual([true, false]);
  });

  it('collates tuples and objects position by position and key by key', () => {
    const b = defaultCollate([
      { x: new Float32Array([1, 2]), y: 0, name: 'a', pair: [1, 0.5] as [number, number] },
      { x: new Float32Array([3, 4]), y: 1, name: 'b', pair: [2, 1.5] as [number, number] },
    ]);
    expect(b.x.shape).toEqual([2, 2]);
    expect(b.x.dtype).toBe('float32');
    expect(b.x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(b.y.toArray()).toEqual([0, 1]);
    expect(b.name).toEqual(['a', 'b']);
    expect(b.pair[0].toArray()).toEqual([1, 2]);
    expect(b.pair[1].toArray()).toEqual([0.5, 1.5]);
  });

  it('stacks host tensors and narrow integer arrays', () => {
    const h = defaultCollate([
      new HostTensor(new Float64Array([1, 2]), [2], 'float64'),
      new HostTensor(new Float64Array([3, 4]), [2], 'float64'),
    ]);
    expect(h.dtype).toBe('float64');
    expect(h.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const u = defaultCollate([new Uint8Array([255, 0]), new Uint8Array([1, 2])]);
    expect(u.dtype).toBe('int32');
    expect(u.toArray()).toEqual([
      [255, 0],
      [1, 2],
    ]);
  });

  it('rejects ragged, mixed and uncollatable batches', () => {
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(
      /stack expects each tensor to be equal size, but got \[2\] at sample 0 and \[3\] at sample 1/,
    );
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(/equal size/);
    expect(() => defaultCollate([1, 'a'] as unknown[])).toThrow(
      /sample 1 at batch is string, but sample 0 is number/,
    );
    expect(() => defaultCollate([new Image(new Uint8Array(1), 1, 1)])).toThrow(/help: apply toTensor\(\)/);
    expect(() => defaultCollate([])).toThrow(KilnError);
  });
});
