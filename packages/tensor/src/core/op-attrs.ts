import type { ActivationOpAttrs } from '../ops/activation.js';
import type { BinaryOpAttrs } from '../ops/binary.js';
import type { DeviceOpAttrs } from '../ops/device.js';
import type { IndexingOpAttrs } from '../ops/indexing.js';
import type { JoinOpAttrs } from '../ops/join.js';
import type { LinalgOpAttrs } from '../ops/linalg.js';
import type { ConvOpAttrs } from '../ops/nn/conv.js';
import type { CrossEntropyOpAttrs } from '../ops/nn/cross-entropy.js';
import type { NormOpAttrs } from '../ops/nn/norm.js';
import type { PoolOpAttrs } from '../ops/nn/pool.js';
import type { SoftmaxOpAttrs } from '../ops/nn/softmax.js';
import type { RearrangeOpAttrs } from '../ops/rearrange.js';
import type { ReduceOpAttrs } from '../ops/reduce.js';
import type { ShapeOpAttrs } from '../ops/shape.js';
import type { UnaryOpAttrs } from '../ops/unary.js';

/**
 * Every op the core records for autograd, keyed by name, with the attributes its gradient rule
 * needs. `@kiln/autograd`'s rule table is typed `{ [K in OpName]: GradRule<K> }`, so adding an op
 * here without a rule there is a compile error.
 *
 * @example
 * ```ts
 * import type { OpAttrs } from '@kiln/tensor';
 * type SumAttrs = OpAttrs['sum'];
 * ```
 */
export interface OpAttrs
  extends UnaryOpAttrs,
    ActivationOpAttrs,
    BinaryOpAttrs,
    ReduceOpAttrs,
    ShapeOpAttrs,
    IndexingOpAttrs,
    LinalgOpAttrs,
    JoinOpAttrs,
    RearrangeOpAttrs,
    ConvOpAttrs,
    PoolOpAttrs,
    NormOpAttrs,
    SoftmaxOpAttrs,
    CrossEntropyOpAttrs,
    DeviceOpAttrs {}

/**
 * The name of a recorded (differentiable) op.
 *
 * @example
 * ```ts
 * import type { OpName } from '@kiln/tensor';
 * const op: OpName = 'matmul';
 * ```
 */
export type OpName = keyof OpAttrs;
