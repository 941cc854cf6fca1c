import { type Tensor, zerosLike } from '@kiln/autograd';
import { checkBetas, checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link RAdam}.
 *
 * @example
 * ```ts
 * import type { RAdamOptions } from '@kiln/optim';
 * const o: Partial<RAdamOptions> = { lr: 1e-3 };
 * ```
 */
export interface RAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

/**
 * Rectified Adam (Liu et al.), as `torch.optim.RAdam`.
 *
 * @example
 * ```ts
 * import { RAdam } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new RAdam([ones([2], { requiresGrad: true })], { lr: 0.02 });
 * ```
 */
export class RAdam extends Optimizer<RAdamOptions> {
  constructor(params: ParamsInput<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...options });
  }

  get name(): string {
    return 'RAdam';
  }

  protected validate(o: RAdamOptions): void {
    checkLr(o.lr);
    checkNonNegative('epsilon', o.eps);
    checkBetas(o.betas);
    checkNonNegative('weight_decay', o.weightDecay);
  }

  protected updateGroup(g: ParamGroup<RAdamOptions>): void {
    const [beta1, beta2] = g.betas;
    const rhoInf = 2 / (1 - beta2) - 1;
    for (const p of g.params) {
      const grad0 = p.grad;
      if (grad0 === null) continue;
      const s = this.stateOf(p);
      if (s.step === undefined) {
        s.step = 0;
        s.expAvg = zerosLike(p).keep();
        s.expAvgSq = zerosLike(p).keep();
      }
      const step = (s.step as number) + 1;
      s.step = step;
      const grad = g.weightDecay !== 0 ? grad0.add(p, { alpha: g.weightDecay }) : grad0;
      const expAvg = s.expAvg as Tensor;
      const expAvgSq = s.expAvgSq as Tensor;
      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
      const bc1 = 1 - beta1 ** step;
      const bc2 = 1 - beta2 ** step;
      const corrected = expAvg.div(bc1);
      const rhoT = rhoInf - (2 * step * beta2 ** step) / bc2;
      if (rhoT > 5) {
        const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        const root = expAvgSq.sqrt().add_(g.eps);
        const adaptive = root.reciprocal().mul_(Math.sqrt(bc2));
        const update = corrected.mul(g.lr).mul_(adaptive).mul_(rect);
        p.sub_(update);
        root.dispose();
        adaptive.dispose();
        update.dispose();
      } else p.add_(corrected, { alpha: -g.lr });
      corrected.dispose();
      if (grad !== grad0) grad.dispose();
    }
  }
}
