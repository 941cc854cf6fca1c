import { type Tensor, ValueError } from '@kiln/autograd';

/**
 * How a loss reduces its per-element values: `'mean'` (default), `'sum'` or `'none'`.
 *
 * @example
 * ```ts
 * import type { Reduction } from '@kiln/nn';
 * const r: Reduction = 'sum';
 * ```
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** Applies a reduction to elementwise losses. @internal */
export function reduce(loss: Tensor, reduction: Reduction | undefined, op: string): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean':
      return loss.mean();
    case 'sum':
      return loss.sum();
    case 'none':
      return loss;
    default:
      throw new ValueError(
        `${op}: ${String(reduction)} is not a valid value for reduction (expected 'mean', 'sum' or 'none')`,
      );
  }
}

/** Throws a ShapeError-like ValueError unless input and target shapes match. @internal */
export function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new ValueError(
      `${op}: Using a target size ([${target.shape.join(', ')}]) that is different to the input size ([${input.shape.join(', ')}]) is not supported (expected equal shapes)`,
    );
  }
}
