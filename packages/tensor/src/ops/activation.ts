import { needsRecord1, record } from '../core/dispatch.js';
import type { Tensor } from '../core/tensor.js';
import { ValueError } from '../errors/errors.js';
import { alive, newTensor, requireFloat } from '../internal/make.js';
import { add, gt, mul, runBinary, where } from './binary.js';
import { composite } from './nn/raw.js';
import { clamp, exp, expm1, log1p, neg, runUnary, sigmoid, tanh } from './unary.js';

/** Activation ops recorded for autograd (the others are composites of recorded ops). */
export interface ActivationOpAttrs {
  /** `gelu(x)`: inputs `[x]`, outputs `[y]`. */
  gelu: { approximate: 'none' | 'tanh' };
}

/**
 * Options of {@link gelu}: the exact form (`'none'`, with erf) or the tanh approximation.
 *
 * @example
 * ```ts
 * import { tensor, gelu } from '@kiln/tensor';
 * gelu(tensor([1]), { approximate: 'tanh' }).toArray(); // [0.8411920070648193]
 * ```
 */
export interface GeluOptions {
  approximate?: 'none' | 'tanh';
}

/**
 * Options of {@link softplus}: `softplus(x) = log(1 + exp(beta·x)) / beta`, and `x` itself where
 * `beta·x > threshold`.
 *
 * @example
 * ```ts
 * import { tensor, softplus } from '@kiln/tensor';
 * softplus(tensor([0]), { beta: 2 }).toArray(); // [0.3465735912322998]
 * ```
 */
export interface SoftplusOptions {
  beta?: number;
  threshold?: number;
}

/**
 * Options of {@link elu}: `alpha·(exp(x) − 1)` below zero.
 *
 * @example
 * ```ts
 * import { tensor, elu } from '@kiln/tensor';
 * elu(tensor([-1]), { alpha: 2 }).toArray(); // [-1.2642411]
 * ```
 */
export interface EluOptions {
  alpha?: number;
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluValue(x: Tensor, approximate: 'none' | 'tanh'): Tensor {
  const kernels = x.handle.backend.kernels;
  if (kernels.gelu !== undefined) {
    const out = newTensor(x.handle.backend, x.dtype, x.shape);
    if (out.numel() > 0) kernels.gelu(x, approximate, out.out_());
    return out;
  }
  // NOTE: runBinary/runUnary never record, so this decomposition stays out of the graph.
  const parts: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    parts.push(t);
    return t;
  };
  let inner: Tensor;
  if (approximate === 'tanh') {
    const x3 = keep(runBinary('mul', keep(runBinary('mul', x, x, 'arith')), x, 'arith'));
    const u = keep(runBinary('add', x, keep(runBinary('mul', x3, 0.044715, 'arith')), 'arith'));
    inner = keep(runUnary('tanh', keep(runBinary('mul', u, SQRT_2_OVER_PI, 'arith')), x.dtype));
  } else {
    inner = keep(runUnary('erf', keep(runBinary('mul', x, SQRT1_2, 'arith')), x.dtype));
  }
  const half = keep(runBinary('mul', keep(runBinary('add', inner, 1, 'arith')), 0.5, 'arith'));
  const y = runBinary('mul', x, half, 'arith');
  for (const t of parts) t.dispose();
  return y;
}

/**
 * Gaussian error linear unit, `x·Φ(x)`, exact (erf) or with PyTorch's tanh approximation. Uses the
 * backend's `gelu` kernel when it has one.
 *
 * @example
 * ```ts
 * import { tensor, gelu } from '@kiln/tensor';
 * gelu(tensor([0, 1])).toArray(); // [0, 0.8413447]
 * ```
 */
export function gelu(x: Tensor, options?: GeluOptions): Tensor {
  alive(x, 'gelu');
  requireFloat('gelu', x);
  const approximate = options?.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh' (got '${String(approximate)}')`);
  }
  const y = geluValue(x, approximate);
  if (needsRecord1(x)) record('gelu', [x], [y], { approximate });
  return y;
}

/**
 * Sigmoid linear unit (swish), `x·sigmoid(x)`.
 *
 * @example
 * ```ts
 * import { tensor, silu } from '@kiln/tensor';
 * silu(tensor([0, 1])).toArray(); // [0, 0.7310586]
 * ```
 */
export function silu(x: Tensor): Tensor {
  alive(x, 'silu');
  requireFloat('silu', x);
  return composite(() => mul(x, sigmoid(x)));
}

/**
 * `log(1 + exp(z))` without overflow for any `z`: the two branches see only the half-line where
 * they are exact, so neither their values nor their gradients overflow.
 */
function softplusUnit(z: Tensor): Tensor {
  const pos = add(z, log1p(exp(neg(clamp(z, 0, null)))));
  const negPart = log1p(exp(clamp(z, null, 0)));
  return where(gt(z, 0), pos, negPart);
}

/**
 * `log(1 + exp(beta·x)) / beta`, reverting to `x` where `beta·x > threshold` (defaults 1 and 20,
 * as PyTorch); stable for large `|x|`.
 *
 * @example
 * ```ts
 * import { tensor, softplus } from '@kiln/tensor';
 * softplus(tensor([0, 100])).toArray(); // [0.6931472, 100]
 * ```
 */
export function softplus(x: Tensor, options?: SoftplusOptions): Tensor {
  alive(x, 'softplus');
  requireFloat('softplus', x);
  const beta = options?.beta ?? 1;
  const threshold = options?.threshold ?? 20;
  if (typeof beta !== 'number' || beta === 0 || Number.isNaN(beta)) {
    throw new ValueError(`softplus: beta must be a non-zero number (got ${String(beta)})`);
  }
  return composite(() => {
    const bx = beta === 1 ? x : mul(x, beta);
    const sp = softplusUnit(bx);
    const smooth = beta === 1 ? sp : mul(sp, 1 / beta);
    return where(gt(bx, threshold), x, smooth);
  });
}

/**
 * Exponential linear unit: `x` above zero, `alpha·(exp(x) − 1)` below (alpha 1 by default).
 *
 * @example
 * ```ts
 * import { tensor, elu } from '@kiln/tensor';
 * elu(tensor([-1, 2])).toArray(); // [-0.63212055, 2]
 * ```
 */
export function elu(x: Tensor, options?: EluOptions): Tensor {
  alive(x, 'elu');
  requireFloat('elu', x);
  const alpha = options?.alpha ?? 1;
  return composite(() => eluScaled(x, alpha, 1));
}

function eluScaled(x: Tensor, alpha: number, scale: number): Tensor {
  // NOTE: expm1 sees only x ≤ 0, so the branch `where` discards cannot overflow into a NaN gradient.
  const negPart = mul(expm1(clamp(x, null, 0)), alpha * scale);
  return where(gt(x, 0), scale === 1 ? x : mul(x, scale), negPart);
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/**
 * Scaled ELU with the self-normalising constants of Klambauer et al. (as PyTorch).
 *
 * @example
 * ```ts
 * import { tensor, selu } from '@kiln/tensor';
 * selu(tensor([1])).toArray(); // [1.0507009873554805]
 * ```
 */
export function selu(x: Tensor): Tensor {
  alive(x, 'selu');
  requireFloat('selu', x);
  return composite(() => eluScaled(x, SELU_ALPHA, SELU_SCALE));
}

/**
 * `x·tanh(softplus(x))`.
 *
 * @example
 * ```ts
 * import { tensor, mish } from '@kiln/tensor';
 * mish(tensor([0, 1])).toArray(); // [0, 0.86509836]
 * ```
 */
export function mish(x: Tensor): Tensor {
  alive(x, 'mish');
  requireFloat('mish', x);
  return composite(() => mul(x, tanh(softplusUnit(x))));
}

/**
 * Clamps to `[minVal, maxVal]` (default `[-1, 1]`).
 *
 * @example
 * ```ts
 * import { tensor, hardtanh } from '@kiln/tensor';
 * hardtanh(tensor([-3, 0.5, 3])).toArray(); // [-1, 0.5, 1]
 * ```
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  alive(x, 'hardtanh');
  if (!(minVal <= maxVal)) {
    throw new ValueError(
      `hardtanh: min_val cannot be greater than max_val (got min ${minVal}, max ${maxVal})`,
    );
  }
  return clamp(x, minVal, maxVal);
}

/**
 * `min(max(x, 0), 6)`.
 *
 * @example
 * ```ts
 * import { tensor, relu6 } from '@kiln/tensor';
 * relu6(tensor([-1, 3, 9])).toArray(); // [0, 3, 6]
 * ```
 */
export function relu6(x: Tensor): Tensor {
  return hardtanh(x, 0, 6);
}

/**
 * `x` above zero, `negativeSlope·x` otherwise (slope 0.01 by default).
 *
 * @example
 * ```ts
 * import { tensor, leakyRelu } from '@kiln/tensor';
 * leakyRelu(tensor([-2, 3]), 0.1).toArray(); // [-0.2, 3]
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  alive(x, 'leakyRelu');
  requireFloat('leakyRelu', x);
  return composite(() => where(gt(x, 0), x, mul(x, negativeSlope)));
}

/**
 * `log(sigmoid(x))`, stable for large `|x|` (as `-softplus(-x)`).
 *
 * @example
 * ```ts
 * import { tensor, logSigmoid } from '@kiln/tensor';
 * logSigmoid(tensor([0, -200])).toArray(); // [-0.6931472, -200]
 * ```
 */
export function logSigmoid(x: Tensor): Tensor {
  alive(x, 'logSigmoid');
  requireFloat('logSigmoid', x);
  return composite(() => neg(softplusUnit(neg(x))));
}

/**
 * Piecewise-linear sigmoid: `relu6(x + 3) / 6`.
 *
 * @example
 * ```ts
 * import { tensor, hardsigmoid } from '@kiln/tensor';
 * hardsigmoid(tensor([-4, 0, 4])).toArray(); // [0, 0.5, 1]
 * ```
 */
export function hardsigmoid(x: Tensor): Tensor {
  alive(x, 'hardsigmoid');
  requireFloat('hardsigmoid', x);
  return composite(() => clamp(add(mul(x, 1 / 6), 0.5), 0, 1));
}

/**
 * `x·hardsigmoid(x)` (MobileNetV3).
 *
 * @example
 * ```ts
 * import { tensor, hardswish } from '@kiln/tensor';
 * hardswish(tensor([-4, 1, 4])).toArray(); // [-0, 0.6666667, 4]
 * ```
 */
export function hardswish(x: Tensor): Tensor {
  alive(x, 'hardswish');
  requireFloat('hardswish', x);
  return composite(() => mul(x, clamp(add(mul(x, 1 / 6), 0.5), 0, 1)));
}
