import { type Tensor, type UnaryOpAttrs, zerosLike } from '@kiln/tensor';
import type { GradRules } from '../engine/rule.js';

// The unary ops the core records, straight from its catalogue, so the rule set cannot drift.
type UnaryOp = keyof UnaryOpAttrs;

const X = [0] as const;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Piecewise-constant ops: the gradient is zero wherever it is defined. */
function zero(g: Tensor): Tensor[] {
  return [zerosLike(g)];
}

/**
 * Gradient rules of the elementwise unary ops (`x` is input 0, `y` output 0).
 *
 * @example
 * ```ts
 * import { unaryRules } from '@kiln/autograd';
 * unaryRules.exp.name; // 'ExpBackward0'
 * ```
 */
export const unaryRules: GradRules<UnaryOp> = {
  neg: { name: 'NegBackward0', noTemporaries: true, backward: (_c, g) => [g.neg()] },
  abs: { name: 'AbsBackward0', saveInputs: X, backward: (c, g) => [g.mul(c.input(0).sign())] },
  sign: { name: 'SignBackward0', backward: (_c, g) => zero(g) },
  square: { name: 'PowBackward0', saveInputs: X, backward: (c, g) => [g.mul(c.input(0).mul(2))] },
  exp: {
    name: 'ExpBackward0',
    saveOutputs: true,
    noTemporaries: true,
    backward: (c, g) => [g.mul(c.output(0))],
  },
  expm1: { name: 'Expm1Backward0', saveOutputs: true, backward: (c, g) => [g.mul(c.output(0).add(1))] },
  log: { name: 'LogBackward0', saveInputs: X, backward: (c, g) => [g.div(c.input(0))] },
  log1p: { name: 'Log1PBackward0', saveInputs: X, backward: (c, g) => [g.div(c.input(0).add(1))] },
  sqrt: { name: 'SqrtBackward0', saveOutputs: true, backward: (c, g) => [g.div(c.output(0).mul(2))] },
  rsqrt: {
    name: 'RsqrtBackward0',
    saveOutputs: true,
    backward: (c, g) => [g.mul(c.output(0).pow(3)).mul(-0.5)],
  },
  reciprocal: {
    name: 'ReciprocalBackward0',
    saveOutputs: true,
    backward: (c, g) => [g.mul(c.output(0).square()).neg()],
  },
  sin: { name: 'SinBackward0', saveInputs: X, backward: (c, g) => [g.mul(c.input(0).cos())] },
  cos: { name: 'CosBackward0', saveInputs: X, backward: (c, g) => [g.mul(c.input(0).sin()).neg()] },
  tan: {
    name: 'TanBackward0',
    saveOutputs: true,
    backward: (c, g) => [g.mul(c.output(0).square().add(1))],
  },
  asin: {
    name: 'AsinBackward0',
    saveInputs: X,
    backward: (c, g) => [g.mul(c.input(0).square().neg().add(1).rsqrt())],
  },
  acos: {
    name: 'AcosBackward0',
    saveInputs: X,
    backward: (c, g) => [g.mul(c.input(0).square().neg().add(1).rsqrt()).neg()],
  },
  atan: { name: 'AtanBackward0', saveInputs: X, backward: (c, g) => [g.div(c.input(0).square().add(1))] },
  sinh: { name: 'SinhBackward0', saveInputs: X, backward: (c, g) => [g.mul(c.input(0).cosh())] },
  cosh: { name: 'CoshBackward0', saveInputs: X, backward: (c, g) => [g.mul(c.input(0).sinh())] },
  tanh: {
    name: 'TanhBackward0',
    saveOutputs: true,
    backward: (c, g) => [g.mul(c.output(0).square().neg().add(1))],
  },
  sigmoid: {
    name: 'SigmoidBackward0',
    saveOutputs: true,
    backward: (c, g) => {
      const y = c.output(0);
      return [g.mul(y.mul(y.neg().add(1)))];
    },
  },
  relu: {
    name: 'ReluBackward0',
    saveOutputs: true,
    backward: (c, g) => [g.mul(c.output(0).gt(0))],
  },
  erf: {
    name: 'ErfBackward0',
    saveInputs: X,
    backward: (c, g) => [g.mul(c.input(0).square().neg().exp().mul(TWO_OVER_SQRT_PI))],
  },
  floor: { name: 'FloorBackward0', backward: (_c, g) => zero(g) },
  ceil: { name: 'CeilBackward0', backward: (_c, g) => zero(g) },
  round: { name: 'RoundBackward0', backward: (_c, g) => zero(g) },
  trunc: { name: 'TruncBackward0', backward: (_c, g) => zero(g) },
  clamp: {
    name: (a) =>
      a.min === null ? 'ClampMaxBackward0' : a.max === null ? 'ClampMinBackward0' : 'ClampBackward1',
    saveInputs: X,
    backward: (c, g) => {
      // NOTE: PyTorch passes the gradient where min <= x <= max (boundaries included).
      const x = c.input(0);
      const { min, max } = c.attrs;
      let mask = min === null ? null : x.ge(min);
      if (max !== null) mask = mask === null ? x.le(max) : mask.logicalAnd(x.le(max));
      return [mask === null ? g : g.mul(mask)];
    },
  },
};
