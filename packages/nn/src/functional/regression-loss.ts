import { type Tensor, tidy, ValueError, where } from '@kiln/autograd';
import { checkSameShape, type Reduction, reduce } from './reduction.js';

/**
 * Mean squared error.
 *
 * @example
 * ```ts
 * import { mseLoss } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * mseLoss(tensor([1, 2]).float(), tensor([1, 4]).float()).item(); // 2
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkSameShape('mseLoss', input, target);
    return reduce(input.sub(target).square(), options.reduction, 'mseLoss');
  });
}

/**
 * Mean absolute error.
 *
 * @example
 * ```ts
 * import { l1Loss } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * l1Loss(tensor([1, 2]).float(), tensor([1, 4]).float()).item(); // 1
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkSameShape('l1Loss', input, target);
    return reduce(input.sub(target).abs(), options.reduction, 'l1Loss');
  });
}

/**
 * Smooth L1: quadratic `0.5·d²/β` below `β`, linear `|d| − 0.5·β` above (`β = 0` is L1).
 *
 * @example
 * ```ts
 * import { smoothL1Loss } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * smoothL1Loss(tensor([0, 3]).float(), tensor([0.5, 0]).float()).item(); // 1.3125
 * ```
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; beta?: number } = {},
): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkSameShape('smoothL1Loss', input, target);
    const beta = options.beta ?? 1;
    if (beta < 0)
      throw new ValueError(
        `smoothL1Loss: smooth_l1_loss does not support negative values for beta (got ${beta})`,
      );
    const d = input.sub(target).abs();
    if (beta === 0) return reduce(d, options.reduction, 'smoothL1Loss');
    const loss = where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta));
    return reduce(loss, options.reduction, 'smoothL1Loss');
  });
}

/**
 * Huber loss: quadratic `0.5·d²` below `δ`, linear `δ·(|d| − 0.5·δ)` above.
 *
 * @example
 * ```ts
 * import { huberLoss } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * huberLoss(tensor([0, 3]).float(), tensor([0.5, 0]).float()).item(); // 1.3125
 * ```
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction; delta?: number } = {},
): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkSameShape('huberLoss', input, target);
    const delta = options.delta ?? 1;
    if (!(delta > 0))
      throw new ValueError(
        `huberLoss: huber_loss does not support non-positive values for delta (got ${delta})`,
      );
    const d = input.sub(target).abs();
    const loss = where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta));
    return reduce(loss, options.reduction, 'huberLoss');
  });
}
