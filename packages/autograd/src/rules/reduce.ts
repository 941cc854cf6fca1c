import { cat, onesLike, type Tensor, zeros } from '@kiln/tensor';
import type { GradRules } from '../engine/rule.js';

type ReduceOp = 'sum' | 'prod' | 'amax' | 'amin' | 'maxDim' | 'minDim' | 'cumsum' | 'cumprod';

const X = [0] as const;

/** `inputShape` with the reduced dims set to 1 (the keepdim shape). */
function keptShape(inputShape: readonly number[], dims: readonly number[]): number[] {
  return inputShape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/** A reduction's output-shaped tensor, reshaped to keepdim form (a view). */
function kept(t: Tensor, inputShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  return keepdim ? t : t.reshape(keptShape(inputShape, dims));
}

/** Products of all other elements along `d` (zero-safe: no division). */
function exclusiveProducts(x: Tensor, d: number): Tensor {
  const n = x.shape[d]!;
  if (n <= 1) return onesLike(x);
  const one = onesLike(x.narrow(d, 0, 1));
  const left = cat([one, x.cumprod(d).narrow(d, 0, n - 1)], d);
  const fromRight = x
    .flip([d])
    .cumprod(d)
    .narrow(d, 0, n - 1)
    .flip([d]);
  const right = cat([fromRight, one], d);
  return left.mul(right);
}

/** Gradient of amax/amin: shared evenly among the elements equal to the extreme. */
function extremeGrad(
  x: Tensor,
  y: Tensor,
  g: Tensor,
  dims: readonly number[],
  keepdim: boolean,
  inputShape: readonly number[],
): Tensor {
  const mask = x.eq(kept(y, inputShape, dims, keepdim));
  const count = mask.sum(dims, true);
  return kept(g, inputShape, dims, keepdim).div(count).mul(mask);
}

/** Gradient of max/min along a dim: the whole gradient goes to the returned index. */
function indexedGrad(
  g: Tensor,
  indices: Tensor,
  dim: number,
  keepdim: boolean,
  inputShape: readonly number[],
): Tensor {
  const gk = keepdim ? g : g.unsqueeze(dim);
  const ik = keepdim ? indices : indices.unsqueeze(dim);
  return zeros(inputShape, { dtype: g.dtype, device: g.device }).scatterAdd(dim, ik, gk);
}

/**
 * Gradient rules of reductions and scans.
 *
 * @example
 * ```ts
 * import { reduceRules } from '@kiln/autograd';
 * reduceRules.cumsum.name; // 'CumsumBackward0'
 * ```
 */
export const reduceRules: GradRules<ReduceOp> = {
  sum: {
    name: (a) => (a.dims.length === a.inputShape.length && !a.keepdim ? 'SumBackward0' : 'SumBackward1'),
    backward: (c, g) => {
      const { dims, keepdim, inputShape } = c.attrs;
      return [kept(g, inputShape, dims, keepdim).expand(inputShape)];
    },
  },
  prod: {
    name: (a) => (a.dims.length === a.inputShape.length && !a.keepdim ? 'ProdBackward0' : 'ProdBackward1'),
    saveInputs: X,
    backward: (c, g) => {
      const { dims, keepdim, inputShape } = c.attrs;
      const x = c.input(0);
      if (inputShape.length === 0) return [g];
      const gk = kept(g, inputShape, dims, keepdim);
      if (dims.length === 1) return [gk.mul(exclusiveProducts(x, dims[0]!))];
      // NOTE: a product over several dims is one over the flattened tensor.
      const others = exclusiveProducts(x.reshape([-1]), 0).reshape(inputShape);
      return [gk.mul(others)];
    },
  },
  amax: {
    name: 'AmaxBackward0',
    saveInputs: X,
    saveOutputs: true,
    backward: (c, g) => {
      const { dims, keepdim, inputShape } = c.attrs;
      return [extremeGrad(c.input(0), c.output(0), g, dims, keepdim, inputShape)];
    },
  },
  amin: {
    name: 'AminBackward0',
    saveInputs: X,
    saveOutputs: true,
    backward: (c, g) => {
      const { dims, keepdim, inputShape } = c.attrs;
      return [extremeGrad(c.input(0), c.output(0), g, dims, keepdim, inputShape)];
    },
  },
  maxDim: {
    name: 'MaxBackward0',
    saveAttrs: ['indices'],
    backward: (c, g) => [
      indexedGrad(g, c.attrTensor('indices'), c.attrs.dim, c.attrs.keepdim, c.attrs.inputShape),
    ],
  },
  minDim: {
    name: 'MinBackward0',
    saveAttrs: ['indices'],
    backward: (c, g) => [
      indexedGrad(g, c.attrTensor('indices'), c.attrs.dim, c.attrs.keepdim, c.attrs.inputShape),
    ],
  },
  cumsum: {
    name: 'CumsumBackward0',
    backward: (c, g) => {
      const d = c.attrs.dim;
      if (c.inputShape(0).length === 0) return [g];
      return [g.flip([d]).cumsum(d).flip([d])];
    },
  },
  cumprod: {
    name: 'CumprodBackward0',
    saveInputs: X,
    saveOutputs: true,
    backward: (c, g) => {
      const d = c.attrs.dim;
      if (c.inputShape(0).length === 0) return [g];
      // NOTE: dy_j/dx_i = y_j / x_i for j >= i; undefined where x_i = 0 (PyTorch special-cases it).
      const gy = g.mul(c.output(0));
      return [gy.flip([d]).cumsum(d).flip([d]).div(c.input(0))];
    },
  },
};
