import { type Tensor, zeros } from '@kiln/tensor';
import type { GradRules } from '../engine/rule.js';

type IndexingOp = 'gather' | 'scatterAdd' | 'indexSelect';

const INDEX = [1] as const;

function zerosOf(shape: readonly number[], like: Tensor): Tensor {
  return zeros(shape, { dtype: like.dtype, device: like.device });
}

/**
 * Gradient rules of the indexing ops, written with `gather` and `scatterAdd` (each the other's
 * gradient, so higher orders work).
 *
 * @example
 * ```ts
 * import { indexingRules } from '@kiln/autograd';
 * indexingRules.gather.name; // 'GatherBackward0'
 * ```
 */
export const indexingRules: GradRules<IndexingOp> = {
  gather: {
    name: 'GatherBackward0',
    saveInputs: INDEX,
    backward: (c, g) => [zerosOf(c.attrs.inputShape, g).scatterAdd(c.attrs.dim, c.input(1), g), null],
  },
  scatterAdd: {
    name: 'ScatterAddBackward0',
    saveInputs: INDEX,
    backward: (c, g) => [g, null, c.needsGrad(2) ? g.gather(c.attrs.dim, c.input(1)) : null],
  },
  indexSelect: {
    name: 'IndexSelectBackward0',
    saveInputs: INDEX,
    backward: (c, g) => {
      const { dim, inputShape } = c.attrs;
      const index = c.input(1);
      const shape = g.shape.map((_, i) => (i === dim ? index.numel() : 1));
      const spread = index.reshape(shape).expand(g.shape);
      return [zerosOf(inputShape, g).scatterAdd(dim, spread, g), null];
    },
  },
};
