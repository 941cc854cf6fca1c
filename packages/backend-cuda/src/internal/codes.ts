import type { BinaryOp, DType, ReduceOp, ScanOp, UnaryOp } from './tensor-types.js';

// Numeric codes shared with native/kiln_cuda.h. Keep both in the same order.

export const DTYPE_CODE: Readonly<Record<'float32' | 'int32' | 'bool', number>> = {
  float32: 0,
  int32: 1,
  bool: 2,
};

export const UNARY_CODE: Readonly<Record<UnaryOp, number>> = {
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
export const GELU_ERF_CODE = 31;
export const GELU_TANH_CODE = 32;

export const BINARY_CODE: Readonly<Record<BinaryOp, number>> = {
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

export const REDUCE_CODE: Readonly<Record<ReduceOp, number>> = {
  sum: 0,
  prod: 1,
  max: 2,
  min: 3,
  argmax: 4,
  argmin: 5,
  any: 6,
  all: 7,
};

export const SCAN_CODE: Readonly<Record<ScanOp, number>> = { cumsum: 0, cumprod: 1, cummax: 2, cummin: 3 };

/** The device dtypes; float64 is not stored on CUDA. */
export const CUDA_DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

/** Bytes per element of a device dtype. */
export function elementSize(dtype: DType): number {
  return dtype === 'bool' ? 1 : dtype === 'float64' ? 8 : 4;
}
