import { pad } from '@kiln/tensor';
import type { GradRules } from '../engine/rule.js';

/**
 * Gradient rules of flips, constant padding and concatenation.
 *
 * @example
 * ```ts
 * import { rearrangeRules } from '@kiln/autograd';
 * rearrangeRules.cat.name; // 'CatBackward0'
 * ```
 */
export const rearrangeRules: GradRules<'flip' | 'pad' | 'cat'> = {
  flip: { name: 'FlipBackward0', backward: (c, g) => [g.flip(c.attrs.dims)] },
  pad: {
    name: 'ConstantPadNdBackward0',
    // NOTE: padding by the negated amounts crops the padding back off.
    backward: (c, g) => [
      pad(
        g,
        c.attrs.pad.map((p) => -p),
      ),
    ],
  },
  cat: {
    name: 'CatBackward0',
    backward: (c, g) => {
      const { dim, sizes } = c.attrs;
      let offset = 0;
      return sizes.map((size, i) => {
        const part = c.needsGrad(i) ? g.narrow(dim, offset, size) : null;
        offset += size;
        return part;
      });
    },
  },
};
