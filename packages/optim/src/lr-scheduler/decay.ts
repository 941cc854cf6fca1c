import { ValueError } from '@kiln/autograd';
import { checkPositiveInt, LRScheduler, type LrOptimizer } from './lr-scheduler.js';

/**
 * Multiplies the rate by `gamma` every `stepSize` steps, as `StepLR`.
 *
 * @example
 * ```ts
 * import { SGD, StepLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const sched = new StepLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { stepSize: 3, gamma: 0.5 });
 * ```
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: LrOptimizer, options: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    checkPositiveInt('StepLR', 'step_size', options.stepSize);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  getLr(): number[] {
    const groups = this.groups();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Multiplies the rate by `gamma` at each milestone, as `MultiStepLR`.
 *
 * @example
 * ```ts
 * import { SGD, MultiStepLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new MultiStepLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { milestones: [2, 5], gamma: 0.3 });
 * ```
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(
    optimizer: LrOptimizer,
    options: { milestones: readonly number[]; gamma?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.groups().map((g) => (count === 0 ? g.lr : g.lr * this.gamma ** count));
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/**
 * Multiplies the rate by `gamma` every step, as `ExponentialLR`.
 *
 * @example
 * ```ts
 * import { SGD, ExponentialLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new ExponentialLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { gamma: 0.9 });
 * ```
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: LrOptimizer, options: { gamma: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.gamma = options.gamma;
    this.initialStep();
  }

  getLr(): number[] {
    return this.groups().map((g) => (this.lastEpoch === 0 ? g.lr : g.lr * this.gamma));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Scales the rate by `factor` until `totalIters` steps have passed, as `ConstantLR`.
 *
 * @example
 * ```ts
 * import { SGD, ConstantLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new ConstantLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { factor: 0.5, totalIters: 4 });
 * ```
 */
export class ConstantLR extends LRScheduler {
  readonly factor: number;
  readonly totalIters: number;

  constructor(
    optimizer: LrOptimizer,
    options: { factor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.factor = options.factor ?? 1 / 3;
    this.totalIters = options.totalIters ?? 5;
    if (this.factor > 1 || this.factor < 0) {
      throw new ValueError('ConstantLR: Constant multiplicative factor expected to be between 0 and 1.');
    }
    this.initialStep();
  }

  getLr(): number[] {
    const groups = this.groups();
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)),
    );
  }
}

/**
 * Changes the rate linearly from `startFactor` to `endFactor` over `totalIters` steps, as
 * `LinearLR` (a warm-up).
 *
 * @example
 * ```ts
 * import { SGD, LinearLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new LinearLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { startFactor: 0.1, totalIters: 5 });
 * ```
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(
    optimizer: LrOptimizer,
    options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0) {
      throw new ValueError(
        'LinearLR: Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
      );
    }
    if (this.endFactor > 1 || this.endFactor < 0) {
      throw new ValueError('LinearLR: Ending multiplicative factor expected to be between 0 and 1.');
    }
    this.initialStep();
  }

  getLr(): number[] {
    const groups = this.groups();
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return groups.map((g) => g.lr);
    const d = this.endFactor - this.startFactor;
    return groups.map(
      (g) => g.lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)),
    );
  }

  protected override closedFormLr(): number[] {
    const f =
      this.startFactor +
      ((this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters;
    return this.baseLrs.map((b) => b * f);
  }
}

/**
 * Decays the rate polynomially to 0 over `totalIters` steps, as `PolynomialLR`.
 *
 * @example
 * ```ts
 * import { SGD, PolynomialLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new PolynomialLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { totalIters: 8, power: 2 });
 * ```
 */
export class PolynomialLR extends LRScheduler {
  readonly totalIters: number;
  readonly power: number;

  constructor(
    optimizer: LrOptimizer,
    options: { totalIters?: number; power?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, options.lastEpoch);
    this.totalIters = options.totalIters ?? 5;
    this.power = options.power ?? 1;
    this.initialStep();
  }

  getLr(): number[] {
    const groups = this.groups();
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return groups.map((g) => g.lr);
    const f =
      ((1 - this.lastEpoch / this.totalIters) / (1 - (this.lastEpoch - 1) / this.totalIters)) ** this.power;
    return groups.map((g) => g.lr * f);
  }

  protected override closedFormLr(): number[] {
    const f = (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power;
    return this.baseLrs.map((b) => b * f);
  }
}

type EpochFn = (epoch: number) => number;

/** One function per parameter group: the one given for all, or a list of the right length. */
function perGroupLambdas(op: string, optimizer: LrOptimizer, given: EpochFn | EpochFn[]): EpochFn[] {
  const n = optimizer.paramGroups.length;
  if (Array.isArray(given) && given.length !== n) {
    throw new ValueError(`${op}: Expected ${n} lr_lambdas, but got ${given.length}`);
  }
  return Array.isArray(given) ? given : new Array<EpochFn>(n).fill(given);
}

/**
 * Sets the rate to `baseLr * lambda(step)`, as `LambdaLR` (one function, or one per group).
 *
 * @example
 * ```ts
 * import { SGD, LambdaLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new LambdaLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { lrLambda: (e) => 0.95 ** e });
 * ```
 */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: LrOptimizer,
    options: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.lambdas = perGroupLambdas('LambdaLR', optimizer, options.lrLambda);
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lambdas[i]!(this.lastEpoch));
  }
}

/**
 * Multiplies the rate by `lambda(step)` every step, as `MultiplicativeLR`.
 *
 * @example
 * ```ts
 * import { SGD, MultiplicativeLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new MultiplicativeLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { lrLambda: () => 0.95 });
 * ```
 */
export class MultiplicativeLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];

  constructor(
    optimizer: LrOptimizer,
    options: { lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[]; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    this.lambdas = perGroupLambdas('MultiplicativeLR', optimizer, options.lrLambda);
    this.initialStep();
  }

  getLr(): number[] {
    return this.groups().map((g, i) => (this.lastEpoch > 0 ? g.lr * this.lambdas[i]!(this.lastEpoch) : g.lr));
  }
}
