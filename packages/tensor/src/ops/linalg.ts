import type { Backend, View } from '../backend/contract.js';
import { needsRecord, needsRecord2, record } from '../core/dispatch.js';
import { type DType, isFloatingDType } from '../core/dtype.js';
import { broadcastStrides, contiguousStrides, formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { DTypeError, ShapeError } from '../errors/errors.js';
import { alive, commonBackend, newTensor, viewTensor } from '../internal/make.js';
import { add, mul } from './binary.js';
import { cast } from './device.js';
import { reshape, squeeze, t, unsqueeze } from './shape.js';

/** Linear-algebra ops recorded for autograd. */
export interface LinalgOpAttrs {
  /**
   * Matrix product of two operands of rank >= 2 (`[...batchA, m, k]` and `[...batchB, k, n]`)
   * whose batch dims broadcast to the output's `[...batch, m, n]`. The 1-D cases of `matmul`
   * reach it through recorded `view` ops (unsqueeze/squeeze).
   */
  matmul: Record<string, never>;
}

const NO_ATTRS: Record<string, never> = {};

function cannotMultiply(
  op: string,
  a: readonly number[],
  b: readonly number[],
  ka: number,
  kb: number,
): ShapeError {
  return new ShapeError(
    `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be multiplied (${ka} != ${kb})`,
  );
}

/** Checks devices and dtypes of two operands; returns their common backend. */
function checkPair(op: string, a: Tensor, b: Tensor): Backend {
  alive(a, op);
  alive(b, op);
  const backend = commonBackend(op, a, b);
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: expected both operands to have the same dtype (got ${a.dtype} and ${b.dtype})`,
    );
  }
  if (a.dtype === 'bool') {
    throw new DTypeError(
      `${op}: not implemented for bool tensors (got bool, expected a number dtype)\nhelp: cast with .int() or .float()`,
    );
  }
  return backend;
}

function broadcastView(x: Tensor, shape: readonly number[]): View {
  return {
    storage: x.storage,
    shape,
    strides: broadcastStrides(x.shape, x.strides, shape),
    offset: x.offset,
  };
}

function broadcastBatch(a: Tensor, b: Tensor): number[] {
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const n = Math.max(ba.length, bb.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - ba.length ? 1 : ba[i - (n - ba.length)]!;
    const db = i < n - bb.length ? 1 : bb[i - (n - bb.length)]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `matmul: batch dims of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast (${da} != ${db} at batch dim ${i})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The float dtype integer products are computed in: exact for int32 where float64 exists. */
function computeDType(backend: Backend, dtype: DType): DType {
  if (isFloatingDType(dtype)) return dtype;
  return backend.dtypes.includes('float64') ? 'float64' : 'float32';
}

/** Batched product of two rank >= 2 operands (k already checked), recorded as `matmul`. */
function batched(backend: Backend, a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  const batch = broadcastBatch(a, b);
  const work = computeDType(backend, a.dtype);
  const ca = cast(a, work);
  const cb = cast(b, work);
  const out = newTensor(backend, work, [...batch, m, n]);
  // NOTE: alloc zero-fills, so an empty inner dim (k = 0) already gives the right (zero) product.
  if (out.numel() > 0 && k > 0) {
    backend.matmul(broadcastView(ca, [...batch, m, k]), broadcastView(cb, [...batch, k, n]), out.out_());
  }
  if (ca !== a) ca.dispose();
  if (cb !== b) cb.dispose();
  if (work !== a.dtype) {
    const back = cast(out, a.dtype);
    out.dispose();
    return back;
  }
  if (needsRecord2(a, b)) record('matmul', [a, b], [out], NO_ATTRS);
  return out;
}

/** Drops a view used only to route a 1-D operand through the batched product. */
function dropView(view: Tensor, base: Tensor): void {
  if (view !== base) view.dispose();
}

/**
 * Matrix product with all of PyTorch's cases: 1-D·1-D (dot, 0-dim result), 2-D·2-D, a 1-D
 * operand promoted to a matrix and its dim removed afterwards, and batched products whose batch
 * dims broadcast. Transposed and broadcast operands reach the kernel as strided views (no copy).
 * Integer operands are multiplied in float and cast back.
 *
 * @example
 * ```ts
 * import { tensor, matmul } from '@kiln/tensor';
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray(); // [[17], [39]]
 * matmul(tensor([1, 2]), tensor([3, 4])).item(); // 11
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  alive(a, 'matmul');
  alive(b, 'matmul');
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra === 0 || rb === 0) {
    throw new ShapeError(`matmul: both arguments need to be at least 1-D (got ${ra}-D and ${rb}-D)`);
  }
  const backend = checkPair('matmul', a, b);
  const ka = a.shape[ra - 1]!;
  const kb = rb === 1 ? b.shape[0]! : b.shape[rb - 2]!;
  if (ka !== kb) throw cannotMultiply('matmul', a.shape, b.shape, ka, kb);
  if (ra >= 2 && rb >= 2) return batched(backend, a, b);
  const a2 = ra === 1 ? unsqueeze(a, 0) : a;
  const b2 = rb === 1 ? unsqueeze(b, 1) : b;
  const y = batched(backend, a2, b2);
  const r = y.shape.length;
  const drop = ra === 1 && rb === 1 ? [r - 2, r - 1] : ra === 1 ? [r - 2] : [r - 1];
  const out = squeeze(y, drop);
  dropView(a2, a);
  dropView(b2, b);
  y.dispose();
  return out;
}

/**
 * Product of two matrices (2-D only, no broadcasting).
 *
 * @example
 * ```ts
 * import { tensor, mm } from '@kiln/tensor';
 * mm(tensor([[1, 0], [0, 2]]), tensor([[3], [4]])).toArray(); // [[3], [8]]
 * ```
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  const backend = checkPair('mm', a, b);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`mm: expected 2-D matrices (got ${a.shape.length}-D and ${b.shape.length}-D)`);
  }
  if (a.shape[1] !== b.shape[0]) throw cannotMultiply('mm', a.shape, b.shape, a.shape[1]!, b.shape[0]!);
  return batched(backend, a, b);
}

/**
 * Batched product of two 3-D tensors with the same batch size (no broadcasting).
 *
 * @example
 * ```ts
 * import { ones, bmm } from '@kiln/tensor';
 * bmm(ones([4, 2, 3]), ones([4, 3, 5])).shape; // [4, 2, 5]
 * ```
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  const backend = checkPair('bmm', a, b);
  if (a.shape.length !== 3 || b.shape.length !== 3) {
    throw new ShapeError(`bmm: expected 3-D tensors (got ${a.shape.length}-D and ${b.shape.length}-D)`);
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `bmm: batch1 and batch2 must have the same number of batches (got ${a.shape[0]} and ${b.shape[0]})`,
    );
  }
  if (a.shape[2] !== b.shape[1]) throw cannotMultiply('bmm', a.shape, b.shape, a.shape[2]!, b.shape[1]!);
  return batched(backend, a, b);
}

/**
 * Matrix-vector product.
 *
 * @example
 * ```ts
 * import { tensor, mv } from '@kiln/tensor';
 * mv(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray(); // [3, 7]
 * ```
 */
export function mv(a: Tensor, v: Tensor): Tensor {
  checkPair('mv', a, v);
  if (a.shape.length !== 2 || v.shape.length !== 1) {
    throw new ShapeError(
      `mv: expected a 2-D matrix and a 1-D vector (got ${a.shape.length}-D and ${v.shape.length}-D)`,
    );
  }
  if (a.shape[1] !== v.shape[0]) throw cannotMultiply('mv', a.shape, v.shape, a.shape[1]!, v.shape[0]!);
  return matmul(a, v);
}

/**
 * Inner product of two 1-D tensors of the same length (a 0-dim result).
 *
 * @example
 * ```ts
 * import { tensor, dot } from '@kiln/tensor';
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item(); // 32
 * ```
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkPair('dot', a, b);
  if (a.shape.length !== 1 || b.shape.length !== 1) {
    throw new ShapeError(
      `dot: 1D tensors expected (got ${a.shape.length}-D and ${b.shape.length}-D tensors)`,
    );
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `dot: inconsistent tensor size (got ${formatShape(a.shape)} and ${formatShape(b.shape)}, expected the same number of elements)`,
    );
  }
  return matmul(a, b);
}

/**
 * Outer product of two 1-D tensors: `out[i, j] = a[i] * b[j]` (dtypes promote as in `mul`).
 *
 * @example
 * ```ts
 * import { tensor, outer } from '@kiln/tensor';
 * outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(); // [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  alive(a, 'outer');
  alive(b, 'outer');
  if (a.shape.length !== 1 || b.shape.length !== 1) {
    throw new ShapeError(`outer: expected 1-D arguments (got ${a.shape.length}-D and ${b.shape.length}-D)`);
  }
  const column = unsqueeze(a, 1);
  const y = mul(column, b);
  column.dispose();
  return y;
}

/**
 * `x @ weight.T + bias` over any leading dims of `x` (PyTorch's `nn.functional.linear`):
 * `x` [..., in], `weight` [out, in], `bias` [out]. Uses the backend's fused
 * matmul+bias kernel when it has one and no gradient is being recorded.
 *
 * @example
 * ```ts
 * import { tensor, linear } from '@kiln/tensor';
 * linear(tensor([[1, 2]]), tensor([[1, 1], [0, 1]]), tensor([10, 20])).toArray(); // [[13, 22]]
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const backend = checkPair('linear', x, weight);
  if (weight.shape.length !== 2) {
    throw new ShapeError(
      `linear: weight must be 2-D (got ${weight.shape.length}-D of shape ${formatShape(weight.shape)})`,
    );
  }
  if (x.shape.length === 0) throw new ShapeError('linear: input must be at least 1-D (got a 0-dim tensor)');
  const inFeatures = x.shape[x.shape.length - 1]!;
  const [outFeatures, wIn] = weight.shape as [number, number];
  if (inFeatures !== wIn) throw cannotMultiply('linear', x.shape, [wIn, outFeatures], inFeatures, wIn);
  const b = bias ?? null;
  if (b !== null) {
    alive(b, 'linear');
    commonBackend('linear', x, b);
  }
  const fused = backend.kernels.matmulBiasActivation;
  const plainBias = b === null || (b.dtype === x.dtype && b.shape.length === 1 && b.shape[0] === outFeatures);
  if (fused !== undefined && isFloatingDType(x.dtype) && plainBias && !needsRecord([x, weight, b])) {
    const lead = x.shape.slice(0, -1);
    const x2 = x.shape.length === 2 ? x : reshape(x, [-1, inFeatures]);
    const rows = x2.shape[0]!;
    const out = newTensor(backend, x.dtype, [rows, outFeatures]);
    if (out.numel() > 0) {
      const wT: View = {
        storage: weight.storage,
        shape: [inFeatures, outFeatures],
        strides: [weight.strides[1]!, weight.strides[0]!],
        offset: weight.offset,
      };
      if (inFeatures > 0) fused.call(backend.kernels, x2, wT, b, 'none', out.out_());
      else if (b !== null) backend.copy(broadcastView(b, out.shape), out);
    }
    if (x2 !== x) x2.dispose();
    if (x.shape.length === 2) return out;
    const shape = [...lead, outFeatures];
    const y = viewTensor(out, shape, contiguousStrides(shape), 0, 'linear');
    out.dispose();
    return y;
  }
  const wT = t(weight);
  const y = matmul(x, wT);
  wT.dispose();
  if (b === null) return y;
  const z = add(y, b);
  y.dispose();
  return z;
}
