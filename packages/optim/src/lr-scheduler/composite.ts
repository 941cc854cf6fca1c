import { ValueError } from '@kiln/autograd';
import type { LRScheduler, LrOptimizer, SchedulerStateDict } from './lr-scheduler.js';

/**
 * Runs schedulers one after another, switching at the milestones, as `SequentialLR` (a warm-up
 * followed by a decay, say). Every scheduler must drive the same optimizer.
 *
 * @example
 * ```ts
 * import { SGD, LinearLR, ExponentialLR, SequentialLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 });
 * const warm = new LinearLR(opt, { startFactor: 0.1, totalIters: 2 });
 * const decay = new ExponentialLR(opt, { gamma: 0.9 });
 * new SequentialLR(opt, { schedulers: [warm, decay], milestones: [2] });
 * ```
 */
export class SequentialLR {
  readonly optimizer: LrOptimizer;
  lastEpoch: number;
  private readonly schedulers: LRScheduler[];
  private readonly milestones: number[];
  private lastLr: number[];

  constructor(
    optimizer: LrOptimizer,
    options: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number },
  ) {
    const { schedulers, milestones } = options;
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new ValueError(
          `SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        `SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    this.optimizer = optimizer;
    this.schedulers = schedulers;
    this.milestones = milestones.slice();
    this.lastEpoch = (options.lastEpoch ?? -1) + 1;
    for (const g of optimizer.paramGroups as ((typeof optimizer.paramGroups)[number] & {
      initialLr?: number;
    })[]) {
      if (g.initialLr !== undefined) g.lr = g.initialLr;
    }
    for (const s of schedulers) s.lastEpoch -= 1;
    (schedulers[0] as unknown as { initialStep(): void }).initialStep();
    this.lastLr = schedulers[0]!.getLastLr();
  }

  /** Advances the active scheduler (restarting the next one at its milestone). */
  step(): void {
    this.lastEpoch++;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx]! <= this.lastEpoch) idx++;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  /** The rates the last step set. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The state of this scheduler and of each inner one. */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      milestones: this.milestones.slice(),
      lastLr: this.lastLr.slice(),
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: SchedulerStateDict): void {
    this.lastEpoch = state.lastEpoch as number;
    this.lastLr = (state.lastLr as number[]).slice();
    (state.schedulers as SchedulerStateDict[]).forEach((s, i) => {
      this.schedulers[i]?.loadStateDict(s);
    });
  }
}

/**
 * Steps several schedulers together each step (their effects multiply), as `ChainedScheduler`.
 *
 * @example
 * ```ts
 * import { SGD, ConstantLR, ExponentialLR, ChainedScheduler } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new SGD([ones([1], { requiresGrad: true })], { lr: 1 });
 * new ChainedScheduler([new ConstantLR(opt, { factor: 0.1, totalIters: 2 }), new ExponentialLR(opt, { gamma: 0.9 })]);
 * ```
 */
export class ChainedScheduler {
  readonly optimizer: LrOptimizer;
  private readonly schedulers: LRScheduler[];
  private lastLr: number[];

  constructor(schedulers: LRScheduler[]) {
    if (schedulers.length === 0) throw new ValueError('ChainedScheduler: expects at least one scheduler');
    const optimizer = schedulers[0]!.optimizer;
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new ValueError(
          `ChainedScheduler: ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    });
    this.optimizer = optimizer;
    this.schedulers = schedulers;
    this.lastLr = schedulers[schedulers.length - 1]!.getLastLr();
  }

  /** Steps every scheduler. */
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The rates the last step set. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The state of each inner scheduler. */
  stateDict(): SchedulerStateDict {
    return { lastLr: this.lastLr.slice(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: SchedulerStateDict): void {
    this.lastLr = (state.lastLr as number[]).slice();
    (state.schedulers as SchedulerStateDict[]).forEach((s, i) => {
      this.schedulers[i]?.loadStateDict(s);
    });
  }
}
