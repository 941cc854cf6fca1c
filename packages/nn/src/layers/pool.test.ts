import {
  hasBackend,
  type NestedInput,
  randn,
  registerBackend,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import { describe, expect, it } from 'vitest';
import { AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d } from './pool.js';

if (!hasBackend('cpu')) registerBackend(createCpuBackend());

const ft = (data: NestedInput, requiresGrad = false): Tensor =>
  tensor(data, { dtype: 'float32', requiresGrad });
const grid = ft([
  [
    [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    ],
  ],
]);

describe('MaxPool', () => {
  it('MaxPool2d takes window maxima (stride = kernel by default) and routes the gradient to them', () => {
    const x = ft(grid.toArray() as NestedInput, true);
    const y = new MaxPool2d(2).call(x);
    expect(y.toArray()).toEqual([
      [
        [
          [6, 8],
          [14, 16],
        ],
      ],
    ]);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]);
  });

  it('MaxPool2d honours stride, padding and ceilMode', () => {
    expect(new MaxPool2d(3, { stride: 1, padding: 1 }).call(grid).shape).toEqual([1, 1, 4, 4]);
    expect(new MaxPool2d(3, { stride: 2, ceilMode: true }).call(grid).toArray()).toEqual([
      [
        [
          [11, 12],
          [15, 16],
        ],
      ],
    ]);
  });

  it('MaxPool1d pools the last dim, batched or not', () => {
    expect(new MaxPool1d(2).call(ft([[[1, 3, 2, 0, 5]]])).toArray()).toEqual([[[3, 2]]]);
    expect(new MaxPool1d(2, { stride: 1 }).call(ft([[1, 3, 2]])).toArray()).toEqual([[3, 3]]);
  });

  it('returns the maxima and their flat indices with returnIndices', () => {
    const [y, idx] = new MaxPool2d(2, { returnIndices: true }).call(grid);
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(idx.toArray()).toEqual([
      [
        [
          [5, 7],
          [13, 15],
        ],
      ],
    ]);
    const [, idx1] = new MaxPool1d(2, { returnIndices: true }).call(ft([[[1, 3, 2, 0]]]));
    expect(idx1.toArray()).toEqual([[[1, 2]]]);
  });

  it('names the layer and the shape on a wrong rank', () => {
    expect(() => new MaxPool2d(2).call(randn([4, 4]))).toThrow(ShapeError);
    expect(() => new MaxPool2d(2).call(randn([4, 4]))).toThrow(
      /MaxPool2d: expected 3-D or 4-D input .*got 2-D input of shape \[4, 4\]/,
    );
    expect(() => new MaxPool1d(2).call(randn([1, 2, 3, 4]))).toThrow(/MaxPool1d: .*shape \[1, 2, 3, 4\]/);
  });

  it('prints like PyTorch', () => {
    expect(new MaxPool2d(2).toString()).toBe(
      'MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)',
    );
  });
});

describe('AvgPool', () => {
  it('AvgPool2d averages windows; countIncludePad decides the divisor at the border', () => {
    expect(new AvgPool2d(2).call(grid).toArray()).toEqual([
      [
        [
          [3.5, 5.5],
          [11.5, 13.5],
        ],
      ],
    ]);
    const x = ft([[[[4]]]]);
    expect(new AvgPool2d(2, { stride: 1, padding: 1 }).call(x).toArray()).toEqual([
      [
        [
          [1, 1],
          [1, 1],
        ],
      ],
    ]);
    expect(new AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }).call(x).toArray()).toEqual([
      [
        [
          [4, 4],
          [4, 4],
        ],
      ],
    ]);
    expect(new AvgPool2d(2, { divisorOverride: 2 }).call(grid).toArray()).toEqual([
      [
        [
          [7, 11],
          [23, 27],
        ],
      ],
    ]);
    expect(() => new AvgPool2d(2, { divisorOverride: 0 })).toThrow(ValueError);
  });

  it('AvgPool1d averages along the last dim', () => {
    expect(new AvgPool1d(2).call(ft([[[1, 3, 2, 0]]])).toArray()).toEqual([[[2, 1]]]);
    expect(
      new AvgPool1d(3, { stride: 1, padding: 1, countIncludePad: false }).call(ft([[[3, 6]]])).toArray(),
    ).toEqual([[[4.5, 4.5]]]);
  });

  it('AdaptiveAvgPool2d reaches any output size (PyTorch bins; null keeps a dim)', () => {
    expect(new AdaptiveAvgPool2d(1).call(grid).toArray()).toEqual([[[[8.5]]]]);
    expect(new AdaptiveAvgPool2d([3, null]).call(grid).shape).toEqual([1, 1, 3, 4]);
    // rows [0,2), [1,3), [2,4): means of rows 0–1, 1–2, 2–3 of the first column
    expect(Array.from(new AdaptiveAvgPool2d([3, 1]).call(grid).dataSync())).toEqual([4.5, 8.5, 12.5]);
    expect(() => new AdaptiveAvgPool2d(2).call(randn([5]))).toThrow(/AdaptiveAvgPool2d: .*shape \[5\]/);
  });
});
