/**
 * The element types a tensor can hold.
 *
 * `float32` is the default; `float64` is for gradcheck and numerics; `int32` is the index dtype
 * (PyTorch's int64 indices load as int32); `bool` stores one byte per element.
 *
 * @example
 * ```ts
 * import { zeros } from '@kiln/tensor';
 * const t = zeros([2], { dtype: 'int32' });
 * t.dtype; // 'int32'
 * ```
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/**
 * The typed array that holds a dtype's elements on the host.
 *
 * @example
 * ```ts
 * import type { TypedArrayFor } from '@kiln/tensor';
 * const a: TypedArrayFor<'bool'> = new Uint8Array(2);
 * ```
 */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/**
 * Any host array a tensor's data can be read into or created from.
 *
 * @example
 * ```ts
 * import type { TypedArray } from '@kiln/tensor';
 * const a: TypedArray = new Float32Array([1, 2]);
 * ```
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * All dtypes, in promotion order (bool < int32 < float32 < float64).
 *
 * @example
 * ```ts
 * import { DTYPES } from '@kiln/tensor';
 * DTYPES.includes('float64'); // true
 * ```
 */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * Whether a dtype is a floating-point type (the only kind that can require gradients).
 *
 * @example
 * ```ts
 * import { isFloatingDType } from '@kiln/tensor';
 * isFloatingDType('int32'); // false
 * ```
 */
export function isFloatingDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * The bytes one element of a dtype occupies.
 *
 * @example
 * ```ts
 * import { dtypeByteSize } from '@kiln/tensor';
 * dtypeByteSize('float64'); // 8
 * ```
 */
export function dtypeByteSize(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

/**
 * Allocates a zeroed host typed array for a dtype.
 *
 * @example
 * ```ts
 * import { typedArrayFor } from '@kiln/tensor';
 * typedArrayFor('int32', 3); // Int32Array [0, 0, 0]
 * ```
 */
export function typedArrayFor<D extends DType>(dtype: D, length: number): TypedArrayFor<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length) as TypedArrayFor<D>;
    case 'float64':
      return new Float64Array(length) as TypedArrayFor<D>;
    case 'int32':
      return new Int32Array(length) as TypedArrayFor<D>;
    default:
      return new Uint8Array(length) as TypedArrayFor<D>;
  }
}

/**
 * The dtype a host typed array holds (a `Uint8Array` reads as `bool`).
 *
 * @example
 * ```ts
 * import { dtypeOfTypedArray } from '@kiln/tensor';
 * dtypeOfTypedArray(new Float64Array(1)); // 'float64'
 * ```
 */
export function dtypeOfTypedArray(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * PyTorch's type promotion between two tensor dtypes: the higher category wins
 * (bool < int32 < float32 < float64).
 *
 * @example
 * ```ts
 * import { promoteTypes } from '@kiln/tensor';
 * promoteTypes('int32', 'float32'); // 'float32'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of `tensor op scalar` under PyTorch's rule: a scalar only raises the category
 * (a float scalar makes an integer or bool tensor float32; an int scalar makes a bool tensor int32),
 * never the width of a tensor that is already in its category.
 *
 * @example
 * ```ts
 * import { promoteWithScalar } from '@kiln/tensor';
 * promoteWithScalar('int32', 2.5); // 'float32'
 * promoteWithScalar('float64', 2.5); // 'float64'
 * ```
 */
export function promoteWithScalar(dtype: DType, scalar: number | boolean): DType {
  if (typeof scalar === 'boolean') return dtype;
  if (!Number.isInteger(scalar)) return isFloatingDType(dtype) ? dtype : 'float32';
  return dtype === 'bool' ? 'int32' : dtype;
}
