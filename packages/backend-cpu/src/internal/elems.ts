import type { CpuStorage } from './storage.js';
import type { Out, View } from './tensor-types.js';

/**
 * The element array of a storage as the kernels' inner loops index it.
 *
 * NOTE: typed on purpose as `any`: the loops index Float32Array/Float64Array/Int32Array/Uint8Array
 * through one name, and `noUncheckedIndexedAccess` would otherwise put a `!` on every access.
 *
 * @example
 * ```ts
 * const d: Elems = new Float32Array(4);
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: inner typed arrays of hot loops (see NOTE above)
export type Elems = any;

/**
 * The typed array behind a view or output.
 *
 * @example
 * ```ts
 * const d = elemsOf(view);
 * ```
 */
export function elemsOf(v: View | Out): Elems {
  return (v.storage as CpuStorage).data;
}
