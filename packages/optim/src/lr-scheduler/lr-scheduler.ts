import { ValueError } from '@kiln/autograd';
import { Optimizer, type ParamGroup } from '../optimizer.js';

/** An optimizer whose groups have a learning rate (every Kiln optimizer). */
export type LrOptimizer = Optimizer<{ lr: number }>;

/** A parameter group as schedulers see it: `lr` plus the fields schedulers add (`initialLr`, …). */
export type SchedulerGroup = ParamGroup<{ lr: number }> & Record<string, unknown>;

/** What `stateDict()` of a scheduler holds: its own numeric and list fields. */
export type SchedulerStateDict = Record<string, unknown>;

/**
 * The base of the epoch-based schedulers, as `torch.optim.lr_scheduler._LRScheduler` (PyTorch
 * 1.13): it records each group's `initialLr`, computes the next rates in `getLr()` from the
 * current ones (PyTorch's chainable form, so results match it to the last bit), and steps once on
 * construction.
 *
 * @example
 * ```ts
 * import { SGD, StepLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * const opt = new SGD([ones([1], { requiresGrad: true })], { lr: 0.1 });
 * const sched = new StepLR(opt, { stepSize: 10 });
 * sched.getLastLr(); // [0.1]
 * ```
 */
export abstract class LRScheduler {
  readonly optimizer: LrOptimizer;
  /** The group rates at construction. */
  baseLrs: number[];
  /** Steps taken (`-1` before the initial step). */
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(optimizer: LrOptimizer, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) {
      throw new ValueError(`${new.target.name}: ${String(optimizer)} is not an Optimizer`);
    }
    this.optimizer = optimizer;
    const groups = this.groups();
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new ValueError(
            `${new.target.name}: param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Runs the construction-time step; subclasses call it at the end of their constructor. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The optimizer's groups with scheduler fields. */
  protected groups(): SchedulerGroup[] {
    return this.optimizer.paramGroups as SchedulerGroup[];
  }

  /** The rates for the current `lastEpoch`, from the groups' current rates. */
  abstract getLr(): number[];

  /** The rates for `lastEpoch` computed directly (used by `step(epoch)`), when a formula exists. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one step (or jumps to `epoch`, PyTorch's deprecated form that SequentialLR uses) and
   * writes the new rates into the optimizer's groups.
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = this.groups();
    values.forEach((lr, i) => {
      groups[i]!.lr = lr;
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The rates the last step set. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The scheduler's state (everything but the optimizer), to resume later. */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || typeof v === 'function') continue;
      out[k] = Array.isArray(v) ? v.slice() : v;
    }
    return out;
  }

  /** Restores a state from `stateDict()`. */
  loadStateDict(state: SchedulerStateDict): void {
    for (const [k, v] of Object.entries(state)) {
      if (k === 'optimizer') continue;
      (this as unknown as Record<string, unknown>)[k] = Array.isArray(v) ? v.slice() : v;
    }
  }
}

/** Checks a scheduler option is a positive integer. @internal */
export function checkPositiveInt(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new ValueError(`${op}: expected positive integer ${name}, but got ${v}`);
}
