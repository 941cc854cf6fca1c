import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { ShapeError, ValueError } from '../../errors/errors.js';
import { alive, requireFloat } from '../../internal/make.js';
import type { Generator } from '../../random/generator.js';
import { mul, runBinary } from '../binary.js';
import { rand } from '../creation.js';
import { cast } from '../device.js';

/**
 * Options of {@link dropout} and {@link dropout2d}: drop probability `p` (default 0.5), whether in
 * training mode (default true, as PyTorch's functional form) and the random `generator`.
 *
 * @example
 * ```ts
 * import { dropout, ones, Generator } from '@kiln/tensor';
 * dropout(ones([4]), { p: 0.5, generator: new Generator(0) }).shape; // [4]
 * ```
 */
export interface DropoutOptions {
  p?: number;
  training?: boolean;
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ValueError(`${op}: dropout probability has to be between 0 and 1 (got ${String(p)})`);
  }
}

/** A {0, 1/(1−p)} mask of `shape` drawn from the Philox generator (kept where u < 1 − p). */
function keepMask(x: Tensor, shape: readonly number[], p: number, generator: Generator | undefined): Tensor {
  const u = rand(shape, {
    dtype: x.dtype,
    device: x.device,
    ...(generator === undefined ? {} : { generator }),
  });
  const keep = runBinary('lt', u, 1 - p, 'compare');
  u.dispose();
  const m = cast(keep, x.dtype);
  keep.dispose();
  const scaled = runBinary('mul', m, 1 / (1 - p), 'arith');
  m.dispose();
  return scaled;
}

function apply(op: string, x: Tensor, maskShape: readonly number[], options: DropoutOptions): Tensor {
  const p = options.p ?? 0.5;
  checkP(op, p);
  if (!(options.training ?? true) || p === 0) return x;
  // NOTE: multiplying by zero (not a fresh zeros tensor) keeps x in the graph, as PyTorch.
  if (p === 1) return mul(x, 0);
  const mask = keepMask(x, maskShape, p, options.generator);
  const y = mul(x, mask);
  if (!x.requiresGrad) mask.dispose();
  return y;
}

/**
 * Zeroes each element with probability `p` and scales the rest by `1/(1−p)` in training mode;
 * returns `x` itself otherwise. The mask comes from the counter-based generator, so a seed gives
 * the same mask on every backend.
 *
 * @example
 * ```ts
 * import { dropout, ones } from '@kiln/tensor';
 * dropout(ones([3]), { training: false }).toArray(); // [1, 1, 1]
 * ```
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  alive(x, 'dropout');
  requireFloat('dropout', x);
  return apply('dropout', x, x.shape, options);
}

/**
 * Zeroes whole channels: for `x` [N, C, H, W] (or unbatched [C, H, W]) each (n, c) plane is
 * dropped with probability `p`, the rest scaled by `1/(1−p)`.
 *
 * @example
 * ```ts
 * import { dropout2d, ones } from '@kiln/tensor';
 * dropout2d(ones([2, 3, 4, 4]), { p: 0.5 }).shape; // [2, 3, 4, 4]
 * ```
 */
export function dropout2d(x: Tensor, options: DropoutOptions = {}): Tensor {
  alive(x, 'dropout2d');
  requireFloat('dropout2d', x);
  const r = x.shape.length;
  if (r !== 3 && r !== 4) {
    throw new ShapeError(
      `dropout2d: expected 3-D (unbatched) or 4-D (batched) input (got ${r}-D input of shape ${formatShape(x.shape)})`,
    );
  }
  const maskShape = x.shape.map((d, i) => (i < r - 2 ? d : 1));
  return apply('dropout2d', x, maskShape, options);
}
