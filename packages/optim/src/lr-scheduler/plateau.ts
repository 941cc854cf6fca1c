import { ValueError } from '@kiln/autograd';
import { Optimizer } from '../optimizer.js';
import type { LrOptimizer, SchedulerStateDict } from './lr-scheduler.js';

/**
 * Options of {@link ReduceLROnPlateau}.
 *
 * @example
 * ```ts
 * import type { ReduceLROnPlateauOptions } from '@kiln/optim';
 * const o: ReduceLROnPlateauOptions = { mode: 'min', factor: 0.5, patience: 2 };
 * ```
 */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}

/**
 * Lowers the rate by `factor` when a metric has stopped improving for `patience` steps, as
 * `ReduceLROnPlateau`; `step(metric)` takes the metric.
 *
 * @example
 * ```ts
 * import { SGD, ReduceLROnPlateau } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const sched = new ReduceLROnPlateau(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 }), { patience: 2 });
 * sched.step(0.5);
 * ```
 */
export class ReduceLROnPlateau {
  readonly optimizer: LrOptimizer;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: LrOptimizer, options: ReduceLROnPlateauOptions = {}) {
    if (!(optimizer instanceof Optimizer))
      throw new ValueError(`ReduceLROnPlateau: ${String(optimizer)} is not an Optimizer`);
    const factor = options.factor ?? 0.1;
    if (factor >= 1) throw new ValueError('ReduceLROnPlateau: Factor should be < 1.0.');
    this.optimizer = optimizer;
    this.factor = factor;
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== n)
      throw new ValueError(`ReduceLROnPlateau: expected ${n} min_lrs, got ${minLr.length}`);
    this.minLrs = Array.isArray(minLr) ? minLr.slice() : new Array(n).fill(minLr);
    this.mode = options.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max')
      throw new ValueError(`ReduceLROnPlateau: mode ${String(this.mode)} is unknown!`);
    this.thresholdMode = options.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ValueError(`ReduceLROnPlateau: threshold mode ${String(this.thresholdMode)} is unknown!`);
    }
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.eps = options.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    if (this.mode === 'min')
      return this.thresholdMode === 'rel'
        ? a < this.best * (1 - this.threshold)
        : a < this.best - this.threshold;
    return this.thresholdMode === 'rel'
      ? a > this.best * (this.threshold + 1)
      : a > this.best + this.threshold;
  }

  /** Records the metric of this step and lowers the rates after `patience` bad steps. */
  step(metric: number): void {
    const current = Number(metric);
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates after the last step. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's counters and best metric. */
  stateDict(): SchedulerStateDict {
    return {
      best: this.best,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: this.lastLr.slice(),
    };
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: SchedulerStateDict): void {
    this.best = state.best as number;
    this.numBadEpochs = state.numBadEpochs as number;
    this.cooldownCounter = state.cooldownCounter as number;
    this.lastEpoch = state.lastEpoch as number;
    this.lastLr = (state.lastLr as number[]).slice();
  }
}
