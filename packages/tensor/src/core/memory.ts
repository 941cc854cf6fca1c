import { runScoped } from './scope.js';
import { Tensor } from './tensor.js';

function isTensorValue(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (in arrays and
 * plain objects too) and those marked with `keep()`. Scopes nest.
 *
 * @example
 * ```ts
 * import { tidy, ones } from '@kiln/tensor';
 * const y = tidy(() => ones([2]).add(1).mul(3)); // the intermediate is freed
 * y.toArray(); // [6, 6]
 * ```
 */
export function tidy<T>(fn: () => T): T {
  return runScoped(fn, isTensorValue);
}

/**
 * Disposes one tensor, or every tensor in an array or plain object.
 *
 * @example
 * ```ts
 * import { dispose, ones } from '@kiln/tensor';
 * dispose([ones([1]), ones([2])]);
 * ```
 */
export function dispose(value: unknown): void {
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value)) for (const v of value) dispose(v);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) dispose(v);
}
