import { type Tensor, where, zerosLike } from '@kiln/tensor';
import type { GradRules } from '../engine/rule.js';

type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'rpow' | 'maximum' | 'minimum' | 'atan2' | 'where';

const AB = [0, 1] as const;
const A = [0] as const;
const B = [1] as const;
const NONE = [] as const;

/** `b` of a binary op: the saved tensor, or the scalar it was called with. */
function other(
  c: { input(i: number): Tensor; needsGrad(i: number): boolean },
  scalar: number | null,
): Tensor | number {
  return scalar === null ? c.input(1) : scalar;
}

/**
 * The share of `g` that reaches `a` of `maximum(a, b)`/`minimum(a, b)`: all of it where `a` wins,
 * half where they tie (PyTorch's convention), none where it loses.
 */
function winnerShare(g: Tensor, wins: Tensor, ties: Tensor): Tensor {
  return where(ties, g.mul(0.5), where(wins, g, 0));
}

/**
 * Gradient rules of the elementwise binary ops. Scalar operands arrive as `null` inputs with the
 * value in the attributes; broadcasting is undone by the engine.
 *
 * @example
 * ```ts
 * import { binaryRules } from '@kiln/autograd';
 * binaryRules.div.saveInputs !== undefined; // true
 * ```
 */
export const binaryRules: GradRules<BinaryOp> = {
  add: {
    name: (a) => (a.scalar === null ? 'AddBackward0' : 'AddBackward1'),
    noTemporaries: true,
    backward: (c, g) => [g, c.needsGrad(1) ? (c.attrs.alpha === 1 ? g : g.mul(c.attrs.alpha)) : null],
  },
  sub: {
    name: (a) => (a.scalar === null ? 'SubBackward0' : 'SubBackward1'),
    noTemporaries: true,
    backward: (c, g) => [g, c.needsGrad(1) ? (c.attrs.alpha === 1 ? g.neg() : g.mul(-c.attrs.alpha)) : null],
  },
  mul: {
    name: (a) => (a.scalar === null ? 'MulBackward0' : 'MulBackward1'),
    // NOTE: each operand's gradient needs only the other one.
    saveInputs: (needs) => (needs(0) ? (needs(1) ? AB : B) : needs(1) ? A : NONE),
    noTemporaries: true,
    backward: (c, g) => [
      c.needsGrad(0) ? g.mul(other(c, c.attrs.scalar)) : null,
      c.needsGrad(1) ? g.mul(c.input(0)) : null,
    ],
  },
  div: {
    name: (a) => (a.scalar === null ? 'DivBackward0' : 'DivBackward1'),
    saveInputs: (needs) => (needs(1) ? AB : B),
    backward: (c, g) => {
      const b = other(c, c.attrs.scalar);
      return [
        c.needsGrad(0) ? g.div(b) : null,
        c.needsGrad(1) && typeof b !== 'number' ? g.mul(c.input(0)).div(b.square()).neg() : null,
      ];
    },
  },
  pow: {
    name: (a) => (a.scalar === null ? 'PowBackward1' : 'PowBackward0'),
    saveInputs: AB,
    saveOutputs: true,
    backward: (c, g) => {
      const a = c.input(0);
      const s = c.attrs.scalar;
      if (s !== null) return [s === 0 ? zerosLike(g) : g.mul(a.pow(s - 1).mul(s))];
      const b = c.input(1);
      const ga = c.needsGrad(0) ? g.mul(b.mul(a.pow(b.sub(1)))) : null;
      let gb: Tensor | null = null;
      if (c.needsGrad(1)) {
        // NOTE: PyTorch defines the exponent's gradient as 0 where the base is 0 and exponent >= 0.
        const raw = g.mul(c.output(0).mul(a.log()));
        gb = where(a.eq(0).logicalAnd(b.ge(0)), 0, raw);
      }
      return [ga, gb];
    },
  },
  rpow: {
    name: 'PowBackward2',
    saveInputs: [0],
    saveOutputs: true,
    backward: (c, g) => {
      const base = c.attrs.base;
      const raw = g.mul(c.output(0).mul(Math.log(base)));
      return [base === 0 ? where(c.input(0).ge(0), 0, raw) : raw];
    },
  },
  maximum: {
    name: 'MaximumBackward0',
    saveInputs: AB,
    backward: (c, g) => {
      const a = c.input(0);
      const b = other(c, c.attrs.scalar);
      const ties = a.eq(b);
      return [
        c.needsGrad(0) ? winnerShare(g, a.gt(b), ties) : null,
        c.needsGrad(1) ? winnerShare(g, a.lt(b), ties) : null,
      ];
    },
  },
  minimum: {
    name: 'MinimumBackward0',
    saveInputs: AB,
    backward: (c, g) => {
      const a = c.input(0);
      const b = other(c, c.attrs.scalar);
      const ties = a.eq(b);
      return [
        c.needsGrad(0) ? winnerShare(g, a.lt(b), ties) : null,
        c.needsGrad(1) ? winnerShare(g, a.gt(b), ties) : null,
      ];
    },
  },
  atan2: {
    name: 'Atan2Backward0',
    saveInputs: AB,
    backward: (c, g) => {
      const a = c.input(0);
      const b = other(c, c.attrs.scalar);
      const r2 = a.square().add(typeof b === 'number' ? b * b : b.square());
      return [c.needsGrad(0) ? g.mul(b).div(r2) : null, c.needsGrad(1) ? g.mul(a).div(r2).neg() : null];
    },
  },
  where: {
    name: 'WhereBackward0',
    saveInputs: [0],
    backward: (c, g) => {
      const cond = c.input(0);
      return [null, c.needsGrad(1) ? where(cond, g, 0) : null, c.needsGrad(2) ? where(cond, 0, g) : null];
    },
  },
};
