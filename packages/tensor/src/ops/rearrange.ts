// PLACEHOLDER: owned by the reduce/indexing helper.
import type { Tensor } from '../core/tensor.js';
const todo = (op: string): never => { throw new Error(`${op}: not implemented yet`); };
export function flip(_x: Tensor, _d: readonly number[]): Tensor { return todo('flip'); }
export function roll(_x: Tensor, _s: number | readonly number[], _d?: number | readonly number[]): Tensor { return todo('roll'); }
export function repeat(_x: Tensor, _s: readonly number[]): Tensor { return todo('repeat'); }
export function tril(_x: Tensor, _d?: number): Tensor { return todo('tril'); }
export function triu(_x: Tensor, _d?: number): Tensor { return todo('triu'); }
