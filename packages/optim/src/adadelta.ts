import { type Tensor, ValueError, zerosLike } from '@kiln/autograd';
import { checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link Adadelta}.
 *
 * @example
 * ```ts
 * import type { AdadeltaOptions } from '@kiln/optim';
 * const o: Partial<AdadeltaOptions> = { rho: 0.9 };
 * ```
 */
export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * Adadelta, as `torch.optim.Adadelta`.
 *
 * @example
 * ```ts
 * import { Adadelta } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new Adadelta([ones([2], { requiresGrad: true })]);
 * ```
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(params: ParamsInput<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...options });
  }

  get name(): string {
    return 'Adadelta';
  }

  protected validate(o: AdadeltaOptions): void {
    checkLr(o.lr);
    if (!(o.rho >= 0 && o.rho <= 1)) throw new ValueError(`Invalid rho value: ${o.rho}`);
    checkNonNegative('epsilon', o.eps);
    checkNonNegative('weight_decay', o.weightDecay);
  }

  protected updateGroup(g: ParamGroup<AdadeltaOptions>): void {
    for (const p of g.params) {
      const grad0 = p.grad;
      if (grad0 === null) continue;
      const s = this.stateOf(p);
      if (s.step === undefined) {
        s.step = 0;
        s.squareAvg = zerosLike(p).keep();
        s.accDelta = zerosLike(p).keep();
      }
      s.step = (s.step as number) + 1;
      let grad = g.maximize ? grad0.neg() : grad0;
      if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
      const squareAvg = s.squareAvg as Tensor;
      const accDelta = s.accDelta as Tensor;
      squareAvg.mul_(g.rho).addcmul_(grad, grad, { value: 1 - g.rho });
      const std = squareAvg.add(g.eps).sqrt_();
      const delta = accDelta.add(g.eps).sqrt_().div_(std).mul_(grad);
      accDelta.mul_(g.rho).addcmul_(delta, delta, { value: 1 - g.rho });
      p.add_(delta, { alpha: -g.lr });
      std.dispose();
      delta.dispose();
      if (grad !== grad0) grad.dispose();
    }
  }
}
