import type { Backend, BinaryOp, View } from '../backend/contract.js';
import { needsRecord, needsRecord2, record } from '../core/dispatch.js';
import { type DType, isFloatingDType, promoteTypes, promoteWithScalar } from '../core/dtype.js';
import { broadcastShapes, broadcastStrides } from '../core/shape.js';
import { Tensor, type TensorOrScalar } from '../core/tensor.js';
import { DTypeError, ValueError } from '../errors/errors.js';
import { alive, commonBackend, newOutput, newTensor, scalarView } from '../internal/make.js';
import { cast } from './device.js';

/** Binary ops recorded for autograd. `b` is null in the inputs when it was a scalar. */
export interface BinaryOpAttrs {
  add: { alpha: number; scalar: number | null };
  sub: { alpha: number; scalar: number | null };
  mul: { scalar: number | null };
  div: { scalar: number | null };
  pow: { scalar: number | null };
  rpow: { base: number };
  maximum: { scalar: number | null };
  minimum: { scalar: number | null };
  atan2: { scalar: number | null };
  where: Record<string, never>;
}

/**
 * `alpha` of `add`/`sub`: `a + alpha * b`.
 *
 * @example
 * ```ts
 * import { tensor, add } from '@kiln/tensor';
 * add(tensor([1]), tensor([2]), { alpha: 10 }).toArray(); // [21]
 * ```
 */
export interface AlphaOptions {
  alpha?: number;
}

/**
 * `roundingMode` of `div`: true division (default), `'trunc'` or `'floor'`.
 *
 * @example
 * ```ts
 * import { tensor, div } from '@kiln/tensor';
 * div(tensor([-7]), tensor([2]), { roundingMode: 'floor' }).toArray(); // [-4]
 * ```
 */
export interface DivOptions {
  roundingMode?: 'trunc' | 'floor' | null;
}

/**
 * `value` of `addcmul`/`addcdiv`.
 *
 * @example
 * ```ts
 * import { ones, addcmul } from '@kiln/tensor';
 * addcmul(ones([1]), ones([1]), ones([1]), { value: 3 }).toArray(); // [4]
 * ```
 */
export interface ValueOptions {
  value?: number;
}

type Kind = 'arith' | 'float' | 'compare' | 'logical';

function scalarValue(op: string, s: number | boolean): number {
  if (typeof s === 'boolean') return s ? 1 : 0;
  if (typeof s !== 'number') throw new ValueError(`${op}: expected a tensor or a number (got ${typeof s})`);
  return s;
}

function computeDType(op: string, a: Tensor, b: TensorOrScalar, kind: Kind): DType {
  let dtype: DType;
  if (b instanceof Tensor) {
    // NOTE: as in PyTorch, a 0-dim tensor only lifts the category of a dimensioned one.
    if (a.shape.length === 0 && b.shape.length !== 0) dtype = liftCategory(b.dtype, a.dtype);
    else if (b.shape.length === 0 && a.shape.length !== 0) dtype = liftCategory(a.dtype, b.dtype);
    else dtype = promoteTypes(a.dtype, b.dtype);
  } else dtype = promoteWithScalar(a.dtype, b);
  if (kind === 'logical') return 'bool';
  if (kind === 'float' && !isFloatingDType(dtype)) return 'float32';
  if (kind === 'arith' && dtype === 'bool' && op !== 'add' && op !== 'mul' && op !== 'max' && op !== 'min') {
    throw new DTypeError(
      `${op}: not supported for bool tensors (got bool, expected a number dtype)\nhelp: use logicalXor or cast with .int()`,
    );
  }
  return dtype;
}

function liftCategory(tensorDType: DType, zeroDimDType: DType): DType {
  if (isFloatingDType(tensorDType)) return tensorDType;
  if (isFloatingDType(zeroDimDType)) return 'float32';
  return promoteTypes(tensorDType, zeroDimDType);
}

function asView(t: Tensor, shape: readonly number[]): View {
  if (t.shape === shape) return t;
  const same = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (same) return t;
  return {
    storage: t.storage,
    shape,
    strides: broadcastStrides(t.shape, t.strides, shape),
    offset: t.offset,
  };
}

/** Runs a binary kernel with broadcasting and promotion; no autograd. @internal */
export function runBinary(op: BinaryOp, a: Tensor, b: TensorOrScalar, kind: Kind): Tensor {
  alive(a, op);
  const backend: Backend = a.handle.backend;
  // Fast path: same dtype, same shape, both tensors (the per-op overhead case).
  if (b instanceof Tensor && a.dtype === b.dtype && kind === 'arith' && a.dtype !== 'bool') {
    alive(b, op);
    if (b.handle.backend !== backend) commonBackend(op, a, b);
    const as = a.shape;
    const bs = b.shape;
    let same = as.length === bs.length;
    for (let i = 0; same && i < as.length; i++) same = as[i] === bs[i];
    if (same) {
      const out = newOutput(backend, a.dtype, as);
      if (out.numel() > 0) backend.binary(op, a, b, out.out_());
      return out;
    }
  }
  const dtype = computeDType(op, a, b, kind);
  const outDType: DType = kind === 'compare' || kind === 'logical' ? 'bool' : dtype;
  let ta = a.dtype === dtype ? a : cast(a, dtype);
  if (b instanceof Tensor) {
    alive(b, op);
    commonBackend(op, a, b);
    const shape = broadcastShapes(a.shape, b.shape, op);
    const tb = b.dtype === dtype ? b : cast(b, dtype);
    const out = newOutput(backend, outDType, shape);
    if (out.numel() > 0) backend.binary(op, asView(ta, shape), asView(tb, shape), out.out_());
    if (tb !== b) tb.dispose();
    if (ta !== a) ta.dispose();
    return out;
  }
  const value = scalarValue(op, b);
  if (dtype === 'int32' && !Number.isInteger(value)) ta = a;
  const out = newOutput(backend, outDType, a.shape);
  if (out.numel() > 0) {
    const sv = scalarView(backend, dtype, kind === 'logical' ? (value !== 0 ? 1 : 0) : value, a.shape);
    backend.binary(op, ta, sv, out.out_());
    backend.free(sv.storage);
  }
  if (ta !== a) ta.dispose();
  return out;
}

function scalarOf(b: TensorOrScalar): number | null {
  return b instanceof Tensor ? null : scalarValue('binary', b);
}

function recorded<K extends 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2'>(
  op: K,
  a: Tensor,
  b: TensorOrScalar,
  y: Tensor,
): Tensor {
  const bt = b instanceof Tensor ? b : null;
  if (needsRecord2(a, bt)) record(op, [a, bt], [y], { scalar: scalarOf(b) } as never);
  return y;
}

function toTensorArg(op: string, a: TensorOrScalar, like: Tensor): Tensor {
  if (a instanceof Tensor) return a;
  const backend = like.handle.backend;
  const dtype = promoteWithScalar(like.dtype, a);
  const t = newTensor(backend, dtype, []);
  const v = scalarValue(op, a);
  if (v !== 0) backend.fill(t, v);
  return t;
}

/**
 * `a + alpha * b`, broadcasting, with PyTorch's type promotion.
 *
 * @example
 * ```ts
 * import { tensor, add } from '@kiln/tensor';
 * add(tensor([1, 2]), 0.5).toArray(); // [1.5, 2.5]
 * ```
 */
export function add(a: TensorOrScalar, b: TensorOrScalar, options?: AlphaOptions): Tensor {
  const alpha = options?.alpha ?? 1;
  // A scalar first operand becomes a 0-dim tensor for this call only.
  const ta: Tensor = a instanceof Tensor ? a : toTensorArg('add', a, b as Tensor);
  const temp = ta === a ? null : ta;
  let y: Tensor;
  if (alpha === 1) y = runBinary('add', ta, b, 'arith');
  else {
    const scaled = b instanceof Tensor ? runBinary('mul', b, alpha, 'arith') : scalarValue('add', b) * alpha;
    y = runBinary('add', ta, scaled, 'arith');
    if (scaled instanceof Tensor) scaled.dispose();
  }
  const bt = b instanceof Tensor ? b : null;
  if (needsRecord2(ta, bt)) record('add', [ta, bt], [y], { alpha, scalar: scalarOf(b) });
  temp?.dispose();
  return y;
}

/**
 * `a - alpha * b`.
 *
 * @example
 * ```ts
 * import { tensor, sub } from '@kiln/tensor';
 * sub(tensor([3]), tensor([1])).toArray(); // [2]
 * ```
 */
export function sub(a: TensorOrScalar, b: TensorOrScalar, options?: AlphaOptions): Tensor {
  const alpha = options?.alpha ?? 1;
  // A scalar first operand becomes a 0-dim tensor for this call only.
  const ta: Tensor = a instanceof Tensor ? a : toTensorArg('sub', a, b as Tensor);
  const temp = ta === a ? null : ta;
  let y: Tensor;
  if (alpha === 1) y = runBinary('sub', ta, b, 'arith');
  else {
    const scaled = b instanceof Tensor ? runBinary('mul', b, alpha, 'arith') : scalarValue('sub', b) * alpha;
    y = runBinary('sub', ta, scaled, 'arith');
    if (scaled instanceof Tensor) scaled.dispose();
  }
  const bt = b instanceof Tensor ? b : null;
  if (needsRecord2(ta, bt)) record('sub', [ta, bt], [y], { alpha, scalar: scalarOf(b) });
  temp?.dispose();
  return y;
}

/**
 * `a * b`.
 *
 * @example
 * ```ts
 * import { tensor, mul } from '@kiln/tensor';
 * mul(tensor([2, 3]), 2).toArray(); // [4, 6]
 * ```
 */
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(a instanceof Tensor)) return mul(b as Tensor, a);
  return recorded('mul', a, b, runBinary('mul', a, b, 'arith'));
}

/**
 * `a / b` (true division; integers give float32), or rounded with `roundingMode`.
 *
 * @example
 * ```ts
 * import { tensor, div } from '@kiln/tensor';
 * div(tensor([1, 2]), 4).toArray(); // [0.25, 0.5]
 * ```
 */
export function div(a: TensorOrScalar, b: TensorOrScalar, options?: DivOptions): Tensor {
  const ta: Tensor = a instanceof Tensor ? a : toTensorArg('div', a, b as Tensor);
  const temp = ta === a ? null : ta;
  const mode = options?.roundingMode ?? null;
  if (mode === null) {
    // A saved temp keeps its own reference in the graph, so our handle can go at once.
    const y = recorded('div', ta, b, runBinary('div', ta, b, 'float'));
    temp?.dispose();
    return y;
  }
  if (mode !== 'trunc' && mode !== 'floor') {
    throw new ValueError(
      `div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${String(mode)}'`,
    );
  }
  const q = runBinary('div', ta, b, 'float');
  temp?.dispose();
  const r = q.handle.backend;
  const rounded = newTensor(r, q.dtype, q.shape);
  if (rounded.numel() > 0) r.unary(mode === 'trunc' ? 'trunc' : 'floor', q, rounded.out_());
  q.dispose();
  const intDType = computeDType('div', ta, b, 'arith');
  if (!isFloatingDType(intDType)) {
    const c = cast(rounded, intDType);
    rounded.dispose();
    return c;
  }
  return rounded;
}

/**
 * `a ** b` (elementwise power; `b` a tensor or a number).
 *
 * @example
 * ```ts
 * import { tensor, pow } from '@kiln/tensor';
 * pow(tensor([2, 3]), 2).toArray(); // [4, 9]
 * ```
 */
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (!(a instanceof Tensor)) {
    const base = scalarValue('pow', a);
    const exponent = b as Tensor;
    const baseTensor = toTensorArg('pow', base, exponent);
    const y = runBinary(
      'pow',
      baseTensor,
      exponent,
      isFloatingDType(exponent.dtype) || !Number.isInteger(base) ? 'float' : 'arith',
    );
    baseTensor.dispose();
    if (needsRecord2(exponent, null)) record('rpow', [exponent], [y], { base });
    return y;
  }
  return recorded('pow', a, b, runBinary('pow', a, b, 'arith'));
}

/**
 * Elementwise maximum (NaN propagates).
 *
 * @example
 * ```ts
 * import { tensor, maximum } from '@kiln/tensor';
 * maximum(tensor([1, 5]), tensor([3, 2])).toArray(); // [3, 5]
 * ```
 */
export function maximum(a: Tensor, b: TensorOrScalar): Tensor {
  return recorded('maximum', a, b, runBinary('max', a, b, 'arith'));
}

/**
 * Elementwise minimum (NaN propagates).
 *
 * @example
 * ```ts
 * import { tensor, minimum } from '@kiln/tensor';
 * minimum(tensor([1, 5]), tensor([3, 2])).toArray(); // [1, 2]
 * ```
 */
export function minimum(a: Tensor, b: TensorOrScalar): Tensor {
  return recorded('minimum', a, b, runBinary('min', a, b, 'arith'));
}

/**
 * Four-quadrant arctangent of `a / b`.
 *
 * @example
 * ```ts
 * import { tensor, atan2 } from '@kiln/tensor';
 * atan2(tensor([1]), tensor([1])).toArray(); // [0.7853981852531433]
 * ```
 */
export function atan2(a: Tensor, b: TensorOrScalar): Tensor {
  return recorded('atan2', a, b, runBinary('atan2', a, b, 'float'));
}

/**
 * C-style remainder (sign of the dividend). Not differentiable.
 *
 * @example
 * ```ts
 * import { tensor, fmod } from '@kiln/tensor';
 * fmod(tensor([-3]), 2).toArray(); // [-1]
 * ```
 */
export function fmod(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('fmod', a, b, 'arith');
}

/**
 * Python-style remainder (sign of the divisor). Not differentiable.
 *
 * @example
 * ```ts
 * import { tensor, remainder } from '@kiln/tensor';
 * remainder(tensor([-3]), 2).toArray(); // [1]
 * ```
 */
export function remainder(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('remainder', a, b, 'arith');
}

/** `a == b` (bool). @example ```ts
 * import { tensor, eq } from '@kiln/tensor';
 * eq(tensor([1, 2]), 2).toArray(); // [false, true]
 * ``` */
export function eq(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('eq', a, b, 'compare');
}
/** `a != b` (bool). @example ```ts
 * import { tensor, ne } from '@kiln/tensor';
 * ne(tensor([1, 2]), 2).toArray(); // [true, false]
 * ``` */
export function ne(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('ne', a, b, 'compare');
}
/** `a < b` (bool). @example ```ts
 * import { tensor, lt } from '@kiln/tensor';
 * lt(tensor([1, 2]), 2).toArray(); // [true, false]
 * ``` */
export function lt(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('lt', a, b, 'compare');
}
/** `a <= b` (bool). @example ```ts
 * import { tensor, le } from '@kiln/tensor';
 * le(tensor([1, 2]), 2).toArray(); // [true, true]
 * ``` */
export function le(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('le', a, b, 'compare');
}
/** `a > b` (bool). @example ```ts
 * import { tensor, gt } from '@kiln/tensor';
 * gt(tensor([1, 3]), 2).toArray(); // [false, true]
 * ``` */
export function gt(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('gt', a, b, 'compare');
}
/** `a >= b` (bool). @example ```ts
 * import { tensor, ge } from '@kiln/tensor';
 * ge(tensor([1, 2]), 2).toArray(); // [false, true]
 * ``` */
export function ge(a: Tensor, b: TensorOrScalar): Tensor {
  return runBinary('ge', a, b, 'compare');
}
/** Elementwise AND of truth values (bool). @example ```ts
 * import { tensor, logicalAnd } from '@kiln/tensor';
 * logicalAnd(tensor([true, true]), tensor([true, false])).toArray(); // [true, false]
 * ``` */
export function logicalAnd(a: Tensor, b: TensorOrScalar): Tensor {
  return runLogical('logicalAnd', a, b);
}
/** Elementwise OR of truth values (bool). @example ```ts
 * import { tensor, logicalOr } from '@kiln/tensor';
 * logicalOr(tensor([false, true]), tensor([false, false])).toArray(); // [false, true]
 * ``` */
export function logicalOr(a: Tensor, b: TensorOrScalar): Tensor {
  return runLogical('logicalOr', a, b);
}
/** Elementwise XOR of truth values (bool). @example ```ts
 * import { tensor, logicalXor } from '@kiln/tensor';
 * logicalXor(tensor([true, true]), tensor([true, false])).toArray(); // [false, true]
 * ``` */
export function logicalXor(a: Tensor, b: TensorOrScalar): Tensor {
  return runLogical('logicalXor', a, b);
}

function runLogical(op: 'logicalAnd' | 'logicalOr' | 'logicalXor', a: Tensor, b: TensorOrScalar): Tensor {
  const ta = a.dtype === 'bool' ? a : runBinary('ne', a, 0, 'compare');
  const tb = !(b instanceof Tensor)
    ? scalarValue(op, b) !== 0
    : b.dtype === 'bool'
      ? b
      : runBinary('ne', b, 0, 'compare');
  const y = runBinary(op, ta, tb, 'logical');
  if (ta !== a) ta.dispose();
  if (tb instanceof Tensor && tb !== b) tb.dispose();
  return y;
}

/**
 * `condition ? a : b`, broadcasting all three; `condition` must be bool.
 *
 * @example
 * ```ts
 * import { tensor, where } from '@kiln/tensor';
 * where(tensor([true, false]), tensor([1, 2]), 0).toArray(); // [1, 0]
 * ```
 */
export function where(condition: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  alive(condition, 'where');
  if (condition.dtype !== 'bool') {
    throw new DTypeError(`where: condition must be a bool tensor (got ${condition.dtype}, expected bool)`);
  }
  const like = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
  const ta = a instanceof Tensor ? a : toTensorArg('where', a, like ?? condition);
  const tb = b instanceof Tensor ? b : toTensorArg('where', b, like ?? condition);
  commonBackend('where', condition, ta);
  commonBackend('where', condition, tb);
  const dtype =
    a instanceof Tensor && !(b instanceof Tensor)
      ? promoteWithScalar(a.dtype, b)
      : b instanceof Tensor && !(a instanceof Tensor)
        ? promoteWithScalar(b.dtype, a)
        : promoteTypes(ta.dtype, tb.dtype);
  const shape = broadcastShapes(broadcastShapes(condition.shape, ta.shape, 'where'), tb.shape, 'where');
  const ca = ta.dtype === dtype ? ta : cast(ta, dtype);
  const cb = tb.dtype === dtype ? tb : cast(tb, dtype);
  const backend = condition.handle.backend;
  const out = newOutput(backend, dtype, shape);
  if (out.numel() > 0)
    backend.where(asView(condition, shape), asView(ca, shape), asView(cb, shape), out.out_());
  for (const t of [ca, cb]) if (t !== a && t !== b) t.dispose();
  if (ta !== a && ta !== ca) ta.dispose();
  if (tb !== b && tb !== cb) tb.dispose();
  const ra = a instanceof Tensor ? a : null;
  const rb = b instanceof Tensor ? b : null;
  if (needsRecord([ra, rb])) record('where', [condition, ra, rb], [out], {});
  return out;
}

/**
 * Fills positions where `mask` is true with `value` (a number or a 0-dim tensor).
 *
 * @example
 * ```ts
 * import { tensor, maskedFill } from '@kiln/tensor';
 * maskedFill(tensor([1, 2]), tensor([true, false]), 0).toArray(); // [0, 2]
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
  if (mask.dtype !== 'bool') {
    throw new DTypeError(`maskedFill: expected mask to be a bool tensor (got ${mask.dtype}, expected bool)`);
  }
  broadcastShapes(x.shape, mask.shape, 'maskedFill');
  const v =
    value instanceof Tensor
      ? value.dtype === x.dtype
        ? value
        : cast(value, x.dtype)
      : scalarValue('maskedFill', value);
  const y = where(mask, v, x);
  if (y.dtype !== x.dtype) {
    const c = cast(y, x.dtype);
    y.dispose();
    return c;
  }
  return y;
}

/**
 * `start + weight * (end - start)` (a composite: its gradient comes from its parts).
 *
 * @example
 * ```ts
 * import { tensor, lerp } from '@kiln/tensor';
 * lerp(tensor([0]), tensor([10]), 0.3).toArray(); // [3]
 * ```
 */
export function lerp(start: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
  const d = sub(end, start);
  const w = mul(d, weight);
  const y = add(start, w);
  d.dispose();
  w.dispose();
  return y;
}

/**
 * `x + value * t1 * t2` (a composite).
 *
 * @example
 * ```ts
 * import { tensor, addcmul } from '@kiln/tensor';
 * addcmul(tensor([1]), tensor([2]), tensor([3]), { value: 0.5 }).toArray(); // [4]
 * ```
 */
export function addcmul(x: Tensor, t1: Tensor, t2: Tensor, options?: ValueOptions): Tensor {
  const p = mul(t1, t2);
  const s = options?.value !== undefined && options.value !== 1 ? mul(p, options.value) : p;
  const y = add(x, s);
  p.dispose();
  if (s !== p) s.dispose();
  return y;
}

/**
 * `x + value * t1 / t2` (a composite).
 *
 * @example
 * ```ts
 * import { tensor, addcdiv } from '@kiln/tensor';
 * addcdiv(tensor([1]), tensor([3]), tensor([2]), { value: 2 }).toArray(); // [4]
 * ```
 */
export function addcdiv(x: Tensor, t1: Tensor, t2: Tensor, options?: ValueOptions): Tensor {
  const q = div(t1, t2);
  const s = options?.value !== undefined && options.value !== 1 ? mul(q, options.value) : q;
  const y = add(x, s);
  q.dispose();
  if (s !== q) s.dispose();
  return y;
}
