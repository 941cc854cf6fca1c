import type { BinaryOp, DType, ReduceOp, ScanOp, UnaryOp } from './tensor-types.js';

// Keep in sync with assembly/elementwise.ts and assembly/reduce.ts.

/** Element kinds the kernels know: f32, i32, u8 (bool). */
export const KIND_F32 = 0;
export const KIND_I32 = 1;
export const KIND_U8 = 2;

/** The kernel element kind of a dtype (float64 is not stored by this backend). */
export function kindOf(dtype: DType): number {
  return dtype === 'float32' ? KIND_F32 : dtype === 'int32' ? KIND_I32 : KIND_U8;
}

/** Bytes per element of a dtype in wasm memory. */
export function bytesOf(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

export const UNARY_CODES: Readonly<Record<UnaryOp, number>> = {
  neg: 0,
  abs: 1,
  sign: 2,
  square: 3,
  exp: 4,
  expm1: 5,
  log: 6,
  log1p: 7,
  sqrt: 8,
  rsqrt: 9,
  reciprocal: 10,
  sin: 11,
  cos: 12,
  tan: 13,
  asin: 14,
  acos: 15,
  atan: 16,
  sinh: 17,
  cosh: 18,
  tanh: 19,
  sigmoid: 20,
  relu: 21,
  erf: 22,
  floor: 23,
  ceil: 24,
  round: 25,
  trunc: 26,
  logicalNot: 27,
  isnan: 28,
  isinf: 29,
  isfinite: 30,
};

/** Internal unary codes beyond the contract's ops. */
export const U_IDENTITY = 31;
export const U_NONZERO = 32;
export const U_GELU = 33;
export const U_GELU_TANH = 34;

export const BINARY_CODES: Readonly<Record<BinaryOp, number>> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  max: 5,
  min: 6,
  atan2: 7,
  fmod: 8,
  remainder: 9,
  eq: 10,
  ne: 11,
  lt: 12,
  le: 13,
  gt: 14,
  ge: 15,
  logicalAnd: 16,
  logicalOr: 17,
  logicalXor: 18,
};

export const REDUCE_CODES: Readonly<Record<ReduceOp, number>> = {
  sum: 0,
  prod: 1,
  max: 2,
  min: 3,
  argmax: 4,
  argmin: 5,
  any: 6,
  all: 7,
};

export const SCAN_CODES: Readonly<Record<ScanOp, number>> = {
  cumsum: 0,
  cumprod: 1,
  cummax: 2,
  cummin: 3,
};
