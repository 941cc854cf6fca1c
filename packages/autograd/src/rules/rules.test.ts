import { createCpuBackend } from '@kiln/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchNorm,
  cat,
  conv2d,
  convTranspose2d,
  Generator,
  type GradcheckOptions,
  gradcheck,
  gradgradcheck,
  hasBackend,
  layerNorm,
  maxPool2d,
  Node,
  type OpName,
  pad,
  pow,
  rand,
  randint,
  randn,
  registerBackend,
  softmaxCrossEntropy,
  type Tensor,
  tensor,
  where,
} from '../index.js';
import { useCpu } from '../internal/setup-test.js';

beforeAll(useCpu);

interface Case {
  readonly label: string;
  readonly fn: (...xs: Tensor[]) => Tensor | Tensor[];
  /** Input factories (fresh float64 leaves per case). */
  readonly inputs: readonly (() => Tensor)[];
  /** Skip the second-order check (the rule's own gradient is not smooth there). */
  readonly firstOrderOnly?: boolean;
  readonly options?: GradcheckOptions;
}

const gen = new Generator(1234);
let targets: Tensor | undefined;
/** Standard normal float64 leaf. */
const N =
  (...shape: number[]) =>
  () =>
    randn(shape, { dtype: 'float64', generator: gen }).requiresGrad_();
/** Uniform in [lo, hi) float64 leaf. */
const U =
  (lo: number, hi: number, ...shape: number[]) =>
  () =>
    rand(shape, { dtype: 'float64', generator: gen })
      .mul(hi - lo)
      .add(lo)
      .detach()
      .requiresGrad_();
/** Values away from 0 (for abs, sign, division). */
const AWAY =
  (...shape: number[]) =>
  () => {
    const u = rand(shape, { dtype: 'float64', generator: gen });
    const s = rand(shape, { dtype: 'float64', generator: gen }).gt(0.5);
    return where(s, u.add(0.3), u.add(0.3).neg()).detach().requiresGrad_();
  };
/** Distinct values (no ties), for max/min style ops. */
const DISTINCT =
  (...shape: number[]) =>
  () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const perm = Array.from({ length: n }, (_, i) => ((i * 7919) % n) * 0.37 - n * 0.15);
    return tensor(perm, { dtype: 'float64' }).reshape(shape).detach().requiresGrad_();
  };

const unary = (label: string, f: (x: Tensor) => Tensor, input = N(3, 4), firstOrderOnly = false): Case => ({
  label,
  fn: f,
  inputs: [input],
  firstOrderOnly,
});

/** Every recorded op, with the functions that exercise its rule: a missing entry fails to compile. */
const CASES: { readonly [K in OpName]: readonly Case[] } = {
  neg: [unary('neg', (x) => x.neg())],
  abs: [unary('abs', (x) => x.abs(), AWAY(3, 4))],
  sign: [unary('sign', (x) => x.sign(), AWAY(3, 4))],
  square: [unary('square', (x) => x.square())],
  exp: [unary('exp', (x) => x.exp())],
  expm1: [unary('expm1', (x) => x.expm1())],
  log: [unary('log', (x) => x.log(), U(0.5, 2, 3, 4))],
  log1p: [unary('log1p', (x) => x.log1p(), U(0, 2, 3, 4))],
  sqrt: [unary('sqrt', (x) => x.sqrt(), U(0.5, 2, 3, 4))],
  rsqrt: [unary('rsqrt', (x) => x.rsqrt(), U(0.5, 2, 3, 4))],
  reciprocal: [unary('reciprocal', (x) => x.reciprocal(), AWAY(3, 4))],
  sin: [unary('sin', (x) => x.sin())],
  cos: [unary('cos', (x) => x.cos())],
  tan: [unary('tan', (x) => x.tan(), U(-1, 1, 3, 4))],
  asin: [unary('asin', (x) => x.asin(), U(-0.8, 0.8, 3, 4))],
  acos: [unary('acos', (x) => x.acos(), U(-0.8, 0.8, 3, 4))],
  atan: [unary('atan', (x) => x.atan())],
  sinh: [unary('sinh', (x) => x.sinh())],
  cosh: [unary('cosh', (x) => x.cosh())],
  tanh: [unary('tanh', (x) => x.tanh())],
  sigmoid: [unary('sigmoid', (x) => x.sigmoid())],
  relu: [unary('relu', (x) => x.relu(), AWAY(3, 4))],
  erf: [unary('erf', (x) => x.erf())],
  floor: [unary('floor', (x) => x.floor(), U(0.1, 0.9, 3, 4))],
  ceil: [unary('ceil', (x) => x.ceil(), U(0.1, 0.9, 3, 4))],
  round: [unary('round', (x) => x.round(), U(0.1, 0.4, 3, 4))],
  trunc: [unary('trunc', (x) => x.trunc(), U(0.1, 0.9, 3, 4))],
  clamp: [
    unary('clamp both', (x) => x.clamp(-0.5, 0.5), AWAY(3, 4)),
    unary('clamp min', (x) => x.clamp(0.45), U(-1, 1, 3, 4)),
    unary('clamp max', (x) => x.clamp(null, 0.45), U(-1, 1, 3, 4)),
  ],
  add: [
    { label: 'add broadcast alpha', fn: (a, b) => a.add(b, { alpha: 2 }), inputs: [N(3, 1), N(1, 4)] },
    { label: 'add scalar', fn: (a) => a.add(3), inputs: [N(2, 3)] },
  ],
  sub: [{ label: 'sub broadcast alpha', fn: (a, b) => a.sub(b, { alpha: 0.5 }), inputs: [N(3, 1), N(4)] }],
  mul: [
    { label: 'mul broadcast', fn: (a, b) => a.mul(b), inputs: [N(2, 3, 1), N(3, 4)] },
    { label: 'mul scalar', fn: (a) => a.mul(-1.5), inputs: [N(3)] },
    { label: 'mul self', fn: (a) => a.mul(a), inputs: [N(3)] },
  ],
  div: [
    { label: 'div', fn: (a, b) => a.div(b), inputs: [N(3, 4), AWAY(4)] },
    { label: 'div scalar', fn: (a) => a.div(4), inputs: [N(3)] },
  ],
  pow: [
    { label: 'pow scalar', fn: (a) => a.pow(2.5), inputs: [U(0.5, 2, 3, 4)] },
    { label: 'pow tensor', fn: (a, b) => a.pow(b), inputs: [U(0.5, 2, 3, 4), N(3, 4)] },
  ],
  rpow: [{ label: 'rpow', fn: (x) => pow(2, x), inputs: [N(3, 4)] }],
  maximum: [
    { label: 'maximum', fn: (a, b) => a.maximum(b), inputs: [DISTINCT(3, 4), N(4)], firstOrderOnly: true },
  ],
  minimum: [
    { label: 'minimum', fn: (a, b) => a.minimum(b), inputs: [DISTINCT(3, 4), N(4)], firstOrderOnly: true },
  ],
  atan2: [{ label: 'atan2', fn: (a, b) => a.atan2(b), inputs: [N(3, 4), AWAY(3, 1)] }],
  where: [
    {
      label: 'where',
      fn: (a, b) => where(a.gt(0), a, b),
      inputs: [AWAY(3, 4), N(4)],
    },
  ],
  view: [
    { label: 'reshape', fn: (x) => x.reshape([4, 3]).mul(x.reshape([4, 3])), inputs: [N(3, 4)] },
    { label: 'unsqueeze/squeeze', fn: (x) => x.unsqueeze(1).squeeze(1).square(), inputs: [N(3, 4)] },
  ],
  permute: [{ label: 'permute', fn: (x) => x.permute([2, 0, 1]).square(), inputs: [N(2, 3, 4)] }],
  expand: [{ label: 'expand', fn: (x) => x.expand([2, 3, 4]).square(), inputs: [N(3, 1)] }],
  slice: [
    { label: 'slice step', fn: (x) => x.slice(1, 1, 4, { step: 2 }).square(), inputs: [N(3, 5)] },
    { label: 'split', fn: (x) => x.split(2, 1).map((p, i) => p.mul(i + 1)), inputs: [N(2, 5)] },
  ],
  select: [{ label: 'select', fn: (x) => x.select(1, 2).square(), inputs: [N(3, 4)] }],
  diagonal: [{ label: 'diagonal', fn: (x) => x.diagonal(1).square(), inputs: [N(4, 4)] }],
  clone: [{ label: 'clone', fn: (x) => x.t().contiguous().square(), inputs: [N(3, 4)] }],
  sum: [
    { label: 'sum all', fn: (x) => x.square().sum(), inputs: [N(3, 4)] },
    { label: 'sum dims keepdim', fn: (x) => x.square().sum([0, 2], true), inputs: [N(2, 3, 4)] },
    { label: 'sum dim', fn: (x) => x.square().sum(1), inputs: [N(2, 3, 4)] },
  ],
  prod: [
    { label: 'prod dim', fn: (x) => x.prod(1), inputs: [N(3, 4)] },
    { label: 'prod all', fn: (x) => x.prod(), inputs: [N(2, 3)] },
    {
      label: 'prod with a zero',
      fn: (x) => x.mul(tensor([1, 0, 1], { dtype: 'float64' })).prod(),
      inputs: [N(3)],
      // NOTE: the zero-safe first derivative goes through cumprod, whose own rule divides by x.
      firstOrderOnly: true,
    },
  ],
  amax: [{ label: 'amax', fn: (x) => x.amax(1), inputs: [DISTINCT(3, 4)], firstOrderOnly: true }],
  amin: [{ label: 'amin', fn: (x) => x.amin([0, 1], true), inputs: [DISTINCT(3, 4)], firstOrderOnly: true }],
  maxDim: [{ label: 'max dim', fn: (x) => x.max(1).values, inputs: [DISTINCT(3, 4)] }],
  minDim: [{ label: 'min dim keepdim', fn: (x) => x.min(0, true).values, inputs: [DISTINCT(3, 4)] }],
  cumsum: [{ label: 'cumsum', fn: (x) => x.cumsum(1).square(), inputs: [N(3, 4)] }],
  cumprod: [{ label: 'cumprod', fn: (x) => x.cumprod(1), inputs: [AWAY(3, 4)] }],
  gather: [
    {
      label: 'gather',
      fn: (x) =>
        x
          .gather(
            1,
            tensor(
              [
                [0, 2],
                [1, 1],
                [3, 0],
              ],
              { dtype: 'int32' },
            ),
          )
          .square(),
      inputs: [N(3, 4)],
    },
  ],
  scatterAdd: [
    {
      label: 'scatterAdd',
      fn: (x, src) => x.scatterAdd(0, tensor([[1, 0, 2, 1]], { dtype: 'int32' }), src).square(),
      inputs: [N(3, 4), N(1, 4)],
    },
  ],
  indexSelect: [
    {
      label: 'indexSelect',
      fn: (x) => x.indexSelect(1, tensor([3, 0, 3], { dtype: 'int32' })).square(),
      inputs: [N(2, 4)],
    },
  ],
  matmul: [
    { label: 'matmul 2d', fn: (a, b) => a.matmul(b), inputs: [N(3, 4), N(4, 2)] },
    { label: 'matmul batched broadcast', fn: (a, b) => a.matmul(b), inputs: [N(2, 1, 3, 4), N(3, 4, 2)] },
    { label: 'matmul vector', fn: (a, b) => a.matmul(b), inputs: [N(3, 4), N(4)] },
    { label: 'matmul transposed', fn: (a, b) => a.t().matmul(b), inputs: [N(4, 3), N(4, 2)] },
    { label: 'matmul both transposed (x·Wᵀ)', fn: (a, b) => a.t().matmul(b.t()), inputs: [N(4, 3), N(5, 4)] },
  ],
  flip: [{ label: 'flip', fn: (x) => x.flip([0, 1]).mul(x), inputs: [N(3, 4)] }],
  pad: [{ label: 'pad', fn: (x) => pad(x, [1, 2, 0, 1], { value: 0.5 }).square(), inputs: [N(2, 3)] }],
  cat: [{ label: 'cat', fn: (a, b) => cat([a, b], 1).square(), inputs: [N(2, 3), N(2, 2)] }],
  gelu: [unary('gelu', (x) => x.gelu()), unary('gelu tanh', (x) => x.gelu({ approximate: 'tanh' }))],
  softmax: [{ label: 'softmax', fn: (x) => x.softmax(1).mul(x), inputs: [N(3, 4)] }],
  logSoftmax: [{ label: 'logSoftmax', fn: (x) => x.logSoftmax(0).mul(x), inputs: [N(3, 4)] }],
  conv2d: [
    {
      label: 'conv2d stride pad groups',
      fn: (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }),
      inputs: [N(1, 4, 5, 4), N(2, 2, 3, 3), N(2)],
    },
  ],
  convTranspose2d: [
    {
      label: 'convTranspose2d',
      fn: (x, w, b) => convTranspose2d(x, w, b, { stride: 2, padding: 1 }),
      inputs: [N(1, 2, 3, 3), N(2, 3, 3, 3), N(3)],
    },
  ],
  layerNorm: [
    { label: 'layerNorm', fn: (x, w, b) => layerNorm(x, [4], w, b), inputs: [N(2, 3, 4), N(4), N(4)] },
    { label: 'layerNorm no affine', fn: (x) => layerNorm(x, [3, 4]), inputs: [N(2, 3, 4)] },
  ],
  batchNorm: [
    {
      label: 'batchNorm training [N, C, H, W] with affine',
      fn: (x, w, b) => batchNorm(x, null, null, { training: true, weight: w, bias: b }),
      inputs: [N(4, 3, 2, 2), N(3), N(3)],
    },
    {
      label: 'batchNorm training [N, C] no affine',
      fn: (x) => batchNorm(x, null, null, { training: true }),
      inputs: [N(5, 3)],
    },
  ],
  softmaxCrossEntropy: [
    {
      label: 'softmaxCrossEntropy with an ignored row',
      fn: (x) => softmaxCrossEntropy(x, tensor([2, -100, 0, 4], { dtype: 'int32' })),
      inputs: [N(4, 5)],
    },
    {
      label: 'softmaxCrossEntropy with random targets',
      fn: (x) => {
        // The same targets on every call (gradcheck evaluates fn many times).
        targets ??= randint(0, 7, [6], { generator: gen });
        return softmaxCrossEntropy(x, targets);
      },
      inputs: [N(6, 7)],
    },
  ],
  cast: [
    {
      label: 'float32 round trip',
      fn: (x) => x.float().mul(2).double(),
      inputs: [N(3)],
      // NOTE: the float32 step rounds, so the finite differences need a coarse step.
      options: { eps: 1e-2, atol: 1e-4, rtol: 1e-3 },
    },
  ],
  // NOTE: needs a second device; the engine test covers it where one is registered.
  toDevice: [],
  maxPool2d: [
    {
      label: 'maxPool2d',
      fn: (x) => maxPool2d(x, 2, { stride: 2, padding: 1 }),
      inputs: [DISTINCT(1, 2, 5, 4)],
    },
  ],
};

/** Every op name recorded in the graph that produced `ys`. */
function recordedOps(ys: Tensor | readonly Tensor[]): Set<string> {
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const y of Array.isArray(ys) ? ys : [ys]) if (y.gradFn instanceof Node) stack.push(y.gradFn);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const [next] of n.nextFunctions) if (next instanceof Node) stack.push(next);
  }
  return new Set([...seen].map((n) => n.op));
}

describe('gradient rules', () => {
  for (const [op, cases] of Object.entries(CASES) as [OpName, readonly Case[]][]) {
    for (const c of cases) {
      it(`${op}: ${c.label} passes gradcheck${c.firstOrderOnly ? '' : ' and gradgradcheck'}`, () => {
        const inputs = c.inputs.map((f) => f());
        expect(recordedOps(c.fn(...inputs))).toContain(op);
        expect(gradcheck(c.fn, inputs, c.options)).toBe(true);
        if (!c.firstOrderOnly) expect(gradgradcheck(c.fn, inputs, c.options)).toBe(true);
      });
    }
  }
});

describe('matmul gradients of transposed operands', () => {
  it('reach the underlying matrix contiguous: x·Wᵀ backward copies nothing', () => {
    // A cpu backend that counts its copy kernel (what a transposed gradient would cost).
    let copies = 0;
    if (!hasBackend('cpu-copycount')) {
      const base = createCpuBackend();
      registerBackend({
        ...base,
        name: 'cpu-copycount',
        copy: (src, dst) => {
          copies++;
          base.copy(src, dst);
        },
      });
    }
    const device = 'cpu-copycount';
    const x = randn([6, 4], { dtype: 'float64', generator: gen, device }).requiresGrad_();
    const w = randn([3, 4], { dtype: 'float64', generator: gen, device }).requiresGrad_();
    const y = x.matmul(w.t());
    copies = 0;
    y.sum().backward();
    expect(copies).toBe(0);
    expect(w.grad!.isContiguous()).toBe(true);
    expect(x.grad!.isContiguous()).toBe(true);
    // d(Σy)/dW = 1ᵀ·x (every row the column sums of x), d(Σy)/dx = 1·W.
    const xs = x.detach().sum(0).toArray() as number[];
    const ws = w.detach().sum(0).toArray() as number[];
    const gw = w.grad!.toArray() as number[][];
    const gx = x.grad!.toArray() as number[][];
    for (const row of gw) for (let j = 0; j < row.length; j++) expect(row[j]!).toBeCloseTo(xs[j]!, 12);
    for (const row of gx) for (let j = 0; j < row.length; j++) expect(row[j]!).toBeCloseTo(ws[j]!, 12);
  });
});
