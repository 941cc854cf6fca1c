import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { Generator } from '../../random/generator.js';
import { randn, tensor, zeros } from '../creation.js';
import { permute } from '../shape.js';
import {
  conv1d,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  convTranspose1d,
  convTranspose2d,
} from './conv.js';
import {
  DEVICES,
  expectClose,
  expectGolden,
  type GoldenTensor,
  goldenCase,
  inputOf,
  registerTestBackends,
} from './test-golden.js';

beforeAll(registerTestBackends);

type Opts = { stride?: number; padding?: number; dilation?: number; groups?: number };

function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

/** Direct-loop conv2d in float64 (the definition, for checking both code paths). */
function refConv2d(
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  o: { stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number },
): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, Cg, kh, kw] = w.shape as [number, number, number, number];
  const xd = values(x);
  const wd = values(w);
  const bd = b ? values(b) : null;
  const Ho = Math.floor((H + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0]) + 1;
  const Wo = Math.floor((W + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1]) + 1;
  const Og = O / o.groups;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let oc = 0; oc < O; oc++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let s = bd ? bd[oc]! : 0;
          const g = Math.floor(oc / Og);
          for (let c = 0; c < Cg; c++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const h = i * o.stride[0] - o.padding[0] + u * o.dilation[0];
                const ww = j * o.stride[1] - o.padding[1] + v * o.dilation[1];
                if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
                s += xd[((n * C + g * Cg + c) * H + h) * W + ww]! * wd[((oc * Cg + c) * kh + u) * kw + v]!;
              }
          out.push(s);
        }
  return { shape: [N, O, Ho, Wo], data: out };
}

/** Direct scatter definition of the transposed conv. */
function refConvT(
  x: Tensor,
  w: Tensor,
  o: {
    stride: [number, number];
    padding: [number, number];
    dilation: [number, number];
    groups: number;
    outputPadding: [number, number];
  },
): { shape: number[]; data: number[] } {
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [, Og, kh, kw] = w.shape as [number, number, number, number];
  const g = o.groups;
  const Cing = Cin / g;
  const Cout = Og * g;
  const Ho = (H - 1) * o.stride[0] - 2 * o.padding[0] + o.dilation[0] * (kh - 1) + o.outputPadding[0] + 1;
  const Wo = (W - 1) * o.stride[1] - 2 * o.padding[1] + o.dilation[1] * (kw - 1) + o.outputPadding[1] + 1;
  const xd = values(x);
  const wd = values(w);
  const out = new Array<number>(N * Cout * Ho * Wo).fill(0);
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          const k = Math.floor(ci / Cing);
          for (let oc = 0; oc < Og; oc++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const h = i * o.stride[0] - o.padding[0] + u * o.dilation[0];
                const ww = j * o.stride[1] - o.padding[1] + v * o.dilation[1];
                if (h < 0 || h >= Ho || ww < 0 || ww >= Wo) continue;
                out[((n * Cout + k * Og + oc) * Ho + h) * Wo + ww]! +=
                  xd[((n * Cin + ci) * H + i) * W + j]! * wd[((ci * Og + oc) * kh + u) * kw + v]!;
              }
        }
  return { shape: [N, Cout, Ho, Wo], data: out };
}

const gen = () => new Generator(7);

describe.each(DEVICES)('convolutions on %s', (device) => {
  it.each(['conv2d/basic', 'conv2d/stride-pad', 'conv2d/dilation', 'conv2d/groups'])(
    'conv2d matches PyTorch: %s',
    (id) => {
      const c = goldenCase(id);
      const bias = c.inputs[2] === null ? null : inputOf(c, 2, device);
      expectGolden(conv2d(inputOf(c, 0, device), inputOf(c, 1, device), bias, c.attrs as Opts), c);
    },
  );

  it.each(['conv2d/basic', 'conv2d/stride-pad', 'conv2d/dilation', 'conv2d/groups'])(
    'conv2dBackwardInput/Weight give PyTorch gradients: %s',
    (id) => {
      const c = goldenCase(id);
      const x = inputOf(c, 0, device);
      const w = inputOf(c, 1, device);
      const g = (() => {
        const u = c.upstream as GoldenTensor;
        return inputOf({ ...c, inputs: [u] }, 0, device);
      })();
      const grads = c.grads as GoldenTensor[];
      expectClose(conv2dBackwardInput(g, w, x.shape, c.attrs as Opts), grads[0]!, c.rtol, c.atol);
      expectClose(conv2dBackwardWeight(x, g, w.shape, c.attrs as Opts), grads[1]!, c.rtol, 1e-4);
    },
  );

  it('conv1d matches PyTorch', () => {
    const c = goldenCase('conv1d/basic');
    expectGolden(
      conv1d(inputOf(c, 0, device), inputOf(c, 1, device), inputOf(c, 2, device), c.attrs as Opts),
      c,
    );
  });

  it('convTranspose2d matches PyTorch, and its gradients are conv2d and conv2dBackwardWeight', () => {
    const c = goldenCase('conv_transpose2d/stride');
    const x = inputOf(c, 0, device);
    const w = inputOf(c, 1, device);
    expectGolden(convTranspose2d(x, w, inputOf(c, 2, device), c.attrs as Opts), c);
    const u = inputOf({ ...c, inputs: [c.upstream as GoldenTensor] }, 0, device);
    const grads = c.grads as GoldenTensor[];
    expectClose(conv2d(u, w, null, c.attrs as Opts), grads[0]!, c.rtol, c.atol);
    expectClose(conv2dBackwardWeight(u, x, w.shape, c.attrs as Opts), grads[1]!, c.rtol, 1e-4);
  });

  it('agrees with the direct definition on strided input, asymmetric options and groups', () => {
    const x = permute(randn([2, 7, 6, 4], { device, generator: gen() }), [0, 3, 1, 2]); // [2, 4, 7, 6], not contiguous
    const w = randn([6, 2, 2, 3], { device, generator: gen() });
    const b = randn([6], { device, generator: gen() });
    const o = {
      stride: [2, 1] as [number, number],
      padding: [1, 2] as [number, number],
      dilation: [1, 2] as [number, number],
      groups: 2,
    };
    expectClose(conv2d(x, w, b, o), refConv2d(x, w, b, o), 1e-4, 1e-4);
  });

  it("'same' padding keeps the size, odd totals padded at the end as PyTorch", () => {
    const x = randn([1, 2, 5, 6], { device, generator: gen() });
    const w = randn([3, 2, 2, 3], { device, generator: gen() });
    const y = conv2d(x, w, null, { padding: 'same', dilation: [1, 2] });
    expect(y.shape).toEqual([1, 3, 5, 6]);
    // NOTE: kh = 2 pads 0 on top and 1 below; the dilated width 5 pads 2 either side.
    const full = refConv2d(x, w, null, { stride: [1, 1], padding: [1, 2], dilation: [1, 2], groups: 1 });
    const want: number[] = [];
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) want.push(full.data[(c * 6 + i + 1) * 6 + j]!);
    expectClose(y, { shape: [1, 3, 5, 6], data: want }, 1e-4, 1e-5);
    expect(conv2d(x, w, null, { padding: 'valid' }).shape).toEqual([1, 3, 4, 4]);
  });

  it('convTranspose2d agrees with the scatter definition (output padding, dilation, groups)', () => {
    const x = randn([2, 4, 3, 4], { device, generator: gen() });
    const w = randn([4, 3, 3, 2], { device, generator: gen() });
    const o = {
      stride: [2, 3] as [number, number],
      padding: [1, 0] as [number, number],
      dilation: [2, 1] as [number, number],
      groups: 2,
      outputPadding: [1, 2] as [number, number],
    };
    expectClose(convTranspose2d(x, w, null, o), refConvT(x, w, o), 1e-4, 1e-4);
    // NOTE: padding larger than the dilated kernel crops the zero-inserted input's edges.
    const o2 = {
      stride: [1, 1] as [number, number],
      padding: [2, 1] as [number, number],
      dilation: [1, 1] as [number, number],
      groups: 1,
      outputPadding: [0, 0] as [number, number],
    };
    const x2 = randn([1, 2, 6, 5], { device, generator: gen() });
    const w2 = randn([2, 1, 2, 2], { device, generator: gen() });
    expectClose(convTranspose2d(x2, w2, null, o2), refConvT(x2, w2, o2), 1e-4, 1e-4);
  });

  it('conv2dBackwardInput restores sizes the stride skipped', () => {
    const w = randn([2, 3, 3, 3], { device, generator: gen() });
    const g = randn([1, 2, 3, 3], { device, generator: gen() });
    // NOTE: an 8×8 input and a 7×7 one both give 3×3 outputs with stride 2, padding 0.
    for (const size of [7, 8]) {
      const gi = conv2dBackwardInput(g, w, [1, 3, size, size], { stride: 2 });
      expect(gi.shape).toEqual([1, 3, size, size]);
      const want = refConvT(g, w, {
        stride: [2, 2],
        padding: [0, 0],
        dilation: [1, 1],
        groups: 1,
        outputPadding: [size - 7, size - 7],
      });
      expectClose(gi, want, 1e-4, 1e-4);
    }
  });

  it('conv1d, convTranspose1d and unbatched inputs', () => {
    const x = tensor([[[1, 2, 3, 4]]], { device, dtype: 'float32' });
    const w = tensor([[[1, 0, -1]]], { device, dtype: 'float32' });
    expect(conv1d(x, w).toArray()).toEqual([[[-2, -2]]]);
    expect(conv1d(x, w, null, { padding: 'same' }).toArray()).toEqual([[[-2, -2, -2, 3]]]);
    expect(
      conv1d(tensor([[1, 2, 3, 4]], { device, dtype: 'float32' }), w, null, { stride: 2 }).toArray(),
    ).toEqual([[-2]]);
    expect(
      convTranspose1d(tensor([[[1, 2]]], { device, dtype: 'float32' }), w, null, { stride: 2 }).toArray(),
    ).toEqual([[[1, 0, 1, 0, -2]]]);
    const x3 = randn([3, 5, 5], { device, generator: gen() });
    const w4 = randn([2, 3, 3, 3], { device, generator: gen() });
    expect(conv2d(x3, w4).shape).toEqual([2, 3, 3]);
    expect(
      convTranspose2d(
        randn([2, 3, 3], { device, generator: gen() }),
        randn([2, 4, 3, 3], { device, generator: gen() }),
      ).shape,
    ).toEqual([4, 5, 5]);
  });

  it('float64 stays float64', () => {
    const x = randn([1, 1, 4, 4], { device, dtype: 'float64', generator: gen() });
    const w = randn([1, 1, 3, 3], { device, dtype: 'float64', generator: gen() });
    const y = conv2d(x, w, null, { padding: 1 });
    expect(y.dtype).toBe('float64');
    expectClose(
      y,
      refConv2d(x, w, null, { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 }),
      1e-12,
      1e-12,
    );
  });
});

describe('convolution errors', () => {
  it('names the op and both shapes', () => {
    registerTestBackends();
    const w = zeros([16, 3, 3, 3]);
    expect(() => conv2d(zeros([2, 4, 8, 8]), w)).toThrow(
      'conv2d: expected input [N, C, H, W] with C = 3 (weight [16, 3, 3, 3]), got [2, 4, 8, 8]',
    );
    expect(() => conv2d(zeros([2, 4, 8, 8]), w)).toThrow(ShapeError);
    expect(() => conv2d(zeros([8, 8]), w)).toThrow(
      /conv2d: expected 3-D \(unbatched\) or 4-D \(batched\) input/,
    );
    expect(() => conv2d(zeros([1, 3, 8, 8]), zeros([16, 3, 3]))).toThrow(
      /conv2d: expected weight \[O, C\/groups, kh, kw\] to be 4-D/,
    );
    expect(() => conv2d(zeros([1, 4, 8, 8]), zeros([8, 2, 3, 3]), null, { groups: 4 })).toThrow(
      /C = 8 \(weight \[8, 2, 3, 3\], groups 4\)/,
    );
    expect(() => conv2d(zeros([1, 4, 8, 8]), zeros([6, 1, 3, 3]), null, { groups: 4 })).toThrow(
      /divisible by groups \(4\)/,
    );
    expect(() => conv2d(zeros([1, 3, 8, 8]), w, zeros([3]))).toThrow(/expected bias of shape \[16\]/);
    expect(() => conv2d(zeros([1, 3, 2, 2]), w)).toThrow(
      /kernel size \[3, 3\] \(dilated\) can't be greater than the padded input size \[2, 2\]/,
    );
    expect(() => conv2d(zeros([1, 3, 8, 8]), w, null, { padding: -1 })).toThrow(ValueError);
    expect(() => conv2d(zeros([1, 3, 8, 8]), w, null, { padding: 'same', stride: 2 })).toThrow(
      /padding='same' is not supported for strided convolutions/,
    );
    expect(() => conv2d(zeros([1, 3, 8, 8]), w, null, { stride: 0 })).toThrow(
      /stride must be a positive integer/,
    );
    expect(() => conv2d(zeros([1, 3, 8, 8]), zeros([16, 3, 3, 3], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => conv1d(zeros([1, 2, 8]), zeros([4, 3, 3]))).toThrow(
      'conv1d: expected input [N, C, L] with C = 3 (weight [4, 3, 3]), got [1, 2, 8]',
    );
    expect(() => convTranspose2d(zeros([1, 2, 4, 4]), zeros([3, 2, 3, 3]))).toThrow(
      /convTranspose2d: expected input \[N, C, H, W\] with C = 3/,
    );
    expect(() =>
      convTranspose2d(zeros([1, 3, 4, 4]), zeros([3, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }),
    ).toThrow(/output padding must be smaller than either stride or dilation/);
  });
});
