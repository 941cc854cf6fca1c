import {
  hasBackend,
  type NestedInput,
  noGrad,
  ones,
  randn,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv1d, Conv2d, ConvTranspose2d } from './conv.js';

beforeAll(() => {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
});

/** A float32 tensor (integer literals would otherwise infer int32). */
const ft = (data: NestedInput, requiresGrad = false): Tensor =>
  tensor(data, { dtype: 'float32', requiresGrad });
const values = (t: Tensor): number[] => Array.from(t.dataSync(), Number);

function setWeights(m: Conv1d | Conv2d | ConvTranspose2d, w: Tensor, b: Tensor | null = null): void {
  noGrad(() => {
    m.weight.copy_(w);
    if (b !== null) m.bias?.copy_(b);
  });
}

describe('Conv1d', () => {
  it('cross-correlates like PyTorch (weight [O, C, k])', () => {
    const conv = new Conv1d(1, 1, 2, { bias: false });
    setWeights(conv, ft([[[1, 1]]]));
    expect(conv.call(ft([[[1, 2, 3]]])).toArray()).toEqual([[[3, 5]]]);
  });

  it.each([
    ['zeros', [3, 6, 5]],
    ['reflect', [5, 6, 7]],
    ['replicate', [4, 6, 8]],
    ['circular', [6, 6, 6]],
  ] as const)('pads with paddingMode %s', (mode, want) => {
    const conv = new Conv1d(1, 1, 3, { padding: 1, paddingMode: mode, bias: false });
    setWeights(conv, ones([1, 1, 3]));
    expect(conv.call(ft([[[1, 2, 3]]])).toArray()).toEqual([[want]]);
  });

  it("keeps the length with padding 'same' (the odd pad at the end) and accepts unbatched input", () => {
    const conv = new Conv1d(1, 1, 2, { padding: 'same', bias: false });
    setWeights(conv, ones([1, 1, 2]));
    expect(conv.call(ft([[1, 2, 3]])).toArray()).toEqual([[3, 5, 3]]);
  });

  it('names the layer and both shapes on a channel mismatch', () => {
    const conv = new Conv1d(4, 8, 3);
    expect(() => conv.call(randn([2, 3, 10]))).toThrow(ShapeError);
    expect(() => conv.call(randn([2, 3, 10]))).toThrow(
      /Conv1d: expected input with 4 channels .*weight \[8, 4, 3\].*got shape \[2, 3, 10\]/,
    );
    expect(() => conv.call(randn([2, 4, 3, 10]))).toThrow(
      /Conv1d: expected 2-D or 3-D input .*got 4-D input of shape \[2, 4, 3, 10\]/,
    );
  });
});

describe('Conv2d', () => {
  it('initialises as PyTorch: weight and bias within ±1/√fanIn', () => {
    const conv = new Conv2d(3, 16, 3);
    const bound = 1 / Math.sqrt(27);
    const w = values(conv.weight);
    expect(conv.weight.shape).toEqual([16, 3, 3, 3]);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // A uniform on ±bound has std bound/√3; 432 samples land well within 20% of it.
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.8 * (bound / Math.sqrt(3)));
    expect(std).toBeLessThan(1.2 * (bound / Math.sqrt(3)));
    expect(Math.max(...values(conv.bias!).map(Math.abs))).toBeLessThanOrEqual(bound);
  });

  it('lists PyTorch state-dict names and grouped weight shapes', () => {
    const conv = new Conv2d(4, 6, [3, 5], { groups: 2 });
    expect([...conv.stateDict()].map(([k, t]) => [k, t.shape])).toEqual([
      ['weight', [6, 2, 3, 5]],
      ['bias', [6]],
    ]);
    expect(new Conv2d(4, 6, 3, { bias: false }).stateDict().has('bias')).toBe(false);
  });

  it('computes strided, padded outputs and their gradients', () => {
    const conv = new Conv2d(1, 2, 2, { stride: 2 });
    setWeights(
      conv,
      ft([
        [
          [
            [1, 0],
            [0, 0],
          ],
        ],
        [
          [
            [0, 0],
            [0, 1],
          ],
        ],
      ]),
      ft([10, 20]),
    );
    const x = ft(
      [
        [
          [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
            [9, 10, 11, 12],
            [13, 14, 15, 16],
          ],
        ],
      ],
      true,
    );
    const y = conv.call(x);
    expect(y.toArray()).toEqual([
      [
        [
          [11, 13],
          [19, 21],
        ],
        [
          [26, 28],
          [34, 36],
        ],
      ],
    ]);
    y.sum().backward();
    expect(values(conv.bias!.grad!)).toEqual([4, 4]);
    expect(values(x.grad!)).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1]);
  });

  it("keeps the size with 'same' and shrinks it with 'valid'", () => {
    expect(
      new Conv2d(3, 4, [3, 4], { padding: 'same', dilation: 2 }).call(randn([1, 3, 9, 9])).shape,
    ).toEqual([1, 4, 9, 9]);
    expect(new Conv2d(3, 4, 3, { padding: 'valid' }).call(randn([3, 9, 9])).shape).toEqual([4, 7, 7]);
  });

  it('rejects bad configurations with ValueError', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(ValueError);
    expect(() => new Conv2d(4, 3, 3, { groups: 2 })).toThrow(/outChannels must be divisible by groups/);
    expect(() => new Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow(
      /padding='same' is not supported for strided convolutions/,
    );
    expect(() => new Conv2d(3, 4, 0)).toThrow(/kernelSize/);
  });

  it('names the layer and both shapes on wrong rank or channels', () => {
    const conv = new Conv2d(3, 8, 3);
    expect(() => conv.call(randn([1, 4, 8, 8]))).toThrow(
      /Conv2d: expected input with 3 channels \(weight \[8, 3, 3, 3\]\) at dim 1, got shape \[1, 4, 8, 8\]/,
    );
    expect(() => conv.call(randn([8, 8]))).toThrow(
      /Conv2d: expected 3-D or 4-D input \(C, H, W\) or \(N, C, H, W\), got 2-D input of shape \[8, 8\]/,
    );
  });

  it('prints like PyTorch', () => {
    expect(new Conv2d(3, 16, 3, { stride: 2, padding: 1 }).toString()).toBe(
      'Conv2d(3, 16, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1])',
    );
    expect(new Conv1d(2, 4, 3, { padding: 'same', bias: false, paddingMode: 'reflect' }).toString()).toBe(
      "Conv1d(2, 4, kernelSize=[3], stride=[1], padding='same', bias=false, paddingMode='reflect')",
    );
  });
});

describe('ConvTranspose2d', () => {
  it('scatters each input through the kernel (weight [Cin, Cout, kh, kw])', () => {
    const up = new ConvTranspose2d(1, 1, 2, { stride: 2, bias: false });
    expect(up.weight.shape).toEqual([1, 1, 2, 2]);
    setWeights(
      up,
      ft([
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ]),
    );
    expect(up.call(ft([[[[1, 10]]]])).toArray()).toEqual([
      [
        [
          [1, 2, 10, 20],
          [3, 4, 30, 40],
        ],
      ],
    ]);
  });

  it('picks the output padding from outputSize', () => {
    const up = new ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1 });
    const x = randn([1, 4, 7, 7]);
    expect(up.call(x).shape).toEqual([1, 2, 13, 13]);
    expect(up.forward(x, [14, 14]).shape).toEqual([1, 2, 14, 14]);
    expect(() => up.forward(x, [15, 14])).toThrow(/valid sizes range from \[13\] to \[14\]/);
  });

  it('rejects other padding modes and wrong channels', () => {
    expect(() => new ConvTranspose2d(1, 1, 2, { paddingMode: 'reflect' as 'zeros' })).toThrow(ValueError);
    expect(() => new ConvTranspose2d(1, 1, 2, { padding: 'same' as unknown as number })).toThrow(
      /padding must be a number or a pair/,
    );
    expect(() => new ConvTranspose2d(4, 2, 3).call(randn([1, 2, 5, 5]))).toThrow(
      /ConvTranspose2d: expected input with 4 channels .*got shape \[1, 2, 5, 5\]/,
    );
  });

  it('prints its output padding', () => {
    expect(new ConvTranspose2d(16, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }).toString()).toBe(
      'ConvTranspose2d(16, 3, kernelSize=[3, 3], stride=[2, 2], padding=[1, 1], outputPadding=[1, 1])',
    );
  });
});
