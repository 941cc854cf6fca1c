import { ValueError } from '@kiln/autograd';
import { LRScheduler, type LrOptimizer } from './lr-scheduler.js';

/**
 * Cosine annealing from the base rate to `etaMin` over `tMax` steps, as `CosineAnnealingLR`
 * (PyTorch's recursive form).
 *
 * @example
 * ```ts
 * import { SGD, CosineAnnealingLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new CosineAnnealingLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { tMax: 7, etaMin: 0.001 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: LrOptimizer, options: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super(optimizer, options.lastEpoch);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  getLr(): number[] {
    const groups = this.groups();
    const e = this.lastEpoch;
    const T = this.tMax;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map(
        (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2,
      );
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return groups.map(
        (g, i) => g.lr + ((this.baseLrs[i]! - this.etaMin) * (1 - Math.cos(Math.PI / T))) / 2,
      );
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - this.etaMin) +
        this.etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2,
    );
  }
}

/**
 * Cosine annealing with warm restarts every `t0` steps (periods growing by `tMult`), as
 * `CosineAnnealingWarmRestarts`.
 *
 * @example
 * ```ts
 * import { SGD, CosineAnnealingWarmRestarts } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new CosineAnnealingWarmRestarts(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { t0: 4, tMult: 2 });
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  readonly t0: number;
  readonly tMult: number;
  readonly etaMin: number;
  tI: number;
  tCur: number;

  constructor(
    optimizer: LrOptimizer,
    options: { t0: number; tMult?: number; etaMin?: number; lastEpoch?: number },
  ) {
    super(optimizer, options.lastEpoch);
    if (!Number.isInteger(options.t0) || options.t0 <= 0) {
      throw new ValueError(
        `CosineAnnealingWarmRestarts: Expected positive integer T_0, but got ${options.t0}`,
      );
    }
    const tMult = options.tMult ?? 1;
    if (!Number.isInteger(tMult) || tMult < 1) {
      throw new ValueError(`CosineAnnealingWarmRestarts: Expected integer T_mult >= 1, but got ${tMult}`);
    }
    this.t0 = options.t0;
    this.tMult = tMult;
    this.etaMin = options.etaMin ?? 0;
    this.tI = this.t0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2,
    );
  }

  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (epoch < 0)
        throw new ValueError(`CosineAnnealingWarmRestarts: Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = epoch % this.t0;
        else {
          const n = Math.floor(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.stepCount++;
    const groups = this.groups();
    this.getLr().forEach((lr, i) => {
      groups[i]!.lr = lr;
    });
    this.lastLr = groups.map((g) => g.lr);
  }
}
