import { adamStep_, type Tensor, zerosLike } from '@kiln/autograd';
import { checkBetas, checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link Adam} and {@link AdamW}.
 *
 * @example
 * ```ts
 * import type { AdamOptions } from '@kiln/optim';
 * const o: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
 * ```
 */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected validate(o: AdamOptions): void {
    checkLr(o.lr);
    checkNonNegative('epsilon', o.eps);
    checkBetas(o.betas);
    checkNonNegative('weight_decay', o.weightDecay);
  }

  protected updateGroup(g: ParamGroup<AdamOptions>): void {
    const [beta1, beta2] = g.betas;
    for (const p of g.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const s = this.stateOf(p);
      if (s.step === undefined) {
        s.step = 0;
        s.expAvg = zerosLike(p).keep();
        s.expAvgSq = zerosLike(p).keep();
        if (g.amsgrad) s.maxExpAvgSq = zerosLike(p).keep();
      }
      const step = (s.step as number) + 1;
      s.step = step;
      const expAvg = s.expAvg as Tensor;
      const expAvgSq = s.expAvgSq as Tensor;
      if (!g.amsgrad) {
        adamStep_(p, grad, expAvg, expAvgSq, {
          lr: g.lr,
          beta1,
          beta2,
          eps: g.eps,
          weightDecay: g.weightDecay,
          decoupled: this.decoupled,
          step,
          maximize: g.maximize,
        });
        continue;
      }
      // AMSGrad keeps the running maximum of the second moment: PyTorch's single-tensor path.
      let d = g.maximize ? grad.neg() : grad;
      if (this.decoupled) p.mul_(1 - g.lr * g.weightDecay);
      else if (g.weightDecay !== 0) d = d.add(p, { alpha: g.weightDecay });
      expAvg.mul_(beta1).add_(d, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(d, d, { value: 1 - beta2 });
      const maxSq = s.maxExpAvgSq as Tensor;
      const m = maxSq.maximum(expAvgSq);
      maxSq.copy_(m);
      m.dispose();
      const bc1 = 1 - beta1 ** step;
      const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
      const root = maxSq.sqrt();
      const denom = root.div(bc2Sqrt).add_(g.eps);
      p.addcdiv_(expAvg, denom, { value: -g.lr / bc1 });
      root.dispose();
      denom.dispose();
      if (d !== grad) d.dispose();
    }
  }
}

/**
 * Adam (Kingma & Ba) with optional AMSGrad, L2 weight decay and maximisation, as
 * `torch.optim.Adam`. Uses the backend's fused `adamStep` kernel when present.
 *
 * @example
 * ```ts
 * import { Adam } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const w = ones([2], { requiresGrad: true });
 * const opt = new Adam([w], { lr: 1e-3 });
 * w.square().sum().backward();
 * opt.step();
 * ```
 */
export class Adam extends AdamBase {
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      ...options,
    });
  }

  get name(): string {
    return 'Adam';
  }
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), as `torch.optim.AdamW` (weight decay
 * defaults to 0.01).
 *
 * @example
 * ```ts
 * import { AdamW } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new AdamW([ones([2], { requiresGrad: true })], { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export class AdamW extends AdamBase {
  protected readonly decoupled: boolean = true;

  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, {
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 1e-2,
      amsgrad: false,
      maximize: false,
      ...options,
    });
  }

  get name(): string {
    return 'AdamW';
  }
}
