import { needsRecord1, record } from '../core/dispatch.js';
import { DTYPES, type DType, isFloatingDType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { DTypeError, ValueError } from '../errors/errors.js';
import { alive, backendFor, checkBackendDType, newTensor } from '../internal/make.js';
import { contiguous } from './shape.js';

/** Conversions recorded for autograd (inputs `[x]`): the gradient converts back. */
export interface DeviceOpAttrs {
  /** `cast`/`to(dtype)` to a float dtype. */
  cast: { inputDType: DType };
  /** `to(device)`. */
  toDevice: { inputDevice: string };
}

/** Sets `requiresGrad` on a leaf, with PyTorch's checks. @internal */
export function setRequiresGrad<T extends Tensor>(t: T, requiresGrad: boolean): T {
  if (requiresGrad && !isFloatingDType(t.dtype)) {
    throw new DTypeError(
      `requiresGrad_: only tensors of floating point dtype can require gradients (got ${t.dtype}, expected float32 or float64)`,
    );
  }
  if (!requiresGrad && t.gradFn !== null) {
    throw new ValueError(
      "requiresGrad_: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use detach()",
    );
  }
  t._requiresGrad = requiresGrad;
  return t;
}

/** Marks a non-leaf so backward keeps its `.grad`. @internal */
export function retainGrad(t: Tensor): void {
  if (!t.requiresGrad) {
    throw new ValueError("retainGrad: can't retain_grad on Tensor that has requires_grad=False");
  }
  if (t.gradFn !== null) t._retainsGrad = true;
}

/**
 * Casts a tensor to another dtype on its device (a new tensor; `x` itself when the dtype is equal).
 * Floats to integers truncate toward zero; anything to bool is `!= 0`.
 *
 * @example
 * ```ts
 * import { tensor, cast } from '@kiln/tensor';
 * cast(tensor([1.7, -1.7]), 'int32').toArray(); // [1, -1]
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  alive(x, 'cast');
  if (x.dtype === dtype) return x;
  const backend = x.handle.backend;
  checkBackendDType('cast', backend, dtype);
  const out = newTensor(backend, dtype, x.shape);
  if (out.numel() > 0) backend.cast(x, out.out_());
  if (isFloatingDType(dtype) && needsRecord1(x)) record('cast', [x], [out], { inputDType: x.dtype });
  return out;
}

/**
 * Moves a tensor to a device, or casts it to a dtype (dtype names are reserved, so `'float64'` is
 * never a device). Returns `x` itself when nothing changes, as PyTorch does.
 *
 * @example
 * ```ts
 * import { tensor, to } from '@kiln/tensor';
 * to(tensor([1, 2]), 'float32').dtype; // 'float32'
 * ```
 */
export function to(x: Tensor, deviceOrDType: string): Tensor {
  alive(x, 'to');
  if ((DTYPES as readonly string[]).includes(deviceOrDType)) return cast(x, deviceOrDType as DType);
  if (deviceOrDType === x.device) return x;
  const target = backendFor(deviceOrDType);
  checkBackendDType('to', target, x.dtype);
  const src = contiguous(x);
  const n = src.numel();
  const out = newTensor(target, x.dtype, x.shape);
  if (n > 0) {
    const source = src.handle.backend;
    if (source.readSync === undefined) {
      throw new ValueError(
        `to: device '${source.name}' cannot be read synchronously\nhelp: use await x.data() and create the tensor on '${deviceOrDType}' from it`,
      );
    }
    target.write(out.storage, source.readSync(src.storage, src.offset, n));
  }
  if (src !== x) src.dispose();
  if (needsRecord1(x)) record('toDevice', [x], [out], { inputDevice: x.device });
  return out;
}
