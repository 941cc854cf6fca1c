import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { fromTypedArray } from '../ops/creation.js';

/**
 * A tensor as the golden JSON files store it (PyTorch's int64 loads as Kiln's int32).
 *
 * @example
 * ```ts
 * import type { GoldenTensor } from '@kiln/tensor/testing';
 * const g: GoldenTensor = { shape: [2], dtype: 'float32', data: [1, 2] };
 * ```
 */
export interface GoldenTensor {
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
  readonly data: readonly (number | boolean)[];
}

/** A golden value: a tensor, a number, a list, a string or null. */
export type GoldenValue = GoldenTensor | number | boolean | string | null | readonly GoldenValue[];

/**
 * One case of ops.json (see the golden README).
 *
 * @example
 * ```ts
 * import type { GoldenOpCase } from '@kiln/tensor/testing';
 * const ids = (cases: GoldenOpCase[]) => cases.map((c) => c.id);
 * ```
 */
export interface GoldenOpCase {
  readonly id: string;
  readonly op: string;
  readonly inputs: readonly GoldenValue[];
  readonly attrs: Readonly<Record<string, GoldenValue>>;
  readonly output: GoldenTensor | readonly GoldenTensor[];
  readonly rtol: number;
  readonly atol: number;
  readonly upstream?: GoldenTensor | readonly GoldenTensor[] | null;
  readonly grads?: readonly (GoldenTensor | null)[] | null;
  readonly views?: Readonly<Record<string, readonly [string, readonly GoldenValue[]]>>;
}

/**
 * Whether a golden value is a tensor object.
 *
 * @example
 * ```ts
 * import { isGoldenTensor } from '@kiln/tensor/testing';
 * isGoldenTensor({ shape: [], dtype: 'float32', data: [1] }); // true
 * ```
 */
export function isGoldenTensor(v: unknown): v is GoldenTensor {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && 'shape' in v && 'dtype' in v && 'data' in v
  );
}

/**
 * The Kiln dtype a golden dtype loads as.
 *
 * @example
 * ```ts
 * import { goldenDType } from '@kiln/tensor/testing';
 * goldenDType('int64'); // 'int32'
 * ```
 */
export function goldenDType(dtype: GoldenTensor['dtype']): DType {
  return dtype === 'int64' ? 'int32' : dtype;
}

/**
 * Creates a Kiln tensor on `device` from a golden tensor.
 *
 * @example
 * ```ts
 * import { fromGolden } from '@kiln/tensor/testing';
 * fromGolden({ shape: [2], dtype: 'int64', data: [1, 2] }, 'cpu').dtype; // 'int32'
 * ```
 */
export function fromGolden(g: GoldenTensor, device: string, dtypeOverride?: DType): Tensor {
  const dtype = dtypeOverride ?? goldenDType(g.dtype);
  const values = g.data.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  const array =
    dtype === 'float32'
      ? Float32Array.from(values)
      : dtype === 'float64'
        ? Float64Array.from(values)
        : dtype === 'int32'
          ? Int32Array.from(values)
          : Uint8Array.from(values);
  return fromTypedArray(array, g.shape, { device, dtype });
}
