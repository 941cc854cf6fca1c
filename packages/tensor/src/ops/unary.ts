import type { UnaryOp } from '../backend/contract.js';
import { needsRecord1, record } from '../core/dispatch.js';
import { type DType, isFloatingDType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { DTypeError, ValueError } from '../errors/errors.js';
import { alive, newOutput } from '../internal/make.js';
import { cast } from './device.js';

/** Unary ops recorded for autograd (attributes their gradient rules need). */
export interface UnaryOpAttrs {
  neg: Record<string, never>;
  abs: Record<string, never>;
  sign: Record<string, never>;
  square: Record<string, never>;
  exp: Record<string, never>;
  expm1: Record<string, never>;
  log: Record<string, never>;
  log1p: Record<string, never>;
  sqrt: Record<string, never>;
  rsqrt: Record<string, never>;
  reciprocal: Record<string, never>;
  sin: Record<string, never>;
  cos: Record<string, never>;
  tan: Record<string, never>;
  asin: Record<string, never>;
  acos: Record<string, never>;
  atan: Record<string, never>;
  sinh: Record<string, never>;
  cosh: Record<string, never>;
  tanh: Record<string, never>;
  sigmoid: Record<string, never>;
  relu: Record<string, never>;
  erf: Record<string, never>;
  floor: Record<string, never>;
  ceil: Record<string, never>;
  round: Record<string, never>;
  trunc: Record<string, never>;
  clamp: { min: number | null; max: number | null };
}

const NO_ATTRS: Record<string, never> = {};

/** Ops that need a float input: integer and bool inputs are promoted to float32 first. */
const FLOAT_ONLY = new Set<UnaryOp>([
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'tanh',
  'sigmoid',
  'erf',
]);

/** Runs a unary kernel into a fresh tensor of `outDType`. @internal */
export function runUnary(op: UnaryOp, x: Tensor, outDType: DType): Tensor {
  const backend = x.handle.backend;
  const out = newOutput(backend, outDType, x.shape);
  if (out.numel() > 0) backend.unary(op, x, out.out_());
  return out;
}

function floatUnary(op: UnaryOp & keyof UnaryOpAttrs, x: Tensor): Tensor {
  alive(x, op);
  if (x.dtype === 'bool' && !FLOAT_ONLY.has(op) && op !== 'abs' && op !== 'sign' && op !== 'relu') {
    if (op === 'neg') {
      throw new DTypeError(
        'neg: negation, the `-` operator, on a bool tensor is not supported (got bool, expected a number dtype)',
      );
    }
  }
  let input = x;
  if (FLOAT_ONLY.has(op) && !isFloatingDType(x.dtype)) input = cast(x, 'float32');
  const y = runUnary(op, input, input.dtype);
  if (input !== x) input.dispose();
  if (needsRecord1(x)) record(op, [x], [y], NO_ATTRS);
  return y;
}

/** -x. @example ```ts
 * import { tensor, neg } from '@kiln/tensor';
 * neg(tensor([1, -2])).toArray(); // [-1, 2]
 * ``` */
export function neg(x: Tensor): Tensor {
  return floatUnary('neg', x);
}
/** |x|. @example ```ts
 * import { tensor, abs } from '@kiln/tensor';
 * abs(tensor([-1.5])).toArray(); // [1.5]
 * ``` */
export function abs(x: Tensor): Tensor {
  return floatUnary('abs', x);
}
/** -1, 0 or 1 (NaN stays NaN). @example ```ts
 * import { tensor, sign } from '@kiln/tensor';
 * sign(tensor([-3, 0, 2])).toArray(); // [-1, 0, 1]
 * ``` */
export function sign(x: Tensor): Tensor {
  return floatUnary('sign', x);
}
/** x². @example ```ts
 * import { tensor, square } from '@kiln/tensor';
 * square(tensor([3])).toArray(); // [9]
 * ``` */
export function square(x: Tensor): Tensor {
  return floatUnary('square', x);
}
/** eˣ. @example ```ts
 * import { tensor, exp } from '@kiln/tensor';
 * exp(tensor([0])).toArray(); // [1]
 * ``` */
export function exp(x: Tensor): Tensor {
  return floatUnary('exp', x);
}
/** eˣ − 1, accurate near 0. @example ```ts
 * import { tensor, expm1 } from '@kiln/tensor';
 * expm1(tensor([0])).toArray(); // [0]
 * ``` */
export function expm1(x: Tensor): Tensor {
  return floatUnary('expm1', x);
}
/** Natural logarithm. @example ```ts
 * import { tensor, log } from '@kiln/tensor';
 * log(tensor([1])).toArray(); // [0]
 * ``` */
export function log(x: Tensor): Tensor {
  return floatUnary('log', x);
}
/** ln(1 + x), accurate near 0. @example ```ts
 * import { tensor, log1p } from '@kiln/tensor';
 * log1p(tensor([0])).toArray(); // [0]
 * ``` */
export function log1p(x: Tensor): Tensor {
  return floatUnary('log1p', x);
}
/** √x. @example ```ts
 * import { tensor, sqrt } from '@kiln/tensor';
 * sqrt(tensor([4])).toArray(); // [2]
 * ``` */
export function sqrt(x: Tensor): Tensor {
  return floatUnary('sqrt', x);
}
/** 1/√x. @example ```ts
 * import { tensor, rsqrt } from '@kiln/tensor';
 * rsqrt(tensor([4])).toArray(); // [0.5]
 * ``` */
export function rsqrt(x: Tensor): Tensor {
  return floatUnary('rsqrt', x);
}
/** 1/x. @example ```ts
 * import { tensor, reciprocal } from '@kiln/tensor';
 * reciprocal(tensor([4])).toArray(); // [0.25]
 * ``` */
export function reciprocal(x: Tensor): Tensor {
  return floatUnary('reciprocal', x);
}
/** Sine. @example ```ts
 * import { tensor, sin } from '@kiln/tensor';
 * sin(tensor([0])).toArray(); // [0]
 * ``` */
export function sin(x: Tensor): Tensor {
  return floatUnary('sin', x);
}
/** Cosine. @example ```ts
 * import { tensor, cos } from '@kiln/tensor';
 * cos(tensor([0])).toArray(); // [1]
 * ``` */
export function cos(x: Tensor): Tensor {
  return floatUnary('cos', x);
}
/** Tangent. @example ```ts
 * import { tensor, tan } from '@kiln/tensor';
 * tan(tensor([0])).toArray(); // [0]
 * ``` */
export function tan(x: Tensor): Tensor {
  return floatUnary('tan', x);
}
/** Arcsine. @example ```ts
 * import { tensor, asin } from '@kiln/tensor';
 * asin(tensor([0])).toArray(); // [0]
 * ``` */
export function asin(x: Tensor): Tensor {
  return floatUnary('asin', x);
}
/** Arccosine. @example ```ts
 * import { tensor, acos } from '@kiln/tensor';
 * acos(tensor([1])).toArray(); // [0]
 * ``` */
export function acos(x: Tensor): Tensor {
  return floatUnary('acos', x);
}
/** Arctangent. @example ```ts
 * import { tensor, atan } from '@kiln/tensor';
 * atan(tensor([0])).toArray(); // [0]
 * ``` */
export function atan(x: Tensor): Tensor {
  return floatUnary('atan', x);
}
/** Hyperbolic sine. @example ```ts
 * import { tensor, sinh } from '@kiln/tensor';
 * sinh(tensor([0])).toArray(); // [0]
 * ``` */
export function sinh(x: Tensor): Tensor {
  return floatUnary('sinh', x);
}
/** Hyperbolic cosine. @example ```ts
 * import { tensor, cosh } from '@kiln/tensor';
 * cosh(tensor([0])).toArray(); // [1]
 * ``` */
export function cosh(x: Tensor): Tensor {
  return floatUnary('cosh', x);
}
/** Hyperbolic tangent. @example ```ts
 * import { tensor, tanh } from '@kiln/tensor';
 * tanh(tensor([0])).toArray(); // [0]
 * ``` */
export function tanh(x: Tensor): Tensor {
  return floatUnary('tanh', x);
}
/** 1 / (1 + e⁻ˣ). @example ```ts
 * import { tensor, sigmoid } from '@kiln/tensor';
 * sigmoid(tensor([0])).toArray(); // [0.5]
 * ``` */
export function sigmoid(x: Tensor): Tensor {
  return floatUnary('sigmoid', x);
}
/** max(x, 0). @example ```ts
 * import { tensor, relu } from '@kiln/tensor';
 * relu(tensor([-1, 2])).toArray(); // [0, 2]
 * ``` */
export function relu(x: Tensor): Tensor {
  return floatUnary('relu', x);
}
/** The error function. @example ```ts
 * import { tensor, erf } from '@kiln/tensor';
 * erf(tensor([0])).toArray(); // [0]
 * ``` */
export function erf(x: Tensor): Tensor {
  return floatUnary('erf', x);
}
/** Rounds down. @example ```ts
 * import { tensor, floor } from '@kiln/tensor';
 * floor(tensor([1.5])).toArray(); // [1]
 * ``` */
export function floor(x: Tensor): Tensor {
  return floatUnary('floor', x);
}
/** Rounds up. @example ```ts
 * import { tensor, ceil } from '@kiln/tensor';
 * ceil(tensor([1.5])).toArray(); // [2]
 * ``` */
export function ceil(x: Tensor): Tensor {
  return floatUnary('ceil', x);
}
/** Rounds half to even, as PyTorch. @example ```ts
 * import { tensor, round } from '@kiln/tensor';
 * round(tensor([0.5, 1.5])).toArray(); // [0, 2]
 * ``` */
export function round(x: Tensor): Tensor {
  return floatUnary('round', x);
}
/** Rounds toward zero. @example ```ts
 * import { tensor, trunc } from '@kiln/tensor';
 * trunc(tensor([-1.5])).toArray(); // [-1]
 * ``` */
export function trunc(x: Tensor): Tensor {
  return floatUnary('trunc', x);
}

/**
 * log₂(x) (a composite of `log`).
 *
 * @example
 * ```ts
 * import { tensor, log2 } from '@kiln/tensor';
 * log2(tensor([8])).toArray(); // [3]
 * ```
 */
export function log2(x: Tensor): Tensor {
  const l = log(x);
  const y = l.mul(1 / Math.LN2);
  l.dispose();
  return y;
}

function boolUnary(op: 'logicalNot' | 'isnan' | 'isinf' | 'isfinite', x: Tensor): Tensor {
  alive(x, op);
  if (!isFloatingDType(x.dtype) && op !== 'logicalNot') {
    const t = runUnary('logicalNot', x, 'bool');
    // NOTE: integers are never NaN or infinite; reuse the kernel to get a correctly-shaped bool.
    t.fill_(op === 'isfinite');
    return t;
  }
  return runUnary(op, x, 'bool');
}

/** Elementwise NOT (bool out). @example ```ts
 * import { tensor, logicalNot } from '@kiln/tensor';
 * logicalNot(tensor([true, false])).toArray(); // [false, true]
 * ``` */
export function logicalNot(x: Tensor): Tensor {
  return boolUnary('logicalNot', x);
}
/** Whether each element is NaN. @example ```ts
 * import { tensor, isnan } from '@kiln/tensor';
 * isnan(tensor([NaN, 1])).toArray(); // [true, false]
 * ``` */
export function isnan(x: Tensor): Tensor {
  return boolUnary('isnan', x);
}
/** Whether each element is ±∞. @example ```ts
 * import { tensor, isinf } from '@kiln/tensor';
 * isinf(tensor([Infinity, 1])).toArray(); // [true, false]
 * ``` */
export function isinf(x: Tensor): Tensor {
  return boolUnary('isinf', x);
}
/** Whether each element is finite. @example ```ts
 * import { tensor, isfinite } from '@kiln/tensor';
 * isfinite(tensor([NaN, 1])).toArray(); // [false, true]
 * ``` */
export function isfinite(x: Tensor): Tensor {
  return boolUnary('isfinite', x);
}

/**
 * Clamps into `[min, max]` (either bound may be null). NaN stays NaN.
 *
 * @example
 * ```ts
 * import { tensor, clamp } from '@kiln/tensor';
 * clamp(tensor([-2, 0.5, 3]), -1, 1).toArray(); // [-1, 0.5, 1]
 * ```
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  alive(x, 'clamp');
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null)
    throw new ValueError("clamp: at least one of 'min' or 'max' must not be None");
  if (x.dtype === 'bool')
    throw new DTypeError('clamp: not implemented for bool (got bool, expected a number dtype)');
  const backend = x.handle.backend;
  const isFloat = isFloatingDType(x.dtype);
  const dtype: DType =
    isFloat || ((lo === null || Number.isInteger(lo)) && (hi === null || Number.isInteger(hi)))
      ? x.dtype
      : 'float32';
  const input = dtype === x.dtype ? x : cast(x, dtype);
  let y = input;
  for (const [op, bound] of [
    ['max', lo],
    ['min', hi],
  ] as const) {
    if (bound === null) continue;
    const s = backend.alloc(dtype, 1);
    backend.fill({ storage: s, shape: [], strides: [], offset: 0 }, bound);
    const out = newOutput(backend, dtype, x.shape);
    if (out.numel() > 0) {
      backend.binary(
        op,
        y,
        { storage: s, shape: x.shape, strides: x.shape.map(() => 0), offset: 0 },
        out.out_(),
      );
    }
    backend.free(s);
    if (y !== x) y.dispose();
    y = out;
  }
  if (needsRecord1(x)) record('clamp', [x], [y], { min: lo, max: hi });
  return y;
}
