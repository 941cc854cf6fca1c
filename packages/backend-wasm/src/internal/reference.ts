// Straightforward JavaScript references for the kernels, used by this package's tests.

import type { BinaryOp, UnaryOp } from './tensor-types.js';

/** erf to ~1e-15 (series below 3, continued fraction above). */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  if (ax < 3) {
    // Maclaurin series: 2/sqrt(pi) Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let sum = 0;
    let term = ax;
    for (let n = 0; n < 200; n++) {
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
      term *= (-ax * ax) / (n + 1);
    }
    return Math.sign(x) * sum * (2 / Math.sqrt(Math.PI));
  }
  // erfc continued fraction (Lentz).
  let f = ax;
  let C = ax;
  let D = 0;
  for (let i = 1; i < 200; i++) {
    const a = i / 2;
    D = ax + a * D;
    D = 1 / D;
    C = ax + a / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

/** Round half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function unaryRef(op: UnaryOp, x: number, isFloat: boolean): number {
  switch (op) {
    case 'neg':
      return -x;
    case 'abs':
      return Math.abs(x);
    case 'sign':
      return Number.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0;
    case 'square':
      return x * x;
    case 'exp':
      return Math.exp(x);
    case 'expm1':
      return Math.expm1(x);
    case 'log':
      return Math.log(x);
    case 'log1p':
      return Math.log1p(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'rsqrt':
      return 1 / Math.sqrt(x);
    case 'reciprocal':
      return 1 / x;
    case 'sin':
      return Math.sin(x);
    case 'cos':
      return Math.cos(x);
    case 'tan':
      return Math.tan(x);
    case 'asin':
      return Math.asin(x);
    case 'acos':
      return Math.acos(x);
    case 'atan':
      return Math.atan(x);
    case 'sinh':
      return Math.sinh(x);
    case 'cosh':
      return Math.cosh(x);
    case 'tanh':
      return Math.tanh(x);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'relu':
      return Number.isNaN(x) ? x : Math.max(x, 0);
    case 'erf':
      return erfRef(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'round':
      return isFloat ? roundHalfEven(x) : x;
    case 'trunc':
      return Math.trunc(x);
    case 'logicalNot':
      return x === 0 ? 1 : 0;
    case 'isnan':
      return Number.isNaN(x) ? 1 : 0;
    case 'isinf':
      return Math.abs(x) === Number.POSITIVE_INFINITY ? 1 : 0;
    case 'isfinite':
      return Number.isFinite(x) ? 1 : 0;
  }
}

export function binaryRef(op: BinaryOp, a: number, b: number, isFloat: boolean): number {
  switch (op) {
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return isFloat ? a * b : Math.imul(a, b);
    case 'div':
      return a / b;
    case 'pow':
      return a ** b;
    case 'max':
      return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b);
    case 'min':
      return Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.min(a, b);
    case 'atan2':
      return Math.atan2(a, b);
    case 'fmod':
      return isFloat ? a % b : b === 0 ? 0 : a % b;
    case 'remainder': {
      if (!isFloat && b === 0) return 0;
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    }
    case 'eq':
      return a === b ? 1 : 0;
    case 'ne':
      return a !== b ? 1 : 0;
    case 'lt':
      return a < b ? 1 : 0;
    case 'le':
      return a <= b ? 1 : 0;
    case 'gt':
      return a > b ? 1 : 0;
    case 'ge':
      return a >= b ? 1 : 0;
    case 'logicalAnd':
      return a !== 0 && b !== 0 ? 1 : 0;
    case 'logicalOr':
      return a !== 0 || b !== 0 ? 1 : 0;
    case 'logicalXor':
      return (a !== 0) !== (b !== 0) ? 1 : 0;
  }
}
