import { type Tensor, zerosLike } from '@kiln/autograd';
import { checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link RMSprop}.
 *
 * @example
 * ```ts
 * import type { RMSpropOptions } from '@kiln/optim';
 * const o: Partial<RMSpropOptions> = { lr: 0.01, centered: true };
 * ```
 */
export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop with optional momentum and centering, as `torch.optim.RMSprop`.
 *
 * @example
 * ```ts
 * import { RMSprop } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new RMSprop([ones([2], { requiresGrad: true })], { lr: 0.01, momentum: 0.5 });
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, {
      lr: 1e-2,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
      ...options,
    });
  }

  get name(): string {
    return 'RMSprop';
  }

  protected validate(o: RMSpropOptions): void {
    checkLr(o.lr);
    checkNonNegative('epsilon', o.eps);
    checkNonNegative('momentum', o.momentum);
    checkNonNegative('weight_decay', o.weightDecay);
    checkNonNegative('alpha', o.alpha);
  }

  protected updateGroup(g: ParamGroup<RMSpropOptions>): void {
    for (const p of g.params) {
      const grad0 = p.grad;
      if (grad0 === null) continue;
      const s = this.stateOf(p);
      if (s.step === undefined) {
        s.step = 0;
        s.squareAvg = zerosLike(p).keep();
        if (g.momentum > 0) s.momentumBuffer = zerosLike(p).keep();
        if (g.centered) s.gradAvg = zerosLike(p).keep();
      }
      s.step = (s.step as number) + 1;
      let grad = g.maximize ? grad0.neg() : grad0;
      if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
      const squareAvg = s.squareAvg as Tensor;
      squareAvg.mul_(g.alpha).addcmul_(grad, grad, { value: 1 - g.alpha });
      let avg: Tensor;
      if (g.centered) {
        const gradAvg = s.gradAvg as Tensor;
        gradAvg.mul_(g.alpha).add_(grad, { alpha: 1 - g.alpha });
        const v = squareAvg.addcmul(gradAvg, gradAvg, { value: -1 });
        avg = v.sqrt();
        v.dispose();
      } else avg = squareAvg.sqrt();
      avg.add_(g.eps);
      if (g.momentum > 0) {
        const buf = s.momentumBuffer as Tensor;
        buf.mul_(g.momentum).addcdiv_(grad, avg);
        p.add_(buf, { alpha: -g.lr });
      } else p.addcdiv_(grad, avg, { value: -g.lr });
      avg.dispose();
      if (grad !== grad0) grad.dispose();
    }
  }
}
