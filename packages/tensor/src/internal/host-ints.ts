import type { Backend } from '../backend/contract.js';
import type { Tensor } from '../core/tensor.js';
import { ValueError } from '../errors/errors.js';
import { newTensor } from './make.js';

/** A 1-D int32 tensor on `backend` holding host-computed indices (index tensors built by ops). @internal */
export function hostInts(backend: Backend, values: readonly number[] | Int32Array): Tensor {
  const t = newTensor(backend, 'int32', [values.length]);
  if (values.length > 0)
    backend.write(t.storage, values instanceof Int32Array ? values : Int32Array.from(values));
  return t;
}

/**
 * The values of an int tensor on the host, or null when its device cannot be read synchronously
 * (the kernels of such devices must then guard their own reads). @internal
 */
export function readIntsSync(t: Tensor, op: string): Int32Array | null {
  const backend = t.handle.backend;
  if (backend.readSync === undefined) return null;
  if (t.isDisposed || t.handle.freed) {
    throw new ValueError(`${op}: tensor has been disposed (got a disposed tensor, expected a live one)`);
  }
  const n = t.numel();
  if (n === 0) return new Int32Array(0);
  // NOTE: walk the strides here rather than materialising, so a check costs one read of the storage span.
  const lo = t.offset;
  let hi = t.offset;
  for (let i = 0; i < t.shape.length; i++) hi += (t.shape[i]! - 1) * t.strides[i]!;
  const raw = backend.readSync(t.storage, lo, hi - lo + 1);
  const out = new Int32Array(n);
  const rank = t.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let pos = 0;
  for (let k = 0; k < n; k++) {
    out[k] = raw[pos]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      pos += t.strides[d]!;
      if (idx[d]! < t.shape[d]!) break;
      pos -= t.shape[d]! * t.strides[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
