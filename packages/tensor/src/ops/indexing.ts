// PLACEHOLDER: owned by the reduce/indexing helper.
import type { Tensor } from '../core/tensor.js';
export interface IndexingOpAttrs {}
const todo = (op: string): never => { throw new Error(`${op}: not implemented yet`); };
export function gather(_x: Tensor, _d: number, _i: Tensor): Tensor { return todo('gather'); }
export function scatterAdd(_x: Tensor, _d: number, _i: Tensor, _s: Tensor): Tensor { return todo('scatterAdd'); }
export function indexSelect(_x: Tensor, _d: number, _i: Tensor): Tensor { return todo('indexSelect'); }
