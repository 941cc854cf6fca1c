import { elemsOf } from './elems.js';
import { sizeOf } from './shape.js';
import { type Out, philoxFill, type RandomDistribution } from './tensor-types.js';

/**
 * Fills the float `out` from the contract's Philox4x32-10 stream for `seed` and `offset`, by the
 * reference generator itself so the CPU backend is the definition the others are checked against.
 *
 * @example
 * ```ts
 * random(out, 'normal', 42, 0);
 * ```
 */
export function random(out: Out, distribution: RandomDistribution, seed: number, offset: number): void {
  const od = elemsOf(out) as Float32Array | Float64Array;
  philoxFill(od, distribution, seed, offset, out.offset, sizeOf(out.shape));
}
