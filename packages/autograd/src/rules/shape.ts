import { diagonalBackward, selectBackward, sliceBackward } from '../engine/custom.js';
import type { GradRules } from '../engine/rule.js';

type ShapeOp = 'view' | 'permute' | 'expand' | 'slice' | 'select' | 'diagonal' | 'clone';

function inverse(dims: readonly number[]): number[] {
  const inv = new Array<number>(dims.length);
  for (let i = 0; i < dims.length; i++) inv[dims[i]!] = i;
  return inv;
}

/**
 * Gradient rules of views and copies: each maps the gradient back onto the input's layout.
 *
 * @example
 * ```ts
 * import { shapeRules } from '@kiln/autograd';
 * shapeRules.permute.name; // 'PermuteBackward0'
 * ```
 */
export const shapeRules: GradRules<ShapeOp> = {
  view: { name: 'ViewBackward0', noTemporaries: true, backward: (c, g) => [g.reshape(c.attrs.inputShape)] },
  permute: {
    name: 'PermuteBackward0',
    noTemporaries: true,
    backward: (c, g) => [g.permute(inverse(c.attrs.dims))],
  },
  // NOTE: the engine sums a gradient back to its input's shape, which is exactly expand's backward.
  expand: { name: 'ExpandBackward0', noTemporaries: true, backward: (_c, g) => [g] },
  slice: {
    name: 'SliceBackward0',
    backward: (c, g) => {
      const { dim, start, end, step, inputShape } = c.attrs;
      return [sliceBackward(g, inputShape, dim, start, end, step)];
    },
  },
  select: {
    name: 'SelectBackward0',
    backward: (c, g) => [selectBackward(g, c.attrs.inputShape, c.attrs.dim, c.attrs.index)],
  },
  diagonal: {
    name: 'DiagonalBackward0',
    backward: (c, g) => {
      const { offset, dim1, dim2, inputShape } = c.attrs;
      return [diagonalBackward(g, inputShape, offset, dim1, dim2)];
    },
  },
  clone: { name: 'CloneBackward0', noTemporaries: true, backward: (_c, g) => [g] },
};
