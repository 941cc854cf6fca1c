// PLACEHOLDER: owned by the reduce/indexing helper.
import type { Tensor } from '../core/tensor.js';
export interface LinalgOpAttrs {}
const todo = (op: string): never => { throw new Error(`${op}: not implemented yet`); };
export function matmul(_a: Tensor, _b: Tensor): Tensor { return todo('matmul'); }
export function mm(_a: Tensor, _b: Tensor): Tensor { return todo('mm'); }
export function bmm(_a: Tensor, _b: Tensor): Tensor { return todo('bmm'); }
export function mv(_a: Tensor, _b: Tensor): Tensor { return todo('mv'); }
export function dot(_a: Tensor, _b: Tensor): Tensor { return todo('dot'); }
export function outer(_a: Tensor, _b: Tensor): Tensor { return todo('outer'); }
