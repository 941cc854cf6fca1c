// PLACEHOLDER: owned by the nn-ops helper.
import type { Tensor } from '../core/tensor.js';
export interface ActivationOpAttrs {}
export interface GeluOptions { approximate?: 'none' | 'tanh' }
export interface SoftplusOptions { beta?: number; threshold?: number }
export interface EluOptions { alpha?: number }
const todo = (op: string): never => { throw new Error(`${op}: not implemented yet`); };
export function gelu(_x: Tensor, _o?: GeluOptions): Tensor { return todo('gelu'); }
export function silu(_x: Tensor): Tensor { return todo('silu'); }
export function softplus(_x: Tensor, _o?: SoftplusOptions): Tensor { return todo('softplus'); }
export function elu(_x: Tensor, _o?: EluOptions): Tensor { return todo('elu'); }
export function mish(_x: Tensor): Tensor { return todo('mish'); }
export function hardtanh(_x: Tensor, _a?: number, _b?: number): Tensor { return todo('hardtanh'); }
export function leakyRelu(_x: Tensor, _s?: number): Tensor { return todo('leakyRelu'); }
