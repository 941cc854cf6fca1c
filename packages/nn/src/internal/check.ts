import { ShapeError, type Tensor } from '@kiln/autograd';

/** Throws a ShapeError naming the layer and both shapes unless `x`'s last dim is `expected`. */
export function checkLastDim(layer: string, x: Tensor, expected: number, what: string): void {
  const got = x.shape[x.shape.length - 1];
  if (x.ndim === 0 || got !== expected) {
    throw new ShapeError(
      `${layer}: expected input with last dimension ${expected} (${what}), got shape [${x.shape.join(', ')}]`,
    );
  }
}

/** Throws a ShapeError naming the layer unless `x` has one of the ranks. */
export function checkRank(layer: string, x: Tensor, ranks: readonly number[], layout: string): void {
  if (!ranks.includes(x.ndim)) {
    throw new ShapeError(
      `${layer}: expected ${ranks.map((r) => `${r}-D`).join(' or ')} input ${layout}, got ${x.ndim}-D input of shape [${x.shape.join(', ')}]`,
    );
  }
}

/** Throws a ShapeError naming the layer unless dim `dim` of `x` is `expected`. */
export function checkDim(layer: string, x: Tensor, dim: number, expected: number, what: string): void {
  const d = dim < 0 ? x.ndim + dim : dim;
  if (x.shape[d] !== expected) {
    throw new ShapeError(
      `${layer}: expected input with ${expected} ${what} at dim ${d}, got shape [${x.shape.join(', ')}]`,
    );
  }
}
