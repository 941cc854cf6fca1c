import type { KilnApi } from './case.js';
import { requireOptional } from './optional.js';

/**
 * Loads `@kiln/autograd` (which installs itself as the tensor core's autograd layer) or throws
 * the one-line reason the case is pending.
 *
 * @example
 * ```ts
 * const autograd = await requireAutograd(kt);
 * ```
 */
export async function requireAutograd(kt: KilnApi): Promise<Record<string, unknown>> {
  const mod = await requireOptional('@kiln/autograd');
  if (kt.getAutogradHook() === null)
    throw new Error('pending: @kiln/autograd loaded but installed no autograd hook');
  return mod;
}
