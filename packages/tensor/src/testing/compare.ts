import { formatShape } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import type { GoldenTensor } from './golden-types.js';

/**
 * The outcome of comparing a tensor with expected values.
 *
 * @example
 * ```ts
 * import type { Comparison } from '@kiln/tensor/testing';
 * const show = (c: Comparison) => (c.ok ? 'ok' : c.message);
 * ```
 */
export interface Comparison {
  readonly ok: boolean;
  /** Largest |got − want| over the elements (0 for exact, NaN-aware). */
  readonly maxError: number;
  readonly message: string;
}

/**
 * Compares a tensor with golden values: shape, dtype category and every element within
 * `|got − want| ≤ atol + rtol·|want|` (NaN equals NaN, infinities must match exactly).
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * import { compareToGolden } from '@kiln/tensor/testing';
 * compareToGolden(tensor([1, 2]), { shape: [2], dtype: 'int64', data: [1, 2] }, 0, 0).ok; // true
 * ```
 */
export function compareToGolden(
  got: Tensor,
  want: GoldenTensor,
  rtol: number,
  atol: number,
  label = 'output',
): Comparison {
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return {
      ok: false,
      maxError: Number.POSITIVE_INFINITY,
      message: `${label}: shape ${formatShape(got.shape)} (expected ${formatShape(want.shape)})`,
    };
  }
  const wantBool = want.dtype === 'bool';
  if (wantBool !== (got.dtype === 'bool')) {
    return {
      ok: false,
      maxError: Number.POSITIVE_INFINITY,
      message: `${label}: dtype ${got.dtype} (expected ${want.dtype})`,
    };
  }
  const wantInt = want.dtype === 'int64' || want.dtype === 'int32';
  if (wantInt !== (got.dtype === 'int32')) {
    return {
      ok: false,
      maxError: Number.POSITIVE_INFINITY,
      message: `${label}: dtype ${got.dtype} (expected ${want.dtype})`,
    };
  }
  const values = got.dataSync();
  let maxError = 0;
  let worst = -1;
  for (let i = 0; i < values.length; i++) {
    const g = Number(values[i]);
    const raw = want.data[i]!;
    const w = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) {
        maxError = Number.POSITIVE_INFINITY;
        worst = i;
      }
      continue;
    }
    const err = Math.abs(g - w);
    const excess = err - (atol + rtol * Math.abs(w));
    if (excess > 0 && (worst < 0 || err > maxError)) worst = i;
    if (err > maxError) maxError = err;
  }
  if (worst >= 0) {
    const raw = want.data[worst]!;
    return {
      ok: false,
      maxError,
      message: `${label}: element ${worst} is ${String(values[worst])} (expected ${String(raw)} within atol ${atol} + rtol ${rtol}; max error ${maxError.toExponential(3)})`,
    };
  }
  return { ok: true, maxError, message: 'ok' };
}
