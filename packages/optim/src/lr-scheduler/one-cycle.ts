import { ValueError } from '@kiln/autograd';
import { LRScheduler, type LrOptimizer, type SchedulerGroup } from './lr-scheduler.js';

/**
 * Options of {@link OneCycleLR} (PyTorch's names in camelCase).
 *
 * @example
 * ```ts
 * import type { OneCycleLROptions } from '@kiln/optim';
 * const o: OneCycleLROptions = { maxLr: 0.5, totalSteps: 100 };
 * ```
 */
export interface OneCycleLROptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith & Topin), as `OneCycleLR`: the rate warms up to `maxLr` and anneals far
 * below the start, while momentum (or Adam's beta1) cycles the other way.
 *
 * @example
 * ```ts
 * import { SGD, OneCycleLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new OneCycleLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 }), { maxLr: 0.5, totalSteps: 21 });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;

  constructor(optimizer: LrOptimizer, options: OneCycleLROptions) {
    const lastEpoch = options.lastEpoch ?? -1;
    let total: number;
    if (options.totalSteps !== undefined) {
      if (!Number.isInteger(options.totalSteps) || options.totalSteps <= 0) {
        throw new ValueError(
          `OneCycleLR: Expected positive integer total_steps, but got ${options.totalSteps}`,
        );
      }
      total = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      if (!Number.isInteger(options.epochs) || options.epochs <= 0) {
        throw new ValueError(`OneCycleLR: Expected positive integer epochs, but got ${options.epochs}`);
      }
      if (!Number.isInteger(options.stepsPerEpoch) || options.stepsPerEpoch <= 0) {
        throw new ValueError(
          `OneCycleLR: Expected positive integer steps_per_epoch, but got ${options.stepsPerEpoch}`,
        );
      }
      total = options.epochs * options.stepsPerEpoch;
    } else {
      throw new ValueError('OneCycleLR: You must define either total_steps OR (epochs AND steps_per_epoch)');
    }
    const pct = options.pctStart ?? 0.3;
    if (!(pct >= 0 && pct <= 1))
      throw new ValueError(`OneCycleLR: Expected float between 0 and 1 pct_start, but got ${pct}`);
    const groups = optimizer.paramGroups as SchedulerGroup[];
    const maxLrs = Array.isArray(options.maxLr) ? options.maxLr : groups.map(() => options.maxLr as number);
    if (maxLrs.length !== groups.length) {
      throw new ValueError(`OneCycleLR: expected ${groups.length} values for max_lr, got ${maxLrs.length}`);
    }
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        const initial = maxLrs[i]! / divFactor;
        g.initialLr = initial;
        g.lr = initial;
        g.maxLr = maxLrs[i]!;
        g.minLr = initial / finalDivFactor;
      });
    }
    const cycleMomentum = options.cycleMomentum ?? true;
    const defaults = optimizer.defaults as Record<string, unknown>;
    const useBeta1 = 'betas' in defaults;
    if (cycleMomentum) {
      if (!('momentum' in defaults) && !useBeta1) {
        throw new ValueError(
          'OneCycleLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled',
        );
      }
      const base = options.baseMomentum ?? 0.85;
      const max = options.maxMomentum ?? 0.95;
      if (lastEpoch === -1) {
        for (const g of groups) {
          if (useBeta1) g.betas = [max, (g.betas as [number, number])[1]];
          else g.momentum = max;
          g.maxMomentum = max;
          g.baseMomentum = base;
        }
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.anneal =
      (options.annealStrategy ?? 'cos') === 'cos'
        ? (s, e, p) => e + ((s - e) / 2) * (Math.cos(Math.PI * p) + 1)
        : (s, e, p) => (e - s) * p + s;
    this.phases = options.threePhase
      ? [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pct * total - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    this.initialStep();
  }

  getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new ValueError(
        `OneCycleLR: Tried to step ${step} times. The specified number of total steps is ${this.totalSteps}`,
      );
    }
    return this.groups().map((g) => {
      let start = 0;
      let lr = g.lr;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i]!;
        if (step <= phase.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (phase.endStep - start);
          lr = this.anneal(g[phase.startLr] as number, g[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            const m = this.anneal(g[phase.startMomentum] as number, g[phase.endMomentum] as number, pct);
            if (this.useBeta1) g.betas = [m, (g.betas as [number, number])[1]];
            else g.momentum = m;
          }
          break;
        }
        start = phase.endStep;
      }
      return lr;
    });
  }
}
