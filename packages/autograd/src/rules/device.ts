import type { GradRules } from '../engine/rule.js';

/**
 * Gradient rules of dtype and device conversions: the gradient converts back.
 *
 * @example
 * ```ts
 * import { deviceRules } from '@kiln/autograd';
 * deviceRules.cast.name; // 'ToCopyBackward0'
 * ```
 */
export const deviceRules: GradRules<'cast' | 'toDevice'> = {
  cast: { name: 'ToCopyBackward0', noTemporaries: true, backward: (c, g) => [g.to(c.attrs.inputDType)] },
  toDevice: { name: 'ToCopyBackward0', noTemporaries: true, backward: (c, g) => [g.to(c.attrs.inputDevice)] },
};
