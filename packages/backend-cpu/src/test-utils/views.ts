import { createCpuBackend } from '../cpu-backend.js';
import type { DType, Out, TypedArray, View } from '../internal/tensor-types.js';

/**
 * Test helpers: a backend plus builders for views and outputs over fresh storages.
 *
 * @example
 * ```ts
 * const h = harness();
 * const x = h.view('float32', [1, 2, 3], [3]);
 * ```
 */
export function harness() {
  const be = createCpuBackend();
  const contiguous = (shape: readonly number[]): number[] => {
    const s: number[] = [];
    let acc = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      s[d] = acc;
      acc *= shape[d]!;
    }
    return s;
  };
  return {
    be,
    contiguous,
    /** A view over a storage holding exactly `data`, with optional strides/offset. */
    view(
      dtype: DType,
      data: ArrayLike<number>,
      shape: readonly number[],
      strides?: readonly number[],
      offset = 0,
    ): View {
      const s = be.alloc(dtype, data.length);
      const arr = be.readSync!(s, 0, 0).constructor as new (a: ArrayLike<number>) => TypedArray;
      be.write(s, new arr(data));
      return { storage: s, shape, strides: strides ?? contiguous(shape), offset };
    },
    out(dtype: DType, shape: readonly number[]): Out {
      const n = shape.reduce((a, b) => a * b, 1);
      return { storage: be.alloc(dtype, n), shape, offset: 0 };
    },
    read(o: Out | View): number[] {
      return Array.from(be.readSync!(o.storage, 0, o.storage.length));
    },
  };
}

/**
 * Deterministic pseudo-random numbers in [-1, 1) for test inputs.
 *
 * @example
 * ```ts
 * const xs = rand(10, 1);
 * ```
 */
export function rand(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    r.push((s / 4294967296) * 2 - 1);
  }
  return r;
}
