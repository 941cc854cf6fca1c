import type { Tensor } from '../core/tensor.js';
import { ValueError } from '../errors/errors.js';
import * as K from '../index.js';
import { fromGolden, type GoldenOpCase, type GoldenValue, isGoldenTensor } from './golden-types.js';

/** The decoded arguments of a golden case: tensors on the device, other values as in the JSON. */
export type GoldenArg = Tensor | number | boolean | string | null | readonly GoldenArg[];

/**
 * Runs one golden op in Kiln: `args` are the case's positional inputs (tensors already on the
 * device and turned into views where the case says so), `attrs` its keyword arguments, `id` the
 * case id (a few cases carry an argument only in their id, e.g. `cat/dim1`).
 */
export type GoldenAdapter = (
  args: readonly GoldenArg[],
  attrs: Readonly<Record<string, GoldenArg>>,
  id: string,
) => Tensor | readonly Tensor[];

const T = (v: GoldenArg | undefined): Tensor => {
  if (v instanceof K.Tensor) return v;
  throw new ValueError(`golden: expected a tensor argument (got ${String(v)})`);
};
const N = (v: GoldenArg | undefined, fallback?: number): number => {
  if (typeof v === 'number') return v;
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  throw new ValueError(`golden: expected a number argument (got ${String(v)})`);
};
const L = (v: GoldenArg | undefined): number[] => {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.map((x) => N(x));
  throw new ValueError(`golden: expected a list argument (got ${String(v)})`);
};
const B = (v: GoldenArg | undefined, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);
const opt = (v: GoldenArg | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const dimFromId = (id: string): number => {
  const m = /dim(-?\d+)/.exec(id);
  return m ? Number(m[1]) : 0;
};
const pair = (v: GoldenArg | undefined): number | [number, number] | undefined =>
  typeof v === 'number' ? v : Array.isArray(v) ? [N(v[0]), N(v[1])] : undefined;
const clean = <O extends object>(o: O): O =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;

function unary(fn: (x: Tensor) => Tensor): GoldenAdapter {
  return (a) => fn(T(a[0]));
}

function reduceDim(
  fn: (x: Tensor, dim?: number | number[] | null, keepdim?: boolean) => Tensor,
): GoldenAdapter {
  return (a, at) => {
    const d = a[1] ?? at.dim;
    return fn(
      T(a[0]),
      d === undefined || d === null ? undefined : Array.isArray(d) ? L(d) : N(d),
      B(at.keepdim, false),
    );
  };
}

/**
 * Kiln implementations of the golden ops that live in `@kiln/tensor`, keyed by the PyTorch name
 * used in ops.json. Packages above it (nn's losses) extend this table.
 *
 * @example
 * ```ts
 * import { tensorGoldenOps } from '@kiln/tensor/testing';
 * 'matmul' in tensorGoldenOps; // true
 * ```
 */
export const tensorGoldenOps: Readonly<Record<string, GoldenAdapter>> = {
  neg: unary(K.neg),
  abs: unary(K.abs),
  exp: unary(K.exp),
  sin: unary(K.sin),
  cos: unary(K.cos),
  tanh: unary(K.tanh),
  sigmoid: unary(K.sigmoid),
  relu: unary(K.relu),
  square: unary(K.square),
  floor: unary(K.floor),
  ceil: unary(K.ceil),
  round: unary(K.round),
  sign: unary(K.sign),
  erf: unary(K.erf),
  expm1: unary(K.expm1),
  log: unary(K.log),
  sqrt: unary(K.sqrt),
  rsqrt: unary(K.rsqrt),
  reciprocal: unary(K.reciprocal),
  log1p: unary(K.log1p),
  silu: unary(K.silu),
  mish: unary(K.mish),
  gelu: (a, at) => K.gelu(T(a[0]), at.approximate === 'tanh' ? { approximate: 'tanh' } : {}),
  softplus: (a, at) => K.softplus(T(a[0]), clean({ beta: opt(at.beta), threshold: opt(at.threshold) })),
  elu: (a, at) => K.elu(T(a[0]), clean({ alpha: opt(at.alpha) })),
  hardtanh: (a, at) => K.hardtanh(T(a[0]), opt(at.min_val), opt(at.max_val)),
  leaky_relu: (a, at) => K.leakyRelu(T(a[0]), opt(a[1] ?? at.negative_slope)),
  clamp: (a, at) => K.clamp(T(a[0]), opt(a[1] ?? at.min) ?? null, opt(a[2] ?? at.max) ?? null),
  pow: (a) => K.pow(T(a[0]), a[1] instanceof K.Tensor ? a[1] : N(a[1])),
  add: (a, at) => K.add(T(a[0]), a[1] instanceof K.Tensor ? a[1] : N(a[1]), clean({ alpha: opt(at.alpha) })),
  sub: (a, at) => K.sub(T(a[0]), a[1] instanceof K.Tensor ? a[1] : N(a[1]), clean({ alpha: opt(at.alpha) })),
  mul: (a) => K.mul(T(a[0]), a[1] instanceof K.Tensor ? a[1] : N(a[1])),
  div: (a) => K.div(T(a[0]), a[1] instanceof K.Tensor ? a[1] : N(a[1])),
  maximum: (a) => K.maximum(T(a[0]), T(a[1])),
  minimum: (a) => K.minimum(T(a[0]), T(a[1])),
  atan2: (a) => K.atan2(T(a[0]), T(a[1])),
  eq: (a) => K.eq(T(a[0]), T(a[1])),
  ne: (a) => K.ne(T(a[0]), T(a[1])),
  lt: (a) => K.lt(T(a[0]), T(a[1])),
  ge: (a) => K.ge(T(a[0]), T(a[1])),
  where: (a) => K.where(T(a[0]), T(a[1]), T(a[2])),
  lerp: (a) => K.lerp(T(a[0]), T(a[1]), a[2] instanceof K.Tensor ? a[2] : N(a[2])),
  addcmul: (a, at) => K.addcmul(T(a[0]), T(a[1]), T(a[2]), clean({ value: opt(at.value) })),
  sum: reduceDim(K.sum),
  mean: reduceDim(K.mean),
  amax: reduceDim(K.amax),
  amin: reduceDim(K.amin),
  prod: (a, at) => K.prod(T(a[0]), opt(a[1] ?? at.dim), B(at.keepdim, false)),
  max: (a, at) => {
    if (a[1] === undefined) return K.max(T(a[0]));
    const r = K.max(T(a[0]), N(a[1]), B(at.keepdim, false));
    return [r.values, r.indices];
  },
  min: (a, at) => {
    if (a[1] === undefined) return K.min(T(a[0]));
    const r = K.min(T(a[0]), N(a[1]), B(at.keepdim, false));
    return [r.values, r.indices];
  },
  argmax: (a, at) => K.argmax(T(a[0]), opt(a[1] ?? at.dim), B(at.keepdim, false)),
  argmin: (a, at) => K.argmin(T(a[0]), opt(a[1] ?? at.dim), B(at.keepdim, false)),
  var: (a, at) => T(a[0]).var(opt(a[1] ?? at.dim), B(at.keepdim, false), { unbiased: B(at.unbiased, true) }),
  std: (a, at) => T(a[0]).std(opt(a[1] ?? at.dim), B(at.keepdim, false), { unbiased: B(at.unbiased, true) }),
  logsumexp: (a, at) => K.logsumexp(T(a[0]), N(a[1] ?? at.dim), B(at.keepdim, false)),
  norm: (a) => K.norm(T(a[0])),
  cumsum: (a, at) => K.cumsum(T(a[0]), N(a[1] ?? at.dim)),
  softmax: (a, at) => K.softmax(T(a[0]), N(a[1] ?? at.dim)),
  log_softmax: (a, at) => K.logSoftmax(T(a[0]), N(a[1] ?? at.dim)),
  reshape: (a) => K.reshape(T(a[0]), L(a[1])),
  permute: (a) => K.permute(T(a[0]), L(a[1])),
  transpose: (a) => K.transpose(T(a[0]), N(a[1]), N(a[2])),
  expand: (a) => K.expand(T(a[0]), L(a[1])),
  cat: (a, at, id) =>
    K.cat(
      a.filter((x): x is Tensor => x instanceof K.Tensor),
      N(at.dim, dimFromId(id)),
    ),
  stack: (a, at, id) =>
    K.stack(
      a.filter((x): x is Tensor => x instanceof K.Tensor),
      N(at.dim, dimFromId(id)),
    ),
  split: (a, at, id) =>
    K.split(T(a[0]), Array.isArray(a[1]) ? L(a[1]) : N(a[1]), N(a[2] ?? at.dim, dimFromId(id))),
  chunk: (a, at, id) => K.chunk(T(a[0]), N(a[1]), N(a[2] ?? at.dim, dimFromId(id))),
  squeeze: (a) => K.squeeze(T(a[0]), opt(a[1])),
  unsqueeze: (a) => K.unsqueeze(T(a[0]), N(a[1])),
  flatten: (a) => K.flatten(T(a[0]), opt(a[1]), opt(a[2])),
  narrow: (a) => K.narrow(T(a[0]), N(a[1]), N(a[2]), N(a[3])),
  index_select: (a) => K.indexSelect(T(a[0]), N(a[1]), T(a[2])),
  gather: (a) => K.gather(T(a[0]), N(a[1]), T(a[2])),
  scatter_add: (a) => K.scatterAdd(T(a[0]), N(a[1]), T(a[2]), T(a[3])),
  // NOTE: ops.json does not store masked_fill's value; the case was generated with -1.5.
  masked_fill: (a, at) => K.maskedFill(T(a[0]), T(a[1]), N(a[2] ?? at.value, -1.5)),
  tril: (a, at) => K.tril(T(a[0]), opt(a[1] ?? at.diagonal)),
  triu: (a, at) => K.triu(T(a[0]), opt(a[1] ?? at.diagonal)),
  flip: (a) => K.flip(T(a[0]), L(a[1])),
  roll: (a) =>
    K.roll(T(a[0]), Array.isArray(a[1]) ? L(a[1]) : N(a[1]), Array.isArray(a[2]) ? L(a[2]) : opt(a[2])),
  pad: (a, at) =>
    K.pad(
      T(a[0]),
      L(a[1]),
      clean({
        mode: typeof at.mode === 'string' ? (at.mode as 'constant') : undefined,
        value: opt(at.value),
      }),
    ),
  repeat: (a) => K.repeat(T(a[0]), L(a[1])),
  // NOTE: the contiguous case's reference output is `2 * x.transpose(0, 2).contiguous()` (so that
  // its gradient is not the identity); the factor is not stored in ops.json.
  contiguous: (a) => K.contiguous(T(a[0])).mul(2),
  matmul: (a) => K.matmul(T(a[0]), T(a[1])),
  bmm: (a) => K.bmm(T(a[0]), T(a[1])),
  outer: (a) => K.outer(T(a[0]), T(a[1])),
  linear: (a) => K.linear(T(a[0]), T(a[1]), a[2] instanceof K.Tensor ? a[2] : null),
  einsum: (a, at, id) =>
    K.einsum(
      typeof at.equation === 'string' ? at.equation : einsumFromId(id),
      ...a.filter((x): x is Tensor => x instanceof K.Tensor),
    ),
  conv1d: (a, at) =>
    K.conv1d(
      T(a[0]),
      T(a[1]),
      a[2] instanceof K.Tensor ? a[2] : null,
      clean({
        stride: opt(at.stride),
        padding: opt(at.padding),
        dilation: opt(at.dilation),
        groups: opt(at.groups),
      }),
    ),
  conv2d: (a, at) =>
    K.conv2d(
      T(a[0]),
      T(a[1]),
      a[2] instanceof K.Tensor ? a[2] : null,
      clean({
        stride: pair(at.stride),
        padding: pair(at.padding),
        dilation: pair(at.dilation),
        groups: opt(at.groups),
      }),
    ),
  conv_transpose2d: (a, at) =>
    K.convTranspose2d(
      T(a[0]),
      T(a[1]),
      a[2] instanceof K.Tensor ? a[2] : null,
      clean({
        stride: pair(at.stride),
        padding: pair(at.padding),
        outputPadding: pair(at.output_padding),
        groups: opt(at.groups),
        dilation: pair(at.dilation),
      }),
    ),
  max_pool2d: (a, at) =>
    K.maxPool2d(
      T(a[0]),
      pair(a[1]) ?? 1,
      clean({ stride: pair(at.stride), padding: pair(at.padding), dilation: pair(at.dilation) }),
    ),
  avg_pool2d: (a, at) =>
    K.avgPool2d(T(a[0]), pair(a[1]) ?? 1, clean({ stride: pair(at.stride), padding: pair(at.padding) })),
  adaptive_avg_pool2d: (a) => K.adaptiveAvgPool2d(T(a[0]), pair(a[1]) ?? 1),
  batch_norm: (a) => K.batchNorm(T(a[0]), null, null, { weight: T(a[1]), bias: T(a[2]), training: true }),
  layer_norm: (a) => K.layerNorm(T(a[0]), T(a[1]).shape, T(a[1]), T(a[2])),
  // NOTE: the golden case was generated with two groups; ops.json does not store num_groups.
  group_norm: (a, at) => K.groupNorm(T(a[0]), N(at.num_groups, 2), T(a[1]), T(a[2])),
  embedding: (a) => K.embedding(T(a[0]), T(a[1])),
  normalize: (a, at) => K.normalize(T(a[0]), clean({ p: opt(at.p), dim: opt(at.dim) })),
  cosine_similarity: (a, at) => K.cosineSimilarity(T(a[0]), T(a[1]), clean({ dim: opt(at.dim) })),
};

// NOTE: ops.json stores the einsum equation only in the case id.
const EINSUM_EQUATIONS: Readonly<Record<string, string>> = { 'einsum/bij-bjk': 'bij,bjk->bik' };

function einsumFromId(id: string): string {
  const eq = EINSUM_EQUATIONS[id];
  if (eq === undefined) throw new ValueError(`golden: no einsum equation known for case ${id}`);
  return eq;
}

/**
 * Loss ops in ops.json: they belong to `@kiln/nn`, which supplies their adapters.
 *
 * @example
 * ```ts
 * import { NN_GOLDEN_OPS } from '@kiln/tensor/testing';
 * NN_GOLDEN_OPS.includes('cross_entropy'); // true
 * ```
 */
export const NN_GOLDEN_OPS: readonly string[] = [
  'cross_entropy',
  'nll_loss',
  'mse_loss',
  'l1_loss',
  'smooth_l1_loss',
  'huber_loss',
  'binary_cross_entropy',
  'binary_cross_entropy_with_logits',
  'kl_div',
];

/**
 * Decodes a case's inputs onto a device, applying its `views`.
 *
 * @example
 * ```ts
 * import { decodeGoldenInputs, type GoldenOpCase } from '@kiln/tensor/testing';
 * declare const c: GoldenOpCase;
 * const args = decodeGoldenInputs(c, 'cpu');
 * ```
 */
export function decodeGoldenInputs(c: GoldenOpCase, device: string, floatDType?: 'float64'): GoldenArg[] {
  const decode = (v: GoldenValue): GoldenArg => {
    if (isGoldenTensor(v))
      return fromGolden(
        v,
        device,
        floatDType !== undefined && v.dtype === 'float32' ? floatDType : undefined,
      );
    if (Array.isArray(v)) return v.map(decode);
    return v as GoldenArg;
  };
  const args = c.inputs.map(decode);
  for (const [index, [method, params]] of Object.entries(c.views ?? {})) {
    const i = Number(index);
    const base = args[i];
    if (!(base instanceof K.Tensor)) continue;
    const p = params as readonly GoldenValue[];
    // Inputs are stored as the base tensor; the op must see the named (non-contiguous) view of it.
    if (method === 'transpose') args[i] = base.transpose(N(p[0] as number), N(p[1] as number));
    else if (method === 'permute') args[i] = base.permute(p.map((d) => N(d as number)));
    else if (method === 't') args[i] = base.t();
    else throw new ValueError(`golden: unknown view method '${method}' in case ${c.id}`);
  }
  return args;
}

/**
 * Decodes a case's keyword arguments (tensor-valued ones onto the device).
 *
 * @example
 * ```ts
 * import { decodeGoldenAttrs, type GoldenOpCase } from '@kiln/tensor/testing';
 * declare const c: GoldenOpCase;
 * decodeGoldenAttrs(c, 'cpu');
 * ```
 */
export function decodeGoldenAttrs(
  c: GoldenOpCase,
  device: string,
  floatDType?: 'float64',
): Record<string, GoldenArg> {
  const out: Record<string, GoldenArg> = {};
  for (const [k, v] of Object.entries(c.attrs)) {
    out[k] = isGoldenTensor(v)
      ? fromGolden(v, device, floatDType !== undefined && v.dtype === 'float32' ? floatDType : undefined)
      : (v as GoldenArg);
  }
  return out;
}
