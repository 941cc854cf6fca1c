import {
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  softmaxCrossEntropyBackward,
  type Tensor,
  zeros,
} from '@kiln/tensor';
import { isGradEnabled } from '../engine/grad-mode.js';
import type { GradRules } from '../engine/rule.js';

type NnOp =
  | 'gelu'
  | 'softmax'
  | 'logSoftmax'
  | 'conv2d'
  | 'convTranspose2d'
  | 'layerNorm'
  | 'batchNorm'
  | 'maxPool2d'
  | 'softmaxCrossEntropy';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

function geluGrad(x: Tensor, approximate: 'none' | 'tanh'): Tensor {
  if (approximate === 'tanh') {
    const x2 = x.square();
    const t = x.add(x.mul(x2).mul(GELU_C)).mul(SQRT_2_OVER_PI).tanh();
    const du = x2
      .mul(3 * GELU_C)
      .add(1)
      .mul(SQRT_2_OVER_PI);
    return t
      .add(1)
      .mul(0.5)
      .add(x.mul(0.5).mul(t.square().neg().add(1)).mul(du));
  }
  // Φ(x) + x·φ(x)
  const cdf = x.mul(INV_SQRT2).erf().add(1).mul(0.5);
  const pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
  return cdf.add(x.mul(pdf));
}

/**
 * Gradient rules of the neural-network ops with their own kernels (activations, softmax,
 * convolutions, layer norm, max pooling); composites such as batch norm need none.
 *
 * @example
 * ```ts
 * import { nnRules } from '@kiln/autograd';
 * nnRules.softmax.name; // 'SoftmaxBackward0'
 * ```
 */
export const nnRules: GradRules<NnOp> = {
  gelu: {
    name: 'GeluBackward0',
    saveInputs: [0],
    backward: (c, g) => [g.mul(geluGrad(c.input(0), c.attrs.approximate))],
  },
  softmax: {
    name: 'SoftmaxBackward0',
    saveOutputs: true,
    backward: (c, g) => {
      const y = c.output(0);
      const d = c.attrs.dim;
      return [y.mul(g.sub(g.mul(y).sum(d, true)))];
    },
  },
  logSoftmax: {
    name: 'LogSoftmaxBackward0',
    saveOutputs: true,
    backward: (c, g) => [g.sub(c.output(0).exp().mul(g.sum(c.attrs.dim, true)))],
  },
  conv2d: {
    name: 'ConvolutionBackward0',
    saveInputs: [0, 1],
    backward: (c, g) => {
      const p = c.attrs.params;
      const x = c.input(0);
      const w = c.input(1);
      return [
        c.needsGrad(0) ? conv2dBackwardInput(g, w, x.shape, p) : null,
        c.needsGrad(1) ? conv2dBackwardWeight(x, g, w.shape, p) : null,
        c.needsGrad(2) ? g.sum([0, 2, 3]) : null,
      ];
    },
  },
  convTranspose2d: {
    name: 'ConvolutionBackward0',
    saveInputs: [0, 1],
    backward: (c, g) => {
      const p = c.attrs.params;
      const x = c.input(0);
      const w = c.input(1);
      return [
        c.needsGrad(0) ? conv2d(g, w, null, p) : null,
        c.needsGrad(1) ? conv2dBackwardWeight(g, x, w.shape, p) : null,
        c.needsGrad(2) ? g.sum([0, 2, 3]) : null,
      ];
    },
  },
  layerNorm: {
    name: 'NativeLayerNormBackward0',
    saveInputs: [0, 1],
    backward: (c, g) => {
      const x = c.input(0);
      const k = c.attrs.normalizedShape.length;
      const axes = Array.from({ length: k }, (_, i) => x.shape.length - k + i);
      const xc = x.sub(x.mean(axes, true));
      const rstd = xc.square().mean(axes, true).add(c.attrs.eps).rsqrt();
      const xhat = xc.mul(rstd);
      const gxhat = c.hasInput(1) ? g.mul(c.input(1)) : g;
      const gx = c.needsGrad(0)
        ? gxhat
            .sub(gxhat.mean(axes, true))
            .sub(xhat.mul(gxhat.mul(xhat).mean(axes, true)))
            .mul(rstd)
        : null;
      return [gx, c.needsGrad(1) ? g.mul(xhat) : null, c.needsGrad(2) ? g : null];
    },
  },
  batchNorm: {
    name: 'NativeBatchNormBackward0',
    saveInputs: [0, 1],
    saveAttrs: ['mean', 'variance'],
    backward: (c, g) => {
      const x = c.input(0);
      const rank = x.shape.length;
      // Statistics per channel (dim 1), broadcast back as [1, C, 1, …].
      const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
      const channel = (t: Tensor): Tensor => t.reshape([1, t.shape[0]!, ...axes.slice(1).map(() => 1)]);
      // Building a differentiable gradient (double backward): recompute the statistics from x so
      // that they carry their own dependence on it; otherwise the kernel's saved ones serve.
      let mu: Tensor;
      let variance: Tensor;
      if (isGradEnabled()) {
        mu = x.mean(axes, true);
        variance = x.sub(mu).square().mean(axes, true);
      } else {
        mu = channel(c.attrTensor('mean'));
        variance = channel(c.attrTensor('variance'));
      }
      const rstd = variance.add(c.attrs.eps).rsqrt();
      const xhat = x.sub(mu).mul(rstd);
      const gxhat = c.hasInput(1) ? g.mul(channel(c.input(1))) : g;
      const gx = c.needsGrad(0)
        ? gxhat
            .sub(gxhat.mean(axes, true))
            .sub(xhat.mul(gxhat.mul(xhat).mean(axes, true)))
            .mul(rstd)
        : null;
      return [gx, c.needsGrad(1) ? g.mul(xhat).sum(axes) : null, c.needsGrad(2) ? g.sum(axes) : null];
    },
  },
  softmaxCrossEntropy: {
    name: 'CrossEntropyLossBackward0',
    saveInputs: [0],
    saveAttrs: ['target'],
    backward: (c, g) => [
      softmaxCrossEntropyBackward(c.input(0), c.attrTensor('target'), g, {
        ignoreIndex: c.attrs.ignoreIndex,
      }),
    ],
  },
  maxPool2d: {
    name: 'MaxPool2DWithIndicesBackward0',
    saveAttrs: ['indices'],
    backward: (c, g) => {
      const { inputShape } = c.attrs;
      const indices = c.attrTensor('indices');
      const [n, ch] = inputShape as [number, number];
      const flat = zeros([n, ch, inputShape[2]! * inputShape[3]!], { dtype: g.dtype, device: g.device });
      return [flat.scatterAdd(2, indices.reshape([n, ch, -1]), g.reshape([n, ch, -1])).reshape(inputShape)];
    },
  },
};
