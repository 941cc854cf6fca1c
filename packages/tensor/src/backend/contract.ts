import type { DType, TypedArray } from '../core/dtype.js';

/**
 * The version of the kernel contract this package speaks. A backend declares the version it
 * implements in {@link Backend.specVersion}; registering a backend of another version fails.
 *
 * @example
 * ```ts
 * import { KERNEL_SPEC_VERSION } from '@kiln/tensor';
 * KERNEL_SPEC_VERSION; // 1
 * ```
 */
export const KERNEL_SPEC_VERSION = 1 as const;

/**
 * An opaque handle to a block of device memory that a backend owns.
 *
 * The core never looks inside beyond `dtype` and `length`; a backend may put anything it needs
 * on the object (a typed array, an offset into a WebAssembly memory, a native pointer).
 *
 * @example
 * ```ts
 * import { getBackend } from '@kiln/tensor';
 * const s = getBackend('cpu').alloc('float32', 4);
 * s.length; // 4
 * ```
 */
export interface Storage {
  /** Element type of every element in the block. */
  readonly dtype: DType;
  /** Number of elements (not bytes). */
  readonly length: number;
}

/**
 * A strided view of a storage, as kernels see their inputs.
 *
 * Element `[i0, i1, …]` lives at `offset + Σ ik·strides[k]` in `storage`. Strides are in elements,
 * may be 0 (broadcast) and are never negative. `shape` may contain 0 (an empty tensor).
 *
 * @example
 * ```ts
 * import type { View } from '@kiln/tensor';
 * const describe = (v: View) => `${v.shape.join('x')} @ ${v.offset}`;
 * ```
 */
export interface View {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * The destination of a kernel: a contiguous row-major block of `storage` starting at `offset`,
 * with the op's output shape. It may alias an input exactly (in-place ops); element `i` of the
 * output is then written only after element `i` of every input is read.
 *
 * @example
 * ```ts
 * import type { Out } from '@kiln/tensor';
 * const size = (o: Out) => o.shape.reduce((a, b) => a * b, 1);
 * ```
 */
export interface Out {
  readonly storage: Storage;
  readonly shape: readonly number[];
  readonly offset: number;
}

/**
 * Elementwise one-input ops. Inputs and outputs share a dtype except `logicalNot` (bool out)
 * and `isnan`/`isinf`/`isfinite` (bool out). Float-only ops are only called with float inputs.
 *
 * @example
 * ```ts
 * import type { UnaryOp } from '@kiln/tensor';
 * const op: UnaryOp = 'exp';
 * ```
 */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'square'
  | 'exp'
  | 'expm1'
  | 'log'
  | 'log1p'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'asin'
  | 'acos'
  | 'atan'
  | 'sinh'
  | 'cosh'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'erf'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'trunc'
  | 'logicalNot'
  | 'isnan'
  | 'isinf'
  | 'isfinite';

/**
 * Elementwise two-input ops. Both inputs have the same dtype; the output has that dtype except
 * the comparisons and logical ops, which write bool.
 * `round` uses round-half-to-even, `div` is true division for floats and truncating division
 * is never asked for (the core casts integers to float first), `pow` follows IEEE `pow`,
 * `max`/`min` propagate NaN.
 *
 * @example
 * ```ts
 * import type { BinaryOp } from '@kiln/tensor';
 * const op: BinaryOp = 'add';
 * ```
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'max'
  | 'min'
  | 'atan2'
  | 'fmod'
  | 'remainder'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr'
  | 'logicalXor';

/**
 * Reductions over a set of axes. `sum`/`prod` of bool or int32 input write int32; `max`/`min`
 * keep the input dtype and propagate NaN; `any`/`all` write bool; `argmax`/`argmin` take one
 * axis, write int32 and return the first index of the extreme value (NaN counts as the maximum,
 * as in PyTorch).
 *
 * @example
 * ```ts
 * import type { ReduceOp } from '@kiln/tensor';
 * const op: ReduceOp = 'sum';
 * ```
 */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin' | 'any' | 'all';

/**
 * Inclusive scans along one axis.
 *
 * @example
 * ```ts
 * import type { ScanOp } from '@kiln/tensor';
 * const op: ScanOp = 'cumsum';
 * ```
 */
export type ScanOp = 'cumsum' | 'cumprod' | 'cummax' | 'cummin';

/**
 * Distributions of {@link Backend.random}.
 *
 * @example
 * ```ts
 * import type { RandomDistribution } from '@kiln/tensor';
 * const d: RandomDistribution = 'normal';
 * ```
 */
export type RandomDistribution = 'uniform' | 'normal';

/**
 * What `memory()` reports: live bytes and buffers, plus anything backend-specific.
 *
 * @example
 * ```ts
 * import { memory } from '@kiln/tensor';
 * memory('cpu').bytesInUse >= 0; // true
 * ```
 */
export interface MemoryInfo {
  /** Bytes held by storages that have not been freed. */
  readonly bytesInUse: number;
  /** Number of storages that have not been freed. */
  readonly buffers: number;
  /** Bytes the backend reserved from its platform (heap size, cached blocks), if it pools. */
  readonly bytesReserved?: number;
  /** Anything else worth reporting (peak, cache hits, heap limit …). */
  readonly [extra: string]: number | undefined;
}

/**
 * Human-readable facts about a backend: what it runs on and how.
 *
 * @example
 * ```ts
 * import { getBackend } from '@kiln/tensor';
 * getBackend('cpu').info().name; // 'cpu'
 * ```
 */
export interface BackendInfo {
  readonly name: string;
  /** Threads used for compute (1 for single-threaded backends). */
  readonly threads: number;
  /** Free-form notes, e.g. why threads fell back to 1. */
  readonly notes: readonly string[];
  readonly [extra: string]: unknown;
}

/**
 * Options of a 2-D convolution or pooling window (already normalised to pairs by the core).
 *
 * @example
 * ```ts
 * import type { Conv2dParams } from '@kiln/tensor';
 * const p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
 * ```
 */
export interface Conv2dParams {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

/**
 * Optional accelerated kernels. A backend implements any subset; the core uses its own
 * decomposition into primitives for the rest. Every kernel receives validated inputs
 * (shapes, dtypes, devices checked by the core) and writes a freshly allocated contiguous `out`.
 *
 * @example
 * ```ts
 * import type { OptionalKernels } from '@kiln/tensor';
 * const none: OptionalKernels = {};
 * ```
 */
export interface OptionalKernels {
  /**
   * 2-D convolution, NCHW. `x` [N, C, H, W], `weight` [O, C/groups, kh, kw], `bias` [O] or null,
   * `out` [N, O, Ho, Wo].
   */
  conv2d?(x: View, weight: View, bias: View | null, params: Conv2dParams, out: Out): void;
  /**
   * Gradient of conv2d with respect to its input: `gradOut` [N, O, Ho, Wo], `weight`
   * [O, C/groups, kh, kw], `out` [N, C, H, W] (H and W given by `out.shape`).
   */
  conv2dBackwardInput?(gradOut: View, weight: View, params: Conv2dParams, out: Out): void;
  /**
   * Gradient of conv2d with respect to its weight: `x` [N, C, H, W], `gradOut` [N, O, Ho, Wo],
   * `out` [O, C/groups, kh, kw].
   */
  conv2dBackwardWeight?(x: View, gradOut: View, params: Conv2dParams, out: Out): void;
  /**
   * Max pooling, NCHW, with `-Infinity` padding. Writes values to `out` and, when given, the flat
   * index `h * W + w` of each maximum within its (N, C) plane to `indices` (int32).
   */
  maxPool2d?(
    x: View,
    kernel: readonly [number, number],
    params: Omit<Conv2dParams, 'groups'> & { readonly ceilMode: boolean },
    out: Out,
    indices: Out | null,
  ): void;
  /** Softmax along `axis` (the last axis after the core's permutation, when `axis` is last). */
  softmax?(x: View, axis: number, out: Out): void;
  /** Log-softmax along `axis`. */
  logSoftmax?(x: View, axis: number, out: Out): void;
  /**
   * Layer normalisation over the trailing `normalizedSize` elements of each row of a contiguous
   * `x`; `weight`/`bias` [normalizedSize] or null. Also writes per-row mean and reciprocal standard
   * deviation when `mean`/`rstd` are given.
   */
  layerNorm?(
    x: View,
    normalizedSize: number,
    weight: View | null,
    bias: View | null,
    eps: number,
    out: Out,
    mean: Out | null,
    rstd: Out | null,
  ): void;
  /**
   * Training-mode batch normalisation of a contiguous `x` viewed as [N, C, S] (S: the spatial
   * dims flattened, 1 for a [N, C] input): per channel, the mean and the biased variance of its
   * N·S values, then `out = (x − mean) / sqrt(variance + eps) · weight + bias` (`weight`/`bias`
   * [C] or null). Writes the statistics to `mean` and `variance` [C]: the gradient and the
   * running averages use them.
   */
  batchNorm?(
    x: View,
    weight: View | null,
    bias: View | null,
    eps: number,
    out: Out,
    mean: Out,
    variance: Out,
  ): void;
  /**
   * Softmax cross-entropy of contiguous `logits` [N, C] against class indices `target` [N]
   * (int32): `out[i] = logsumexp(logits[i]) − logits[i, target[i]]`, and 0 where `target[i]` is
   * `ignoreIndex`. The core has checked that every other target lies in [0, C).
   */
  crossEntropy?(logits: View, target: View, ignoreIndex: number, out: Out): void;
  /**
   * The gradient of {@link OptionalKernels.crossEntropy}: `out[i, j] = gradOut[i] ·
   * (softmax(logits[i])[j] − (j = target[i] ? 1 : 0))`, a row of zeros where `target[i]` is
   * `ignoreIndex`; `gradOut` [N], `out` [N, C] contiguous.
   */
  crossEntropyBackward?(logits: View, target: View, gradOut: View, ignoreIndex: number, out: Out): void;
  /** Exact (erf) or tanh-approximated GELU. */
  gelu?(x: View, approximate: 'none' | 'tanh', out: Out): void;
  /**
   * `out = activation(a @ b + bias)` for 2-D `a` [m, k] and `b` [k, n] (strided, so transposed
   * operands cost no copy), `bias` [n] or null.
   */
  matmulBiasActivation?(
    a: View,
    b: View,
    bias: View | null,
    activation: 'none' | 'relu' | 'gelu',
    out: Out,
  ): void;
  /**
   * One Adam/AdamW step in place on contiguous float storages of equal length. `step` is the
   * 1-based step count after increment.
   */
  adamStep?(
    param: Out,
    grad: View,
    expAvg: Out,
    expAvgSq: Out,
    options: {
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly decoupled: boolean;
      readonly step: number;
      readonly maximize: boolean;
    },
  ): void;
  /** One SGD step in place (`momentumBuffer` null when momentum is 0). */
  sgdStep?(
    param: Out,
    grad: View,
    momentumBuffer: Out | null,
    options: {
      readonly lr: number;
      readonly momentum: number;
      readonly dampening: number;
      readonly weightDecay: number;
      readonly nesterov: boolean;
      readonly maximize: boolean;
      readonly firstStep: boolean;
    },
  ): void;
}

/**
 * The kernel contract: everything a device must do for Kiln to run on it.
 *
 * The core validates every argument (shapes, dtypes, devices, index ranges it can check without
 * reading data) and allocates every output, so kernels compute and nothing else. Views carry
 * strides, so broadcasting (stride 0), transposes and slices reach kernels without copies.
 * Kernels are synchronous from the core's point of view: they may queue work on a device, as long
 * as later kernels and `read` see its effects in order.
 *
 * @example
 * ```ts
 * import { registerBackend, KERNEL_SPEC_VERSION, type Backend } from '@kiln/tensor';
 * declare const myBackend: Backend;
 * if (myBackend.specVersion === KERNEL_SPEC_VERSION) registerBackend(myBackend);
 * ```
 */
export interface Backend {
  /** The device name tensors use (`'cpu'`, `'wasm'`, `'cuda'` or a plugin's). */
  readonly name: string;
  /** The contract version implemented; must equal {@link KERNEL_SPEC_VERSION}. */
  readonly specVersion: typeof KERNEL_SPEC_VERSION;
  /** The dtypes this backend stores and computes. `float32`, `int32` and `bool` are required. */
  readonly dtypes: readonly DType[];
  /** Accelerated kernels this backend offers; missing ones fall back to core decompositions. */
  readonly kernels: OptionalKernels;
  /**
   * True when storages are ordinary garbage-collected memory (typed arrays) that the JavaScript
   * engine reclaims by itself once unreachable. The core then skips its per-storage
   * `FinalizationRegistry` (a measurable part of a small op's cost) and calls `free` only for
   * explicitly disposed storages; the backend accounts for collected ones itself. Absent or false:
   * the core frees unreachable storages through its registry.
   */
  readonly garbageCollected?: boolean;

  /** Facts about the backend (threads, notes). */
  info(): BackendInfo;

  /**
   * Allocates `length` elements of `dtype`, zero-filled. With `uninitialized`, the core promises
   * to overwrite every element before reading any (an elementwise kernel's output), so the backend
   * may skip the zero-fill; ignoring the hint is always correct. Throws a `BackendError` on
   * exhaustion.
   */
  alloc(dtype: DType, length: number, options?: { readonly uninitialized?: boolean }): Storage;
  /** Releases a storage. The core calls this exactly once per storage. */
  free(storage: Storage): void;
  /** Copies host data into `storage` starting at element `offset` (default 0). */
  write(storage: Storage, data: TypedArray, offset?: number): void;
  /** Reads `length` elements from element `offset` into a new host array. */
  read(storage: Storage, offset: number, length: number): Promise<TypedArray>;
  /** Synchronous read, where the device allows it (absent on devices that cannot block). */
  readSync?(storage: Storage, offset: number, length: number): TypedArray;
  /** Live memory statistics. */
  memory(): MemoryInfo;
  /** Waits for queued work (devices with queues); resolves at once elsewhere. */
  synchronize?(): Promise<void>;

  /** `out = op(x)`. `x.shape` equals `out.shape`. */
  unary(op: UnaryOp, x: View, out: Out): void;
  /** `out = op(a, b)`. `a` and `b` are already broadcast to `out.shape` (stride 0 where expanded). */
  binary(op: BinaryOp, a: View, b: View, out: Out): void;
  /** `out = cond ? a : b` with `cond` bool; all three broadcast to `out.shape`. */
  where(cond: View, a: View, b: View, out: Out): void;
  /** Converts `x` to `out.storage.dtype` (float→int truncates toward zero; →bool is `!= 0`). */
  cast(x: View, out: Out): void;
  /**
   * Reduces `x` over `axes` (sorted, unique, non-empty). `out.shape` is `x.shape` with those axes
   * removed. Empty reductions give the identity (sum 0, prod 1, any false, all true); the core
   * never asks for max/min/argmax/argmin over an empty axis.
   */
  reduce(op: ReduceOp, x: View, axes: readonly number[], out: Out): void;
  /** Inclusive scan of `x` along `axis` into `out` (same shape). */
  scan(op: ScanOp, x: View, axis: number, out: Out): void;
  /** Copies `src` into the strided view `dst` (same shape, same dtype; `dst` is not broadcast). */
  copy(src: View, dst: View): void;
  /** Writes `value` to every element of the strided view `dst`. */
  fill(dst: View, value: number): void;
  /** Writes `start + i * step` to element `i` of `out`. */
  arange(out: Out, start: number, step: number): void;
  /**
   * Batched matrix product: `a` [...batch, m, k] and `b` [...batch, k, n] already broadcast to
   * the output's batch shape (stride 0 where broadcast), any strides; `out` [...batch, m, n].
   * Float dtypes only.
   */
  matmul(a: View, b: View, out: Out): void;
  /**
   * `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `axis`; `index` is int32 with the
   * shape of `out` and values already checked to be in `[0, x.shape[axis])`.
   */
  gather(x: View, axis: number, index: View, out: Out): void;
  /**
   * `dst[..., index[..., i, ...], ...] += src[..., i, ...]` along `axis`, in place on the contiguous
   * `dst`; `index` and `src` share a shape; index values already checked.
   */
  scatterAdd(dst: Out, axis: number, index: View, src: View): void;
  /**
   * Selects slices of `x` along `axis` by a 1-D int32 `index` (values already checked):
   * `out.shape[axis] = index.shape[0]`.
   */
  indexSelect(x: View, axis: number, index: View, out: Out): void;
  /**
   * Fills `out` (float) from the counter-based Philox4x32-10 generator, keyed by `seed` (an
   * integer below 2^53: low 32 bits as key word 0, high bits as key word 1). Element `i` uses
   * counter `(offset + i) mod 2^32, floor((offset + i) / 2^32), 0, 0` and its output words
   * `w0, w1`; `uniform` is `(w0 >>> 8) * 2^-24` in `[0, 1)`, `normal` is
   * `sqrt(-2 ln(((w0 >>> 8) + 1) * 2^-24)) * cos(2π (w1 >>> 8) * 2^-24)`, computed in float64 and
   * rounded to the output dtype. Every backend gives the same numbers for the same seed and offset.
   */
  random(out: Out, distribution: RandomDistribution, seed: number, offset: number): void;
}
