import type { Backend, View } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import type { DType } from '../core/dtype.js';
import { track } from '../core/lifecycle.js';
import { contiguousStrides, formatShape, shapeSize } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { DeviceError, DTypeError, ValueError } from '../errors/errors.js';

const EMPTY: readonly number[] = [];

/** A new contiguous tensor with fresh (zeroed) storage. */
export function newTensor(backend: Backend, dtype: DType, shape: readonly number[]): Tensor {
  const n = shapeSize(shape);
  const storage = backend.alloc(dtype, n);
  const strides = shape.length === 0 ? EMPTY : contiguousStrides(shape);
  return new Tensor(track(backend, storage), dtype, shape, strides, 0);
}

/**
 * A new contiguous tensor whose every element the caller's kernel will write (elementwise
 * outputs), so the backend may hand out recycled memory without zeroing it.
 */
export function newOutput(backend: Backend, dtype: DType, shape: readonly number[]): Tensor {
  const storage = backend.alloc(dtype, shapeSize(shape), UNINITIALIZED);
  const strides = shape.length === 0 ? EMPTY : contiguousStrides(shape);
  return new Tensor(track(backend, storage), dtype, shape, strides, 0);
}

const UNINITIALIZED = { uninitialized: true } as const;

/** A view sharing `base`'s storage (one more reference on it). */
export function viewTensor(
  base: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  op: string,
): Tensor {
  alive(base, op);
  base.handle.refs++;
  return new Tensor(base.handle, base.dtype, shape, strides, offset);
}

/** Throws if a tensor has been disposed. */
export function alive(t: Tensor, op: string): void {
  if (t.isDisposed || t.handle.cell.freed) {
    throw new ValueError(`${op}: tensor has been disposed (got a disposed tensor, expected a live one)`);
  }
}

/** The backend two tensors share, or a `DeviceError` naming both devices. */
export function commonBackend(op: string, a: Tensor, b: Tensor): Backend {
  const ba = a.handle.backend;
  if (ba !== b.handle.backend) {
    throw new DeviceError(
      `${op}: expected all tensors to be on the same device (got '${ba.name}' and '${b.handle.backend.name}')\nhelp: move one with .to('${ba.name}')`,
    );
  }
  return ba;
}

/** The backend every tensor in a list shares. */
export function commonBackendOf(op: string, tensors: readonly Tensor[]): Backend {
  const first = tensors[0]!;
  for (let i = 1; i < tensors.length; i++) commonBackend(op, first, tensors[i]!);
  return first.handle.backend;
}

/** Resolves a device option (default device when absent). */
export function backendFor(device: string | undefined): Backend {
  return getBackend(device);
}

/** Throws unless the backend stores the dtype. */
export function checkBackendDType(op: string, backend: Backend, dtype: DType): void {
  if (!backend.dtypes.includes(dtype)) {
    throw new DTypeError(
      `${op}: device '${backend.name}' does not support dtype ${dtype} (supported: ${backend.dtypes.join(', ')})`,
    );
  }
}

/** Throws unless the tensor has a floating dtype. */
export function requireFloat(op: string, t: Tensor, what = 'input'): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new DTypeError(
      `${op}: ${what} must be a floating-point tensor (got ${t.dtype}, expected float32 or float64)`,
    );
  }
}

/** Throws unless the tensor's dtype is one of `dtypes`. */
export function requireDType(op: string, t: Tensor, dtypes: readonly DType[], what = 'input'): void {
  if (!dtypes.includes(t.dtype)) {
    throw new DTypeError(`${op}: ${what} has dtype ${t.dtype} (expected ${dtypes.join(' or ')})`);
  }
}

/** Throws unless the tensor has the given rank(s). */
export function requireRank(op: string, t: Tensor, ranks: readonly number[], what = 'input'): void {
  if (!ranks.includes(t.shape.length)) {
    throw new ValueError(
      `${op}: ${what} must be ${ranks.map((r) => `${r}-D`).join(' or ')} (got ${t.shape.length}-D tensor of shape ${formatShape(t.shape)})`,
    );
  }
}

/**
 * A temporary 1-element storage broadcast (all strides 0) to `shape`, for a scalar operand.
 * Not tracked: the caller frees it with `backend.free(view.storage)` right after the kernel.
 */
export function scalarView(backend: Backend, dtype: DType, value: number, shape: readonly number[]): View {
  const storage = backend.alloc(dtype, 1);
  if (value !== 0) backend.fill({ storage, shape: EMPTY, strides: EMPTY, offset: 0 }, value);
  return { storage, shape, strides: zeroStrides(shape.length), offset: 0 };
}

const zeroStrideCache: number[][] = [];
function zeroStrides(rank: number): number[] {
  let z = zeroStrideCache[rank];
  if (z === undefined) {
    z = new Array<number>(rank).fill(0);
    zeroStrideCache[rank] = z;
  }
  return z;
}
