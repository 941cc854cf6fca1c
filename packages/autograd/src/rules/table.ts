import type { GradRuleTable } from '../engine/rule.js';
import { binaryRules } from './binary.js';
import { deviceRules } from './device.js';
import { indexingRules } from './indexing.js';
import { linalgRules } from './linalg.js';
import { nnRules } from './nn.js';
import { rearrangeRules } from './rearrange.js';
import { reduceRules } from './reduce.js';
import { shapeRules } from './shape.js';
import { unaryRules } from './unary.js';

/**
 * Every recorded op's gradient rule, in one table whose type makes a missing rule a compile error.
 *
 * @example
 * ```ts
 * import { gradRules } from '@kiln/autograd';
 * gradRules.tanh.name; // 'TanhBackward0'
 * ```
 */
export const gradRules: GradRuleTable = {
  ...unaryRules,
  ...binaryRules,
  ...shapeRules,
  ...reduceRules,
  ...indexingRules,
  ...linalgRules,
  ...rearrangeRules,
  ...nnRules,
  ...deviceRules,
};
