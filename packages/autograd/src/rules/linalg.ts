import type { Tensor } from '@kiln/tensor';
import type { GradRules } from '../engine/rule.js';

/**
 * Whether `t` is a 2-D column-major view (a transpose of a contiguous matrix, as `weight.t()` in
 * `linear`): its gradient is then computed transposed, `(·)ᵀ` of a row-major product, so that it
 * reaches the underlying matrix contiguous instead of being copied out of a transposed view.
 */
function columnMajor(t: Tensor): boolean {
  return (
    t.shape.length === 2 &&
    t.shape[0]! > 1 &&
    t.shape[1]! > 1 &&
    t.strides[0] === 1 &&
    t.strides[1] === t.shape[0]
  );
}

/**
 * Gradient rule of the (batched, broadcasting) matrix product; the engine sums the gradients
 * back over broadcast batch dims.
 *
 * @example
 * ```ts
 * import { linalgRules } from '@kiln/autograd';
 * linalgRules.matmul.name; // 'MmBackward0'
 * ```
 */
export const linalgRules: GradRules<'matmul'> = {
  matmul: {
    name: 'MmBackward0',
    saveInputs: [0, 1],
    backward: (c, g) => {
      const a = c.input(0);
      const b = c.input(1);
      const ga = c.needsGrad(0)
        ? columnMajor(a) && g.ndim === 2
          ? b.matmul(g.mT).mT
          : g.matmul(b.mT)
        : null;
      const gb = c.needsGrad(1)
        ? columnMajor(b) && g.ndim === 2
          ? g.mT.matmul(a).mT
          : a.mT.matmul(g)
        : null;
      return [ga, gb];
    },
  },
};
