import { checkInPlace } from '../core/dispatch.js';
import { isFloatingDType, promoteTypes } from '../core/dtype.js';
import { broadcastStrides, formatShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../errors/errors.js';
import { alive, commonBackend, newTensor } from '../internal/make.js';
import { defaultGenerator, type Generator } from '../random/generator.js';
import { cast, to } from './device.js';

/**
 * Options of the in-place random fills.
 *
 * @example
 * ```ts
 * import { zeros, Generator } from '@kiln/tensor';
 * zeros([3]).uniform_(-1, 1, { generator: new Generator(3) });
 * ```
 */
export interface RandomInPlaceOptions {
  generator?: Generator;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function begin(self: Tensor, op: string): void {
  alive(self, op);
  checkInPlace(self, op);
}

/** Writes the contents of `src` (same shape, same dtype, same device) into `self`'s storage. */
function writeInto(self: Tensor, src: Tensor): void {
  if (self.numel() > 0) self.handle.backend.copy(src, self);
  self.handle.version++;
}

/**
 * Completes an in-place op whose out-of-place `result` was already computed: checks the shape
 * and dtype PyTorch's way, copies into `self`, bumps the version, and moves autograd history.
 * @internal
 */
export function binaryInPlace<T extends Tensor>(self: T, op: string, result: Tensor): T {
  begin(self, op);
  if (!sameShape(result.shape, self.shape)) {
    throw new ShapeError(
      `${op}: output with shape ${formatShape(self.shape)} doesn't match the broadcast shape ${formatShape(result.shape)}`,
    );
  }
  let src = result;
  if (result.dtype !== self.dtype) {
    if (promoteTypes(result.dtype, self.dtype) !== self.dtype) {
      throw new DTypeError(
        `${op}: result type ${result.dtype} can't be cast to the desired output type ${self.dtype}`,
      );
    }
    src = cast(result, self.dtype);
  }
  if (result.gradFn !== null) {
    // NOTE: autograd adopts before the write, while `self` still holds the values (and history)
    // its node may have saved. The result's node then describes `self`.
    adoptOutput(result, self);
    self.gradFn = result.gradFn;
    self._requiresGrad = true;
    self._outputIndex = result._outputIndex;
  }
  writeInto(self, src);
  if (src !== result) src.dispose();
  result.dispose();
  return self;
}

/**
 * Lets autograd move a node's output identity from `from` to `to` (set by @kiln/autograd). Called
 * before `to` is overwritten; the caller disposes `from` afterwards.
 */
let outputAdopter: ((from: Tensor, to: Tensor) => void) | null = null;

/**
 * Installs the function that re-points an autograd node's output from one tensor to another
 * (used by in-place ops). `@kiln/autograd` calls this once.
 *
 * @example
 * ```ts
 * import { setOutputAdopter } from '@kiln/tensor';
 * setOutputAdopter(null);
 * ```
 */
export function setOutputAdopter(fn: ((from: Tensor, to: Tensor) => void) | null): void {
  outputAdopter = fn;
}

function adoptOutput(from: Tensor, to: Tensor): void {
  if (outputAdopter !== null) outputAdopter(from, to);
}

/** Fills every element with `value`. @internal */
export function fill_<T extends Tensor>(self: T, value: number | boolean): T {
  begin(self, 'fill_');
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  if (typeof v !== 'number')
    throw new ValueError(`fill_: value must be a number or boolean (got ${typeof v})`);
  if (!isFloatingDType(self.dtype) && !Number.isFinite(v)) {
    throw new ValueError(`fill_: value ${v} cannot be converted to type ${self.dtype} without overflow`);
  }
  if (self.numel() > 0) self.handle.backend.fill(self, self.dtype === 'int32' ? Math.trunc(v) : v);
  self.handle.version++;
  if (self.gradFn !== null) {
    // NOTE: filling replaces the values: the result no longer depends on the old history.
    self.gradFn = null;
    self._requiresGrad = false;
  }
  return self;
}

/** Copies `src` into `self` (broadcast, cast, moved across devices as needed). @internal */
export function copy_<T extends Tensor>(self: T, src: Tensor): T {
  begin(self, 'copy_');
  alive(src, 'copy_');
  let s = src;
  if (s.device !== self.device) s = to(s, self.device);
  if (s.dtype !== self.dtype) {
    const c = cast(s, self.dtype);
    if (s !== src) s.dispose();
    s = c;
  }
  commonBackend('copy_', self, s);
  if (!sameShape(s.shape, self.shape)) {
    const strides = broadcastStrides(s.shape, s.strides, self.shape);
    if (
      s.shape.length > self.shape.length ||
      s.shape.some((d, i) => d !== 1 && d !== self.shape[self.shape.length - s.shape.length + i])
    ) {
      throw new ShapeError(
        `copy_: the source shape ${formatShape(src.shape)} cannot be broadcast to ${formatShape(self.shape)}`,
      );
    }
    const view = new Tensor(s.handle, s.dtype, self.shape, strides, s.offset);
    s.handle.refs++;
    writeInto(self, view);
    view.dispose();
  } else writeInto(self, s);
  if (s !== src) s.dispose();
  return self;
}

function randomInPlace<T extends Tensor>(
  self: T,
  op: string,
  distribution: 'uniform' | 'normal',
  scale: number,
  shift: number,
  options?: RandomInPlaceOptions,
): T {
  begin(self, op);
  if (!isFloatingDType(self.dtype))
    throw new DTypeError(`${op}: expected a floating-point tensor (got ${self.dtype})`);
  const n = self.numel();
  if (n === 0) return self;
  const backend = self.handle.backend;
  const g = options?.generator ?? defaultGenerator;
  const tmp = newTensor(backend, self.dtype, self.shape);
  backend.random(tmp.out_(), distribution, g.initialSeed(), g.reserve(n));
  let result = tmp;
  if (scale !== 1 || shift !== 0) {
    const scaled = tmp.mul(scale);
    result = scaled.add(shift);
    scaled.dispose();
    tmp.dispose();
  }
  backend.copy(result, self);
  result.dispose();
  self.handle.version++;
  return self;
}

/** Uniform fill in `[from, to)`. @internal */
export function uniform_<T extends Tensor>(
  self: T,
  from: number,
  to: number,
  options?: RandomInPlaceOptions,
): T {
  if (!(from <= to))
    throw new ValueError(`uniform_: expects to return a [from, to) range, but found from=${from} > to=${to}`);
  return randomInPlace(self, 'uniform_', 'uniform', to - from, from, options);
}

/** Normal fill. @internal */
export function normal_<T extends Tensor>(
  self: T,
  mean: number,
  std: number,
  options?: RandomInPlaceOptions,
): T {
  if (!(std >= 0)) throw new ValueError(`normal_: expects std >= 0.0, but found std ${std}`);
  return randomInPlace(self, 'normal_', 'normal', std, mean, options);
}
