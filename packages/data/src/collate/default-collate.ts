import {
  type DType,
  formatShape,
  fromTypedArray,
  isTensor,
  type KilnError,
  Tensor,
  type TypedArray,
  typedArrayFor,
  ValueError,
} from '@kiln/tensor';
import { HostTensor } from './host-tensor.js';

/** Integer typed arrays other than Int32Array: collated to int32, Kiln's integer dtype. */
type NarrowIntArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array;

/**
 * Leaves that `defaultCollate` stacks into one tensor.
 *
 * @example
 * ```ts
 * import type { CollatableLeaf } from '@kiln/data';
 * const leaf: CollatableLeaf = new Float32Array([1, 2]);
 * ```
 */
export type CollatableLeaf = number | boolean | Tensor | HostTensor | TypedArray | NarrowIntArray;

/**
 * The type `defaultCollate` returns for a batch of `T`: numbers, booleans, typed arrays and tensors
 * become one tensor with a leading batch dimension; arrays, tuples and objects keep their structure;
 * strings become string arrays.
 *
 * @example
 * ```ts
 * import type { Collated } from '@kiln/data';
 * import type { Tensor } from '@kiln/tensor';
 * const batch: Collated<{ x: Float32Array; y: number; id: string }> = { x: {} as Tensor, y: {} as Tensor, id: ['a'] };
 * ```
 */
export type Collated<T> = T extends CollatableLeaf
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : never;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * PyTorch's `default_collate`: turns a list of samples into one batch. Tensors (and typed arrays)
 * of equal shape are stacked along a new first dimension; numbers become a 1-D tensor (int32 when
 * every value is an integer in int32 range, float32 otherwise, since JavaScript numbers carry no
 * int/float distinction); booleans a bool tensor; arrays and objects are collated position by
 * position and key by key; strings stay as a string array.
 *
 * @example
 * ```ts
 * import { defaultCollate } from '@kiln/data';
 * import { tensor } from '@kiln/tensor';
 * const batch = defaultCollate([
 *   { x: tensor([1, 2]), y: 0 },
 *   { x: tensor([3, 4]), y: 1 },
 * ]);
 * batch.x.shape; // [2, 2]
 * batch.y.toArray(); // [0, 1]
 * ```
 */
export function defaultCollate<T>(batch: readonly T[]): Collated<T> {
  if (batch.length === 0) throw new ValueError('defaultCollate: cannot collate an empty batch');
  return collate(batch as readonly unknown[], 'batch') as Collated<T>;
}

function collate(batch: readonly unknown[], path: string): unknown {
  const first = batch[0];
  if (isTensor(first) || HostTensor.isInstance(first)) return stackTensors(batch, path);
  if (typeof first === 'number') return collateNumbers(batch, path);
  if (typeof first === 'boolean') {
    const out = new Uint8Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const v = batch[i];
      if (typeof v !== 'boolean') throw mixed(path, 'boolean', v, i);
      out[i] = v ? 1 : 0;
    }
    return fromTypedArray(out, [batch.length], { dtype: 'bool' });
  }
  if (typeof first === 'string') {
    return batch.map((v, i) => {
      if (typeof v !== 'string') throw mixed(path, 'string', v, i);
      return v;
    });
  }
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) return stackTypedArrays(batch, path);
  if (Array.isArray(first)) {
    const size = first.length;
    const out: unknown[] = new Array(size);
    for (let i = 0; i < batch.length; i++) {
      const v = batch[i];
      if (!Array.isArray(v)) throw mixed(path, 'array', v, i);
      if (v.length !== size) {
        throw new ValueError(
          `defaultCollate: each element in list of batch should be of equal size (${path}: sample 0 has ${size} elements, sample ${i} has ${v.length})`,
        );
      }
    }
    for (let j = 0; j < size; j++) {
      out[j] = collate(
        batch.map((v) => (v as unknown[])[j]),
        `${path}[${j}]`,
      );
    }
    return out;
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key] = collate(
        batch.map((v, i) => {
          if (!isPlainObject(v) || !(key in v)) {
            throw new ValueError(
              `defaultCollate: sample ${i} has no key '${key}' at ${path} (sample 0 has it)`,
            );
          }
          return v[key];
        }),
        `${path}.${key}`,
      );
    }
    return out;
  }
  throw new ValueError(
    `defaultCollate: batch must contain tensors, typed arrays, numbers, booleans, strings, arrays or objects; found ${describe(first)} at ${path}` +
      (isImageLike(first) ? '\nhelp: apply toTensor() in the dataset transform' : ''),
  );
}

function collateNumbers(batch: readonly unknown[], path: string): Tensor {
  let integral = true;
  for (let i = 0; i < batch.length; i++) {
    const v = batch[i];
    if (typeof v !== 'number') throw mixed(path, 'number', v, i);
    if (integral && (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)) integral = false;
  }
  const out = integral ? new Int32Array(batch.length) : new Float32Array(batch.length);
  for (let i = 0; i < batch.length; i++) out[i] = batch[i] as number;
  return fromTypedArray(out, [batch.length]);
}

function stackTensors(batch: readonly unknown[], path: string): Tensor {
  const first = batch[0] as Tensor | HostTensor;
  const shape = first.shape;
  const dtype: DType = first.dtype;
  const device = first instanceof Tensor ? first.device : undefined;
  let n = 1;
  for (const d of shape) n *= d;
  const out = typedArrayFor(dtype, n * batch.length);
  for (let i = 0; i < batch.length; i++) {
    const v = batch[i];
    if (!(isTensor(v) || HostTensor.isInstance(v))) throw mixed(path, 'tensor', v, i);
    if (!sameShape(v.shape, shape)) {
      throw new ValueError(
        `defaultCollate: stack expects each tensor to be equal size, but got ${formatShape(shape)} at sample 0 and ${formatShape(v.shape)} at sample ${i} (${path})`,
      );
    }
    if (v.dtype !== dtype) {
      throw new ValueError(
        `defaultCollate: sample ${i} at ${path} has dtype ${v.dtype}, sample 0 has ${dtype}`,
      );
    }
    if (isTensor(v) && v.device !== device) {
      throw new ValueError(
        `defaultCollate: sample ${i} at ${path} is on '${v.device}', sample 0 on '${String(device)}'`,
      );
    }
    out.set(isTensor(v) ? v.dataSync() : v.data, i * n);
  }
  const outShape = [batch.length, ...shape];
  return device === undefined ? fromTypedArray(out, outShape) : fromTypedArray(out, outShape, { device });
}

function stackTypedArrays(batch: readonly unknown[], path: string): Tensor {
  const first = batch[0] as TypedArray | NarrowIntArray;
  const n = first.length;
  const dtype: DType =
    first instanceof Float32Array ? 'float32' : first instanceof Float64Array ? 'float64' : 'int32';
  const out = typedArrayFor(dtype, n * batch.length);
  for (let i = 0; i < batch.length; i++) {
    const v = batch[i];
    if (!ArrayBuffer.isView(v) || v instanceof DataView || v.constructor !== first.constructor) {
      throw mixed(path, first.constructor.name, v, i);
    }
    const arr = v as TypedArray | NarrowIntArray;
    if (arr.length !== n) {
      throw new ValueError(
        `defaultCollate: stack expects each array to be equal size, but got ${n} elements at sample 0 and ${arr.length} at sample ${i} (${path})`,
      );
    }
    out.set(arr, i * n);
  }
  return fromTypedArray(out, [batch.length, n]);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isImageLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'height' in v && 'width' in v && 'data' in v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function mixed(path: string, expected: string, got: unknown, index: number): KilnError {
  return new ValueError(
    `defaultCollate: sample ${index} at ${path} is ${describe(got)}, but sample 0 is ${expected} (a batch must be uniform)`,
  );
}
