import type { GradRules } from '../engine/rule.js';

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
    backward: (c, g) => [
      c.needsGrad(0) ? g.matmul(c.input(1).mT) : null,
      c.needsGrad(1) ? c.input(0).mT.matmul(g) : null,
    ],
  },
};
