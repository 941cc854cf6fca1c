import { sgdStep_, type Tensor, ValueError, zerosLike } from '@kiln/autograd';
import { checkLr, checkNonNegative } from './internal/validate.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link SGD} (PyTorch's names in camelCase).
 *
 * @example
 * ```ts
 * import type { SGDOptions } from '@kiln/optim';
 * const o: SGDOptions = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, maximize: false };
 * ```
 */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay
 * and maximisation, as `torch.optim.SGD`. Uses the backend's fused `sgdStep` kernel when present.
 *
 * @example
 * ```ts
 * import { SGD } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const w = ones([2], { requiresGrad: true });
 * const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
 * w.square().sum().backward();
 * opt.step();
 * ```
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super(params, {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...options,
    });
  }

  get name(): string {
    return 'SGD';
  }

  protected validate(o: SGDOptions): void {
    checkLr(o.lr);
    checkNonNegative('momentum', o.momentum);
    checkNonNegative('weight_decay', o.weightDecay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ValueError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected updateGroup(g: ParamGroup<SGDOptions>): void {
    for (const p of g.params) {
      const grad = p.grad;
      if (grad === null) continue;
      let buf: Tensor | null = null;
      let firstStep = false;
      if (g.momentum !== 0) {
        const s = this.stateOf(p);
        const existing = s.momentumBuffer;
        if (existing === undefined || typeof existing === 'number') {
          buf = zerosLike(p).keep();
          s.momentumBuffer = buf;
          firstStep = true;
        } else buf = existing;
      }
      sgdStep_(p, grad, buf, {
        lr: g.lr,
        momentum: g.momentum,
        dampening: g.dampening,
        weightDecay: g.weightDecay,
        nesterov: g.nesterov,
        maximize: g.maximize,
        firstStep,
      });
    }
  }
}
