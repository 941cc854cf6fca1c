import { type Tensor, zerosLike } from '@kiln/autograd';
import { checkBetas, checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link Adamax}.
 *
 * @example
 * ```ts
 * import type { AdamaxOptions } from '@kiln/optim';
 * const o: Partial<AdamaxOptions> = { lr: 2e-3 };
 * ```
 */
export interface AdamaxOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * Adamax (Adam with the infinity norm), as `torch.optim.Adamax`.
 *
 * @example
 * ```ts
 * import { Adamax } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new Adamax([ones([2], { requiresGrad: true })], { lr: 0.02 });
 * ```
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  constructor(params: ParamsInput<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, ...options });
  }

  get name(): string {
    return 'Adamax';
  }

  protected validate(o: AdamaxOptions): void {
    checkLr(o.lr);
    checkNonNegative('epsilon', o.eps);
    checkBetas(o.betas);
    checkNonNegative('weight_decay', o.weightDecay);
  }

  protected updateGroup(g: ParamGroup<AdamaxOptions>): void {
    const [beta1, beta2] = g.betas;
    for (const p of g.params) {
      const grad0 = p.grad;
      if (grad0 === null) continue;
      const s = this.stateOf(p);
      if (s.step === undefined) {
        s.step = 0;
        s.expAvg = zerosLike(p).keep();
        s.expInf = zerosLike(p).keep();
      }
      const step = (s.step as number) + 1;
      s.step = step;
      let grad = g.maximize ? grad0.neg() : grad0;
      if (g.weightDecay !== 0) grad = grad.add(p, { alpha: g.weightDecay });
      const expAvg = s.expAvg as Tensor;
      const expInf = s.expInf as Tensor;
      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      const a = grad.abs().add_(g.eps);
      const m = expInf.mul_(beta2).maximum(a);
      expInf.copy_(m);
      a.dispose();
      m.dispose();
      const clr = g.lr / (1 - beta1 ** step);
      p.addcdiv_(expAvg, expInf, { value: -clr });
      if (grad !== grad0) grad.dispose();
    }
  }
}
