import { type OpAttrs, type OpName, type Tensor, zeros } from '@kiln/tensor';
import { isGradEnabled, withGradMode } from './grad-mode.js';
import { recordNode } from './record.js';
import type { GradRule } from './rule.js';

const NO_ATTRS = {} as OpAttrs[OpName];

/**
 * Runs `forward` without recording, then records it as one op whose backward is `backward`
 * (itself written in recorded ops), so internal backward helpers stay differentiable.
 */
function customOp(
  name: string,
  input: Tensor,
  forward: () => Tensor,
  backward: (g: Tensor) => Tensor,
): Tensor {
  const out = withGradMode(false, forward);
  if (isGradEnabled() && input.requiresGrad) {
    const rule: GradRule<OpName> = { name, backward: (_ctx, g) => [backward(g)] };
    recordNode(name, rule, [input], [out], NO_ATTRS);
  }
  return out;
}

function zerosFor(g: Tensor, shape: readonly number[]): Tensor {
  return zeros(shape, { dtype: g.dtype, device: g.device });
}

/** The gradient of `slice`: `g` written into zeros of the input's shape. @internal */
export function sliceBackward(
  g: Tensor,
  inputShape: readonly number[],
  dim: number,
  start: number,
  end: number,
  step: number,
): Tensor {
  return customOp(
    'SliceBackwardBackward0',
    g,
    () => {
      const z = zerosFor(g, inputShape);
      const v = z.slice(dim, start, end, { step });
      v.copy_(g);
      v.dispose();
      return z;
    },
    (gg) => gg.slice(dim, start, end, { step }),
  );
}

/** The gradient of `select`. @internal */
export function selectBackward(g: Tensor, inputShape: readonly number[], dim: number, index: number): Tensor {
  return customOp(
    'SelectBackwardBackward0',
    g,
    () => {
      const z = zerosFor(g, inputShape);
      const v = z.select(dim, index);
      v.copy_(g);
      v.dispose();
      return z;
    },
    (gg) => gg.select(dim, index),
  );
}

/** The gradient of `diagonal`. @internal */
export function diagonalBackward(
  g: Tensor,
  inputShape: readonly number[],
  offset: number,
  dim1: number,
  dim2: number,
): Tensor {
  return customOp(
    'DiagonalBackwardBackward0',
    g,
    () => {
      const z = zerosFor(g, inputShape);
      const v = z.diagonal(offset, dim1, dim2);
      v.copy_(g);
      v.dispose();
      return z;
    },
    (gg) => gg.diagonal(offset, dim1, dim2),
  );
}
