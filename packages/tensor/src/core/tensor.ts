import type { Backend, Out, View } from '../backend/contract.js';
import { ValueError } from '../errors/errors.js';
import * as act from '../ops/activation.js';
import * as bin from '../ops/binary.js';
import * as conv from '../ops/device.js';
import * as idx from '../ops/indexing.js';
import * as inplace from '../ops/inplace.js';
import * as la from '../ops/linalg.js';
import * as sm from '../ops/nn/softmax.js';
import * as read from '../ops/read.js';
import * as rearr from '../ops/rearrange.js';
import * as red from '../ops/reduce.js';
import * as shp from '../ops/shape.js';
import * as un from '../ops/unary.js';
import { getAutogradHook } from './dispatch.js';
import type { DType, TypedArray, TypedArrayFor } from './dtype.js';
import { release, type StorageHandle } from './lifecycle.js';
import { keepFromScopes, trackInScope } from './scope.js';

/** A number or a tensor, where PyTorch accepts either. */
export type TensorOrScalar = Tensor | number | boolean;

/**
 * The node autograd attaches to a tensor produced by a recorded op (PyTorch's `grad_fn`).
 * The core only knows its printable name; `@kiln/autograd` owns the rest.
 *
 * @example
 * ```ts
 * import type { GradFnLike } from '@kiln/tensor';
 * const show = (g: GradFnLike | null) => g?.name ?? 'leaf';
 * ```
 */
export interface GradFnLike {
  /** PyTorch-style name, e.g. `MulBackward0`. */
  readonly name: string;
}

/** A hook on a tensor's gradient: may return a replacement gradient. */
export type TensorHook = (grad: Tensor) => Tensor | undefined | void;

/**
 * An n-dimensional array on a device, with PyTorch's semantics: dtypes with type promotion,
 * broadcasting, views that share storage, in-place ops with a version counter, and autograd
 * fields that `@kiln/autograd` fills in.
 *
 * Create tensors with the factory functions (`tensor`, `zeros`, `randn`, …), not `new`.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * const a = tensor([[1, 2], [3, 4]]);
 * a.add(1).matmul(a).toArray(); // [[11, 16], [19, 28]]
 * ```
 */
export class Tensor {
  /** @internal The shared storage handle (refcount, version counter). */
  readonly handle: StorageHandle;
  /** Element type. */
  readonly dtype: DType;
  /** Sizes along each dimension. */
  readonly shape: readonly number[];
  /** Element strides along each dimension (0 where broadcast). */
  readonly strides: readonly number[];
  /** Element offset of `[0, …, 0]` in the storage. */
  readonly offset: number;
  /** @internal Whether this view's reference has been released. */
  isDisposed = false;

  /** @internal */
  _requiresGrad = false;
  /** Accumulated gradient of a leaf after `backward()` (or of a tensor that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor, or null for leaves. */
  gradFn: GradFnLike | null = null;
  /** @internal Whether `retainGrad()` was called on a non-leaf. */
  _retainsGrad = false;
  /** @internal Hooks registered with `registerHook`. */
  _hooks: TensorHook[] | null = null;
  /** @internal For autograd: which output of its node this tensor is. */
  _outputIndex = 0;

  /** @internal Use the factory functions instead. */
  constructor(
    handle: StorageHandle,
    dtype: DType,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
  ) {
    this.handle = handle;
    this.dtype = dtype;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    trackInScope(this);
  }

  /** The device name this tensor lives on (`'cpu'`, `'wasm'`, …). */
  get device(): string {
    return this.handle.backend.name;
  }

  /** @internal The backend that owns the storage. */
  get backend(): Backend {
    return this.handle.backend;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** Total number of elements. */
  numel(): number {
    let n = 1;
    for (let i = 0; i < this.shape.length; i++) n *= this.shape[i]!;
    return n;
  }

  /** The shape, or the size along one (possibly negative) dim. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return this.shape.slice();
    return this.shape[shp.checkedDim(dim, this.shape.length, 'size')]!;
  }

  /** The strides, or the stride along one dim (PyTorch's `stride()`). */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this.strides.slice();
    return this.strides[shp.checkedDim(dim, this.shape.length, 'stride')]!;
  }

  /** The version counter, bumped by every in-place op on this storage. */
  get version(): number {
    return this.handle.version;
  }

  /** Whether gradients flow into this tensor. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /** Whether this tensor is a leaf of the graph (created by the user, not by a recorded op). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Whether the layout is row-major without gaps. */
  isContiguous(): boolean {
    return shp.isContiguousTensor(this);
  }

  /** @internal The kernel view of this tensor (throws if disposed). */
  view_(op: string): View {
    if (this.isDisposed || this.handle.freed) throw disposedError(op);
    return this;
  }

  /** @internal Kernel destination for a contiguous tensor. */
  out_(): Out {
    return { storage: this.handle.storage, shape: this.shape, offset: this.offset };
  }

  /** @internal The storage, as kernels see it. */
  get storage(): View['storage'] {
    return this.handle.storage;
  }

  // ---- memory -------------------------------------------------------------------------------

  /**
   * Releases this tensor's reference to its storage now; the storage is freed when no view of it
   * is left. Using the tensor afterwards throws. Idempotent.
   */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    release(this.handle);
  }

  /** `using t = …` support: disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Keeps this tensor alive past the enclosing `tidy` scopes. Returns itself. */
  keep(): this {
    keepFromScopes(this);
    return this;
  }

  // ---- autograd fields (behaviour comes from @kiln/autograd) ---------------------------------

  /** Sets whether autograd records ops on this tensor (leaves of float dtype only). */
  requiresGrad_(requiresGrad = true): this {
    return conv.setRequiresGrad(this, requiresGrad);
  }

  /**
   * Computes gradients of this tensor with respect to the graph's leaves (needs @kiln/autograd).
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    const hook = getAutogradHook();
    if (hook === null) {
      throw new ValueError(
        "backward: autograd is not installed\nhelp: import from '@kiln/autograd' (or 'kiln') instead of '@kiln/tensor'",
      );
    }
    hook.backward(this, gradient, options);
  }

  /** A tensor sharing storage with this one but outside the graph. */
  detach(): Tensor {
    return shp.detach(this);
  }

  /** Detaches in place: makes this tensor a leaf that does not require grad. */
  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  /** Keeps `.grad` on this non-leaf after backward. */
  retainGrad(): void {
    conv.retainGrad(this);
  }

  /** Registers a hook called with this tensor's gradient during backward. Returns a remover. */
  registerHook(hook: TensorHook): { remove(): void } {
    if (this._hooks === null) this._hooks = [];
    const hooks = this._hooks;
    hooks.push(hook);
    return {
      remove: () => {
        const i = hooks.indexOf(hook);
        if (i >= 0) hooks.splice(i, 1);
      },
    };
  }

  // ---- reading -------------------------------------------------------------------------------

  /** Reads the elements in row-major order into a new typed array. */
  data(): Promise<TypedArrayFor<this['dtype']>> {
    return read.data(this) as Promise<TypedArrayFor<this['dtype']>>;
  }

  /** Synchronous `data()` (where the device allows blocking reads). */
  dataSync(): TypedArray {
    return read.dataSync(this);
  }

  /** The elements as nested arrays (numbers, or booleans for bool). */
  toArray(): read.NestedArray {
    return read.toArray(this);
  }

  /** The value of a one-element tensor. */
  item(): number | boolean {
    return read.item(this);
  }

  /** PyTorch-style printout: `tensor([[1., 2.], [3., 4.]])`. */
  toString(): string {
    return read.format(this);
  }

  // ---- device and dtype ----------------------------------------------------------------------

  /** Moves to another device or converts to another dtype (a no-op returning `this` when equal). */
  to(deviceOrDType: string): Tensor {
    return conv.to(this, deviceOrDType);
  }

  /** Converts to float32. */
  float(): Tensor {
    return conv.to(this, 'float32');
  }

  /** Converts to float64. */
  double(): Tensor {
    return conv.to(this, 'float64');
  }

  /** Converts to int32. */
  int(): Tensor {
    return conv.to(this, 'int32');
  }

  /** Converts to bool. */
  bool(): Tensor {
    return conv.to(this, 'bool');
  }

  /** A contiguous copy, or `this` when already contiguous. */
  contiguous(): Tensor {
    return shp.contiguous(this);
  }

  /** A copy with its own storage. */
  clone(): Tensor {
    return shp.clone(this);
  }

  // ---- elementwise ---------------------------------------------------------------------------

  neg(): Tensor {
    return un.neg(this);
  }
  abs(): Tensor {
    return un.abs(this);
  }
  sign(): Tensor {
    return un.sign(this);
  }
  square(): Tensor {
    return un.square(this);
  }
  exp(): Tensor {
    return un.exp(this);
  }
  expm1(): Tensor {
    return un.expm1(this);
  }
  log(): Tensor {
    return un.log(this);
  }
  log1p(): Tensor {
    return un.log1p(this);
  }
  log2(): Tensor {
    return un.log2(this);
  }
  sqrt(): Tensor {
    return un.sqrt(this);
  }
  rsqrt(): Tensor {
    return un.rsqrt(this);
  }
  reciprocal(): Tensor {
    return un.reciprocal(this);
  }
  sin(): Tensor {
    return un.sin(this);
  }
  cos(): Tensor {
    return un.cos(this);
  }
  tan(): Tensor {
    return un.tan(this);
  }
  asin(): Tensor {
    return un.asin(this);
  }
  acos(): Tensor {
    return un.acos(this);
  }
  atan(): Tensor {
    return un.atan(this);
  }
  sinh(): Tensor {
    return un.sinh(this);
  }
  cosh(): Tensor {
    return un.cosh(this);
  }
  tanh(): Tensor {
    return un.tanh(this);
  }
  sigmoid(): Tensor {
    return un.sigmoid(this);
  }
  relu(): Tensor {
    return un.relu(this);
  }
  erf(): Tensor {
    return un.erf(this);
  }
  floor(): Tensor {
    return un.floor(this);
  }
  ceil(): Tensor {
    return un.ceil(this);
  }
  round(): Tensor {
    return un.round(this);
  }
  trunc(): Tensor {
    return un.trunc(this);
  }
  logicalNot(): Tensor {
    return un.logicalNot(this);
  }
  isnan(): Tensor {
    return un.isnan(this);
  }
  isinf(): Tensor {
    return un.isinf(this);
  }
  isfinite(): Tensor {
    return un.isfinite(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return un.clamp(this, min, max);
  }
  gelu(options?: act.GeluOptions): Tensor {
    return act.gelu(this, options);
  }
  silu(): Tensor {
    return act.silu(this);
  }
  softplus(options?: act.SoftplusOptions): Tensor {
    return act.softplus(this, options);
  }
  elu(options?: act.EluOptions): Tensor {
    return act.elu(this, options);
  }
  mish(): Tensor {
    return act.mish(this);
  }
  hardtanh(minVal?: number, maxVal?: number): Tensor {
    return act.hardtanh(this, minVal, maxVal);
  }
  leakyRelu(negativeSlope?: number): Tensor {
    return act.leakyRelu(this, negativeSlope);
  }

  add(other: TensorOrScalar, options?: bin.AlphaOptions): Tensor {
    return bin.add(this, other, options);
  }
  sub(other: TensorOrScalar, options?: bin.AlphaOptions): Tensor {
    return bin.sub(this, other, options);
  }
  mul(other: TensorOrScalar): Tensor {
    return bin.mul(this, other);
  }
  div(other: TensorOrScalar, options?: bin.DivOptions): Tensor {
    return bin.div(this, other, options);
  }
  pow(exponent: TensorOrScalar): Tensor {
    return bin.pow(this, exponent);
  }
  maximum(other: TensorOrScalar): Tensor {
    return bin.maximum(this, other);
  }
  minimum(other: TensorOrScalar): Tensor {
    return bin.minimum(this, other);
  }
  atan2(other: TensorOrScalar): Tensor {
    return bin.atan2(this, other);
  }
  fmod(other: TensorOrScalar): Tensor {
    return bin.fmod(this, other);
  }
  remainder(other: TensorOrScalar): Tensor {
    return bin.remainder(this, other);
  }
  eq(other: TensorOrScalar): Tensor {
    return bin.eq(this, other);
  }
  ne(other: TensorOrScalar): Tensor {
    return bin.ne(this, other);
  }
  lt(other: TensorOrScalar): Tensor {
    return bin.lt(this, other);
  }
  le(other: TensorOrScalar): Tensor {
    return bin.le(this, other);
  }
  gt(other: TensorOrScalar): Tensor {
    return bin.gt(this, other);
  }
  ge(other: TensorOrScalar): Tensor {
    return bin.ge(this, other);
  }
  logicalAnd(other: TensorOrScalar): Tensor {
    return bin.logicalAnd(this, other);
  }
  logicalOr(other: TensorOrScalar): Tensor {
    return bin.logicalOr(this, other);
  }
  logicalXor(other: TensorOrScalar): Tensor {
    return bin.logicalXor(this, other);
  }
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return bin.lerp(this, end, weight);
  }
  addcmul(tensor1: Tensor, tensor2: Tensor, options?: bin.ValueOptions): Tensor {
    return bin.addcmul(this, tensor1, tensor2, options);
  }
  addcdiv(tensor1: Tensor, tensor2: Tensor, options?: bin.ValueOptions): Tensor {
    return bin.addcdiv(this, tensor1, tensor2, options);
  }
  maskedFill(mask: Tensor, value: TensorOrScalar): Tensor {
    return bin.maskedFill(this, mask, value);
  }
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return bin.where(condition, this, other);
  }

  // ---- reductions ----------------------------------------------------------------------------

  sum(dim?: number | readonly number[] | null, keepdim?: boolean, options?: red.SumOptions): Tensor {
    return red.sum(this, dim, keepdim, options);
  }
  mean(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor {
    return red.mean(this, dim, keepdim);
  }
  prod(dim?: number | null, keepdim?: boolean): Tensor {
    return red.prod(this, dim, keepdim);
  }
  amax(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor {
    return red.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[] | null, keepdim?: boolean): Tensor {
    return red.amin(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): red.ValuesIndices;
  max(dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices {
    return dim === undefined ? red.max(this) : red.max(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): red.ValuesIndices;
  min(dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices {
    return dim === undefined ? red.min(this) : red.min(this, dim, keepdim);
  }
  argmax(dim?: number | null, keepdim?: boolean): Tensor {
    return red.argmax(this, dim, keepdim);
  }
  argmin(dim?: number | null, keepdim?: boolean): Tensor {
    return red.argmin(this, dim, keepdim);
  }
  all(dim?: number | null, keepdim?: boolean): Tensor {
    return red.all(this, dim, keepdim);
  }
  any(dim?: number | null, keepdim?: boolean): Tensor {
    return red.any(this, dim, keepdim);
  }
  var(dim?: number | readonly number[] | null, keepdim?: boolean, options?: red.VarOptions): Tensor {
    return red.var_(this, dim, keepdim, options);
  }
  std(dim?: number | readonly number[] | null, keepdim?: boolean, options?: red.VarOptions): Tensor {
    return red.std(this, dim, keepdim, options);
  }
  logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor {
    return red.logsumexp(this, dim, keepdim);
  }
  norm(p?: number | 'fro', dim?: number | readonly number[] | null, keepdim?: boolean): Tensor {
    return red.norm(this, p, dim, keepdim);
  }
  cumsum(dim: number): Tensor {
    return red.cumsum(this, dim);
  }
  cumprod(dim: number): Tensor {
    return red.cumprod(this, dim);
  }
  softmax(dim: number): Tensor {
    return sm.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return sm.logSoftmax(this, dim);
  }

  // ---- shape and views -----------------------------------------------------------------------

  reshape(shape: readonly number[]): Tensor {
    return shp.reshape(this, shape);
  }
  view(shape: readonly number[]): Tensor {
    return shp.view(this, shape);
  }
  viewAs(other: Tensor): Tensor {
    return shp.view(this, other.shape);
  }
  reshapeAs(other: Tensor): Tensor {
    return shp.reshape(this, other.shape);
  }
  permute(dims: readonly number[]): Tensor {
    return shp.permute(this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return shp.transpose(this, dim0, dim1);
  }
  t(): Tensor {
    return shp.t(this);
  }
  /** Transposed view of a matrix (`x.T` in PyTorch, reversing all dims). */
  get T(): Tensor {
    return shp.permute(
      this,
      this.shape.map((_, i) => this.shape.length - 1 - i),
    );
  }
  /** Transposed view of the last two dims (PyTorch's `mT`). */
  get mT(): Tensor {
    return shp.transpose(this, -2, -1);
  }
  expand(shape: readonly number[]): Tensor {
    return shp.expand(this, shape);
  }
  expandAs(other: Tensor): Tensor {
    return shp.expand(this, other.shape);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return shp.expand(this, shape);
  }
  squeeze(dim?: number | readonly number[]): Tensor {
    return shp.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return shp.unsqueeze(this, dim);
  }
  flatten(startDim?: number, endDim?: number): Tensor {
    return shp.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return shp.unflatten(this, dim, sizes);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return shp.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return shp.select(this, dim, index);
  }
  slice(dim: number, start?: number | null, end?: number | null, options?: shp.SliceOptions): Tensor {
    return shp.slice(this, dim, start, end, options);
  }
  split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[] {
    return shp.split(this, splitSizeOrSections, dim);
  }
  chunk(chunks: number, dim?: number): Tensor[] {
    return shp.chunk(this, chunks, dim);
  }
  unbind(dim?: number): Tensor[] {
    return shp.unbind(this, dim);
  }
  flip(dims: readonly number[]): Tensor {
    return rearr.flip(this, dims);
  }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return rearr.roll(this, shifts, dims);
  }
  repeat(sizes: readonly number[]): Tensor {
    return rearr.repeat(this, sizes);
  }
  tril(diagonal?: number): Tensor {
    return rearr.tril(this, diagonal);
  }
  triu(diagonal?: number): Tensor {
    return rearr.triu(this, diagonal);
  }
  diagonal(offset?: number, dim1?: number, dim2?: number): Tensor {
    return shp.diagonal(this, offset, dim1, dim2);
  }
  movedim(source: number, destination: number): Tensor {
    return shp.movedim(this, source, destination);
  }

  // ---- indexing and linear algebra -----------------------------------------------------------

  gather(dim: number, index: Tensor): Tensor {
    return idx.gather(this, dim, index);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return idx.scatterAdd(this, dim, index, src);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return idx.indexSelect(this, dim, index);
  }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return idx.scatter(this, dim, index, src);
  }
  maskedSelect(mask: Tensor): Tensor {
    return idx.maskedSelect(this, mask);
  }
  matmul(other: Tensor): Tensor {
    return la.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return la.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return la.bmm(this, other);
  }
  mv(vec: Tensor): Tensor {
    return la.mv(this, vec);
  }
  dot(other: Tensor): Tensor {
    return la.dot(this, other);
  }
  outer(other: Tensor): Tensor {
    return la.outer(this, other);
  }

  // ---- in place (bump the version counter) ---------------------------------------------------

  add_(other: TensorOrScalar, options?: bin.AlphaOptions): this {
    return inplace.binaryInPlace(this, 'add_', bin.add(this, other, options));
  }
  sub_(other: TensorOrScalar, options?: bin.AlphaOptions): this {
    return inplace.binaryInPlace(this, 'sub_', bin.sub(this, other, options));
  }
  mul_(other: TensorOrScalar): this {
    return inplace.binaryInPlace(this, 'mul_', bin.mul(this, other));
  }
  div_(other: TensorOrScalar): this {
    return inplace.binaryInPlace(this, 'div_', bin.div(this, other));
  }
  pow_(exponent: TensorOrScalar): this {
    return inplace.binaryInPlace(this, 'pow_', bin.pow(this, exponent));
  }
  neg_(): this {
    return inplace.binaryInPlace(this, 'neg_', un.neg(this));
  }
  exp_(): this {
    return inplace.binaryInPlace(this, 'exp_', un.exp(this));
  }
  sqrt_(): this {
    return inplace.binaryInPlace(this, 'sqrt_', un.sqrt(this));
  }
  relu_(): this {
    return inplace.binaryInPlace(this, 'relu_', un.relu(this));
  }
  sigmoid_(): this {
    return inplace.binaryInPlace(this, 'sigmoid_', un.sigmoid(this));
  }
  tanh_(): this {
    return inplace.binaryInPlace(this, 'tanh_', un.tanh(this));
  }
  clamp_(min?: number | null, max?: number | null): this {
    return inplace.binaryInPlace(this, 'clamp_', un.clamp(this, min, max));
  }
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    return inplace.binaryInPlace(this, 'lerp_', bin.lerp(this, end, weight));
  }
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: bin.ValueOptions): this {
    return inplace.binaryInPlace(this, 'addcmul_', bin.addcmul(this, tensor1, tensor2, options));
  }
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: bin.ValueOptions): this {
    return inplace.binaryInPlace(this, 'addcdiv_', bin.addcdiv(this, tensor1, tensor2, options));
  }
  maskedFill_(mask: Tensor, value: TensorOrScalar): this {
    return inplace.binaryInPlace(this, 'maskedFill_', bin.maskedFill(this, mask, value));
  }
  /** Fills with a value. */
  fill_(value: number | boolean): this {
    return inplace.fill_(this, value);
  }
  /** Fills with zeros. */
  zero_(): this {
    return inplace.fill_(this, 0);
  }
  /** Copies `src` (broadcast to this shape, cast to this dtype, moved to this device) into this tensor. */
  copy_(src: Tensor): this {
    return inplace.copy_(this, src);
  }
  /** Fills with uniform samples from `[from, to)`. */
  uniform_(from = 0, to = 1, options?: inplace.RandomInPlaceOptions): this {
    return inplace.uniform_(this, from, to, options);
  }
  /** Fills with normal samples. */
  normal_(mean = 0, std = 1, options?: inplace.RandomInPlaceOptions): this {
    return inplace.normal_(this, mean, std, options);
  }
}

function disposedError(op: string): ValueError {
  return new ValueError(`${op}: tensor has been disposed (got a disposed tensor, expected a live one)`);
}

/**
 * Whether a value is a Kiln tensor.
 *
 * @example
 * ```ts
 * import { isTensor, zeros } from '@kiln/tensor';
 * isTensor(zeros([1])); // true
 * ```
 */
export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}
