// PLACEHOLDER: owned by the reduce/indexing helper.
import type { Tensor } from '../core/tensor.js';
export interface ReduceOpAttrs {}
export interface SumOptions { dtype?: import('../core/dtype.js').DType }
export interface VarOptions { unbiased?: boolean; correction?: number }
export interface ValuesIndices { values: Tensor; indices: Tensor }
type D = number | readonly number[] | null | undefined;
const todo = (op: string): never => { throw new Error(`${op}: not implemented yet`); };
export function sum(_x: Tensor, _d?: D, _k?: boolean, _o?: SumOptions): Tensor { return todo('sum'); }
export function mean(_x: Tensor, _d?: D, _k?: boolean): Tensor { return todo('mean'); }
export function prod(_x: Tensor, _d?: number | null, _k?: boolean): Tensor { return todo('prod'); }
export function amax(_x: Tensor, _d?: D, _k?: boolean): Tensor { return todo('amax'); }
export function amin(_x: Tensor, _d?: D, _k?: boolean): Tensor { return todo('amin'); }
export function max(x: Tensor): Tensor;
export function max(x: Tensor, d: number, k?: boolean): ValuesIndices;
export function max(_x: Tensor, _d?: number, _k?: boolean): Tensor | ValuesIndices { return todo('max'); }
export function min(x: Tensor): Tensor;
export function min(x: Tensor, d: number, k?: boolean): ValuesIndices;
export function min(_x: Tensor, _d?: number, _k?: boolean): Tensor | ValuesIndices { return todo('min'); }
export function argmax(_x: Tensor, _d?: number | null, _k?: boolean): Tensor { return todo('argmax'); }
export function argmin(_x: Tensor, _d?: number | null, _k?: boolean): Tensor { return todo('argmin'); }
export function all(_x: Tensor, _d?: number | null, _k?: boolean): Tensor { return todo('all'); }
export function any(_x: Tensor, _d?: number | null, _k?: boolean): Tensor { return todo('any'); }
export function var_(_x: Tensor, _d?: D, _k?: boolean, _o?: VarOptions): Tensor { return todo('var'); }
export function std(_x: Tensor, _d?: D, _k?: boolean, _o?: VarOptions): Tensor { return todo('std'); }
export function logsumexp(_x: Tensor, _d: number | readonly number[], _k?: boolean): Tensor { return todo('logsumexp'); }
export function norm(_x: Tensor, _p?: number | 'fro', _d?: D, _k?: boolean): Tensor { return todo('norm'); }
export function cumsum(_x: Tensor, _d: number): Tensor { return todo('cumsum'); }
export function cumprod(_x: Tensor, _d: number): Tensor { return todo('cumprod'); }
