import { fullLike, type Tensor } from '@kiln/autograd';
import { checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link Adagrad}.
 *
 * @example
 * ```ts
 * import type { AdagradOptions } from '@kiln/optim';
 * const o: Partial<AdagradOptions> = { lr: 0.1, lrDecay: 0.01 };
 * ```
 */
export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * Adagrad, as `torch.optim.Adagrad`.
 *
 * @example
 * ```ts
 * import { Adagrad } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new Adagrad([ones([2], { requiresGrad: true })], { lr: 0.1 });
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, {
      lr: 1e-2,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
      ...options,
    });
    // PyTorch creates Adagrad's state eagerly in the constructor.
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const s = this.stateOf(p);
        s.step = 0;
        s.sum = fullLike(p, g.initialAccumulatorValue).keep();
      }
    }
  }

  get name(): string {
    return 'Adagrad';
  }

  protected validate(o: AdagradOptions): void {
    checkLr(o.lr);
    checkNonNegative('lr_decay', o.lrDecay);
    checkNonNegative('weight_decay', o.weightDecay);
    checkNonNegative('initial_accumulator_value', o.initialAccumulatorValue);
    checkNonNegative('epsilon', o.eps);
  }

  protected updateGroup(g: ParamGroup<AdagradOptions>): void {
    for (const p of g.params) {
      const grad0 = p.grad;
      if (grad0 === null) continue;
      const s = this.stateOf(p);
      if (s.sum === undefined) {
        s.step = 0;
        s.sum = fullLike(p, g.initialAccumulatorValue).keep();
      }
      const step = (s.step as number) + 1;
      s.step = step;
      let grad = g.maximize ? grad0.neg() : grad0;
      if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
      const clr = g.lr / (1 + (step - 1) * g.lrDecay);
      const sum = s.sum as Tensor;
      sum.addcmul_(grad, grad, { value: 1 });
      const std = sum.sqrt().add_(g.eps);
      p.addcdiv_(grad, std, { value: -clr });
      std.dispose();
      if (grad !== grad0) grad.dispose();
    }
  }
}
