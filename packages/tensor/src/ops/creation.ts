import type { Backend } from '../backend/contract.js';
import { type DType, dtypeOfTypedArray, isFloatingDType, type TypedArray } from '../core/dtype.js';
import { checkShape, formatShape, shapeSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { DTypeError, ValueError } from '../errors/errors.js';
import { backendFor, checkBackendDType, newTensor } from '../internal/make.js';
import { defaultGenerator, type Generator } from '../random/generator.js';
import { setRequiresGrad } from './device.js';

/**
 * Where and how a new tensor is created.
 *
 * @example
 * ```ts
 * import { zeros, type CreateOptions } from '@kiln/tensor';
 * const options: CreateOptions = { dtype: 'float64', requiresGrad: true };
 * zeros([2], options);
 * ```
 */
export interface CreateOptions {
  /** Element type (float32 unless inferred from the data). */
  dtype?: DType;
  /** Device name (the default device unless given). */
  device?: string;
  /** Whether autograd tracks the new tensor (float dtypes only). */
  requiresGrad?: boolean;
}

/**
 * Options of random creation ops.
 *
 * @example
 * ```ts
 * import { Generator, rand } from '@kiln/tensor';
 * rand([2], { generator: new Generator(1) });
 * ```
 */
export interface RandomOptions extends CreateOptions {
  /** The generator to draw from (the default, seeded by `manualSeed`, unless given). */
  generator?: Generator;
}

/** Nested arrays of numbers or booleans, as `tensor()` takes and `toArray()` returns. */
export type NestedInput = number | boolean | readonly NestedInput[] | TypedArray;

function finish(t: Tensor, options: CreateOptions | undefined): Tensor {
  if (options?.requiresGrad === true) setRequiresGrad(t, true);
  return t;
}

function make(
  op: string,
  shape: readonly number[],
  dtype: DType,
  device: string | undefined,
): [Backend, Tensor] {
  const backend = backendFor(device);
  checkBackendDType(op, backend, dtype);
  return [backend, newTensor(backend, dtype, shape)];
}

function inferShape(data: NestedInput, shape: number[]): void {
  let level: NestedInput = data;
  while (Array.isArray(level) || ArrayBuffer.isView(level)) {
    const arr = level as readonly NestedInput[];
    shape.push(arr.length);
    if (arr.length === 0) return;
    level = arr[0]!;
  }
}

function flatten(
  data: NestedInput,
  shape: readonly number[],
  depth: number,
  out: number[],
  kinds: { float: boolean; bool: boolean; number: boolean },
): void {
  if (depth === shape.length) {
    if (typeof data === 'boolean') {
      kinds.bool = true;
      out.push(data ? 1 : 0);
    } else if (typeof data === 'number') {
      kinds.number = true;
      if (!Number.isInteger(data)) kinds.float = true;
      out.push(data);
    } else {
      throw new ValueError(
        `tensor: ragged nested arrays (got a sequence at depth ${depth}, expected a number as in shape ${formatShape(shape)})`,
      );
    }
    return;
  }
  const size = shape[depth]!;
  if (ArrayBuffer.isView(data)) {
    const arr = data as TypedArray;
    if (arr.length !== size || depth !== shape.length - 1) {
      throw new ValueError(
        `tensor: ragged nested arrays (got length ${arr.length} at depth ${depth}, expected ${size})`,
      );
    }
    if (arr instanceof Float32Array || arr instanceof Float64Array) kinds.float = true;
    kinds.number = true;
    for (let i = 0; i < arr.length; i++) out.push(arr[i]!);
    return;
  }
  if (!Array.isArray(data)) {
    throw new ValueError(
      `tensor: ragged nested arrays (got ${typeof data} at depth ${depth}, expected a sequence of length ${size})`,
    );
  }
  if (data.length !== size) {
    throw new ValueError(
      `tensor: ragged nested arrays (got a sequence of length ${data.length} at depth ${depth}, expected ${size})`,
    );
  }
  for (let i = 0; i < size; i++) flatten(data[i] as NestedInput, shape, depth + 1, out, kinds);
}

/**
 * Creates a tensor from nested arrays, a number, a boolean or a typed array, copying the data.
 * The dtype is inferred as PyTorch does (booleans → bool, integers → int32 (PyTorch's int64),
 * otherwise float32) unless given.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * tensor([[1.5, 2], [3, 4]]).shape; // [2, 2]
 * tensor([1, 2]).dtype; // 'int32'
 * tensor([true, false]).dtype; // 'bool'
 * ```
 */
export function tensor(data: NestedInput, options?: CreateOptions): Tensor {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const arr = data as TypedArray;
    return fromTypedArray(arr, [arr.length], options);
  }
  const shape: number[] = [];
  inferShape(data, shape);
  const flat: number[] = [];
  const kinds = { float: false, bool: false, number: false };
  flatten(data, shape, 0, flat, kinds);
  for (const v of flat) {
    if (typeof v !== 'number')
      throw new ValueError(`tensor: elements must be numbers or booleans (got ${typeof v})`);
  }
  const inferred: DType =
    kinds.bool && !kinds.number ? 'bool' : kinds.float ? 'float32' : kinds.number ? 'int32' : 'float32';
  const dtype = options?.dtype ?? inferred;
  const [backend, t] = make('tensor', shape, dtype, options?.device);
  if (flat.length > 0) backend.write(t.storage, toTyped(flat, dtype));
  return finish(t, options);
}

function toTyped(values: readonly number[], dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values, (v) => Math.trunc(v));
    default:
      return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  }
}

/**
 * Creates a tensor of the given shape from a typed array (copied), dtype taken from the array
 * (`Uint8Array` → bool) unless given.
 *
 * @example
 * ```ts
 * import { fromTypedArray } from '@kiln/tensor';
 * fromTypedArray(new Float32Array([1, 2, 3, 4]), [2, 2]).shape; // [2, 2]
 * ```
 */
export function fromTypedArray(array: TypedArray, shape: readonly number[], options?: CreateOptions): Tensor {
  const s = checkShape(shape, 'fromTypedArray');
  const n = shapeSize(s);
  if (n !== array.length) {
    throw new ValueError(
      `fromTypedArray: shape ${formatShape(s)} holds ${n} elements (got an array of ${array.length})`,
    );
  }
  const natural = dtypeOfTypedArray(array);
  const dtype = options?.dtype ?? natural;
  const [backend, t] = make('fromTypedArray', s, dtype, options?.device);
  if (n > 0) {
    backend.write(
      t.storage,
      dtype === natural ? array : toTyped(Array.from(array as ArrayLike<number>), dtype),
    );
  }
  return finish(t, options);
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * import { zeros } from '@kiln/tensor';
 * zeros([2, 3]).toArray(); // [[0, 0, 0], [0, 0, 0]]
 * ```
 */
export function zeros(shape: readonly number[] | number, options?: CreateOptions): Tensor {
  const [, t] = make('zeros', checkShape(shape, 'zeros'), options?.dtype ?? 'float32', options?.device);
  return finish(t, options);
}

/**
 * An uninitialised tensor (zeros here: every backend allocates zeroed memory).
 *
 * @example
 * ```ts
 * import { empty } from '@kiln/tensor';
 * empty([2]).shape; // [2]
 * ```
 */
export function empty(shape: readonly number[] | number, options?: CreateOptions): Tensor {
  const [, t] = make('empty', checkShape(shape, 'empty'), options?.dtype ?? 'float32', options?.device);
  return finish(t, options);
}

/**
 * A tensor filled with one value (dtype inferred from the value unless given).
 *
 * @example
 * ```ts
 * import { full } from '@kiln/tensor';
 * full([2], 7).toArray(); // [7, 7]
 * ```
 */
export function full(
  shape: readonly number[] | number,
  value: number | boolean,
  options?: CreateOptions,
): Tensor {
  if (
    typeof value === 'number' &&
    Number.isNaN(value) &&
    options?.dtype !== undefined &&
    !isFloatingDType(options.dtype)
  ) {
    throw new ValueError(`full: NaN cannot be stored in dtype ${options.dtype}`);
  }
  const dtype =
    options?.dtype ?? (typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int32' : 'float32');
  const [backend, t] = make('full', checkShape(shape, 'full'), dtype, options?.device);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (v !== 0 && t.numel() > 0) backend.fill(t, v);
  return finish(t, options);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * import { ones } from '@kiln/tensor';
 * ones([2]).toArray(); // [1, 1]
 * ```
 */
export function ones(shape: readonly number[] | number, options?: CreateOptions): Tensor {
  return full(shape, 1, { ...options, dtype: options?.dtype ?? 'float32' });
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`; `arange(n)` counts `0 … n-1`.
 * Integer arguments give int32, as PyTorch gives int64.
 *
 * @example
 * ```ts
 * import { arange } from '@kiln/tensor';
 * arange(4).toArray(); // [0, 1, 2, 3]
 * arange(1, 2, 0.25).toArray(); // [1, 1.25, 1.5, 1.75]
 * ```
 */
export function arange(start: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  let lo = start;
  let hi = end;
  if (hi === undefined) {
    hi = start;
    lo = 0;
  }
  for (const [name, v] of [
    ['start', lo],
    ['end', hi],
    ['step', step],
  ] as const) {
    if (!Number.isFinite(v)) throw new ValueError(`arange: ${name} must be finite (got ${v})`);
  }
  if (step === 0) throw new ValueError('arange: step must be nonzero (got 0)');
  if ((hi - lo) / step < 0) {
    throw new ValueError(
      `arange: upper bound and larger bound inconsistent with step sign (got start ${lo}, end ${hi}, step ${step})`,
    );
  }
  const n = Math.ceil((hi - lo) / step);
  const allInt = Number.isInteger(lo) && Number.isInteger(hi) && Number.isInteger(step);
  const dtype = options?.dtype ?? (allInt ? 'int32' : 'float32');
  const [backend, t] = make('arange', [n], dtype, options?.device);
  if (n > 0) backend.arange(t.out_(), lo, step);
  return finish(t, options);
}

/**
 * `steps` values evenly spaced from `start` to `end`, both included.
 *
 * @example
 * ```ts
 * import { linspace } from '@kiln/tensor';
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0) {
    throw new ValueError(`linspace: number of steps must be a non-negative integer (got ${steps})`);
  }
  const dtype = options?.dtype ?? 'float32';
  const [backend, t] = make('linspace', [steps], dtype, options?.device);
  if (steps > 0) {
    // NOTE: PyTorch computes the second half from the end, so both ends are exact.
    const values = new Float64Array(steps);
    const step = steps === 1 ? 0 : (end - start) / (steps - 1);
    const half = Math.floor(steps / 2);
    for (let i = 0; i < steps; i++) values[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
    backend.write(t.storage, toTyped(Array.from(values), dtype));
  }
  return finish(t, options);
}

/**
 * An identity matrix of `n` rows and `m` (default `n`) columns.
 *
 * @example
 * ```ts
 * import { eye } from '@kiln/tensor';
 * eye(2).toArray(); // [[1, 0], [0, 1]]
 * ```
 */
export function eye(n: number, m?: number, options?: CreateOptions): Tensor {
  const cols = m ?? n;
  const shape = checkShape([n, cols], 'eye');
  const dtype = options?.dtype ?? 'float32';
  const [backend, t] = make('eye', shape, dtype, options?.device);
  const d = Math.min(n, cols);
  if (d > 0) backend.fill({ storage: t.storage, shape: [d], strides: [cols + 1], offset: 0 }, 1);
  return finish(t, options);
}

function randomFill(
  op: string,
  shape: readonly number[] | number,
  distribution: 'uniform' | 'normal',
  options?: RandomOptions,
): Tensor {
  const s = checkShape(shape, op);
  const dtype = options?.dtype ?? 'float32';
  if (!isFloatingDType(dtype)) throw new DTypeError(`${op}: dtype must be floating point (got ${dtype})`);
  const [backend, t] = make(op, s, dtype, options?.device);
  const n = t.numel();
  if (n > 0) {
    const g = options?.generator ?? defaultGenerator;
    const seed = g.initialSeed();
    backend.random(t.out_(), distribution, seed, g.reserve(n));
  }
  return finish(t, options);
}

/**
 * Uniform samples in `[0, 1)`.
 *
 * @example
 * ```ts
 * import { manualSeed, rand } from '@kiln/tensor';
 * manualSeed(0);
 * rand([2, 2]).shape; // [2, 2]
 * ```
 */
export function rand(shape: readonly number[] | number, options?: RandomOptions): Tensor {
  return randomFill('rand', shape, 'uniform', options);
}

/**
 * Standard normal samples.
 *
 * @example
 * ```ts
 * import { randn } from '@kiln/tensor';
 * randn([3]).shape; // [3]
 * ```
 */
export function randn(shape: readonly number[] | number, options?: RandomOptions): Tensor {
  return randomFill('randn', shape, 'normal', options);
}

/**
 * Uniform random integers in `[low, high)` (int32 unless a dtype is given).
 *
 * @example
 * ```ts
 * import { randint } from '@kiln/tensor';
 * randint(0, 10, [4]).dtype; // 'int32'
 * ```
 */
export function randint(
  low: number,
  high: number,
  shape: readonly number[] | number,
  options?: RandomOptions,
): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high)) {
    throw new ValueError(`randint: low and high must be integers (got ${low} and ${high})`);
  }
  if (high <= low)
    throw new ValueError(
      `randint: random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`,
    );
  const s = checkShape(shape, 'randint');
  const dtype = options?.dtype ?? 'int32';
  const [backend, t] = make('randint', s, dtype, options?.device);
  const n = t.numel();
  if (n > 0) {
    const u = (options?.generator ?? defaultGenerator).uniform(n);
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) values[i] = low + Math.floor(u[i]! * (high - low));
    backend.write(t.storage, toTyped(values, dtype));
  }
  return finish(t, options);
}

/**
 * A random permutation of `0 … n-1` (int32).
 *
 * @example
 * ```ts
 * import { randperm } from '@kiln/tensor';
 * randperm(4).shape; // [4]
 * ```
 */
export function randperm(n: number, options?: RandomOptions): Tensor {
  const [s0] = checkShape([n], 'randperm');
  const dtype = options?.dtype ?? 'int32';
  const [backend, t] = make('randperm', [s0!], dtype, options?.device);
  if (n > 0) {
    const perm = (options?.generator ?? defaultGenerator).permutation(n);
    backend.write(t.storage, dtype === 'int32' ? perm : toTyped(Array.from(perm), dtype));
  }
  return finish(t, options);
}

function like(x: Tensor, options: CreateOptions | undefined): CreateOptions {
  return {
    dtype: options?.dtype ?? x.dtype,
    device: options?.device ?? x.device,
    requiresGrad: options?.requiresGrad ?? false,
  };
}

/**
 * Zeros with another tensor's shape, dtype and device.
 *
 * @example
 * ```ts
 * import { zerosLike, ones } from '@kiln/tensor';
 * zerosLike(ones([2])).toArray(); // [0, 0]
 * ```
 */
export function zerosLike(x: Tensor, options?: CreateOptions): Tensor {
  return zeros(x.shape, like(x, options));
}

/**
 * Ones with another tensor's shape, dtype and device.
 *
 * @example
 * ```ts
 * import { onesLike, zeros } from '@kiln/tensor';
 * onesLike(zeros([2])).toArray(); // [1, 1]
 * ```
 */
export function onesLike(x: Tensor, options?: CreateOptions): Tensor {
  return full(x.shape, 1, like(x, options));
}

/**
 * A filled tensor with another tensor's shape, dtype and device.
 *
 * @example
 * ```ts
 * import { fullLike, zeros } from '@kiln/tensor';
 * fullLike(zeros([2]), 3).toArray(); // [3, 3]
 * ```
 */
export function fullLike(x: Tensor, value: number | boolean, options?: CreateOptions): Tensor {
  return full(x.shape, value, like(x, options));
}

/**
 * An uninitialised tensor with another tensor's shape, dtype and device.
 *
 * @example
 * ```ts
 * import { emptyLike, zeros } from '@kiln/tensor';
 * emptyLike(zeros([2])).shape; // [2]
 * ```
 */
export function emptyLike(x: Tensor, options?: CreateOptions): Tensor {
  return empty(x.shape, like(x, options));
}

/**
 * Uniform samples with another tensor's shape, dtype and device.
 *
 * @example
 * ```ts
 * import { randLike, zeros } from '@kiln/tensor';
 * randLike(zeros([2])).shape; // [2]
 * ```
 */
export function randLike(x: Tensor, options?: RandomOptions): Tensor {
  return rand(x.shape, {
    ...like(x, options),
    ...(options?.generator ? { generator: options.generator } : {}),
  });
}

/**
 * Normal samples with another tensor's shape, dtype and device.
 *
 * @example
 * ```ts
 * import { randnLike, zeros } from '@kiln/tensor';
 * randnLike(zeros([2])).shape; // [2]
 * ```
 */
export function randnLike(x: Tensor, options?: RandomOptions): Tensor {
  return randn(x.shape, {
    ...like(x, options),
    ...(options?.generator ? { generator: options.generator } : {}),
  });
}
