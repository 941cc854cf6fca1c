// PLACEHOLDER: owned by the nn-ops helper.
import type { Tensor } from '../../core/tensor.js';
export interface SoftmaxOpAttrs {}
const todo = (op: string): never => { throw new Error(`${op}: not implemented yet`); };
export function softmax(_x: Tensor, _d: number): Tensor { return todo('softmax'); }
export function logSoftmax(_x: Tensor, _d: number): Tensor { return todo('logSoftmax'); }
