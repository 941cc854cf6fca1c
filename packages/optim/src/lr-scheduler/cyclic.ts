import { ValueError } from '@kiln/autograd';
import { LRScheduler, type LrOptimizer, type SchedulerGroup } from './lr-scheduler.js';

/**
 * Options of {@link CyclicLR}.
 *
 * @example
 * ```ts
 * import type { CyclicLROptions } from '@kiln/optim';
 * const o: CyclicLROptions = { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4 };
 * ```
 */
export interface CyclicLROptions {
  baseLr: number | number[];
  maxLr: number | number[];
  stepSizeUp?: number;
  stepSizeDown?: number | null;
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  gamma?: number;
  scaleFn?: ((x: number) => number) | null;
  scaleMode?: 'cycle' | 'iterations';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  lastEpoch?: number;
}

/**
 * Cyclical learning rates (Smith), as `CyclicLR`: triangular, triangular2 or exp_range cycles, or
 * a custom scale function; momentum cycles inversely.
 *
 * @example
 * ```ts
 * import { SGD, CyclicLR } from '@kiln/optim';
 * import { ones } from '@kiln/autograd';
 * new CyclicLR(new SGD([ones([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 }), { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4 });
 * ```
 */
export class CyclicLR extends LRScheduler {
  readonly maxLrs: number[];
  readonly totalSize: number;
  readonly stepRatio: number;
  readonly scaleMode: 'cycle' | 'iterations';
  private readonly scaleFn: (x: number) => number;
  private readonly cycleMomentum: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];

  constructor(optimizer: LrOptimizer, options: CyclicLROptions) {
    const groups = optimizer.paramGroups as SchedulerGroup[];
    const per = (name: string, v: number | number[]): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== groups.length)
          throw new ValueError(`CyclicLR: expected ${groups.length} values for ${name}, got ${v.length}`);
        return v.slice();
      }
      return groups.map(() => v);
    };
    const baseLrs = per('base_lr', options.baseLr);
    const lastEpoch = options.lastEpoch ?? -1;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.lr = baseLrs[i]!;
      });
    }
    const cycleMomentum = options.cycleMomentum ?? true;
    let baseMomentums: number[] = [];
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in (optimizer.defaults as Record<string, unknown>))) {
        throw new ValueError(
          'CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled',
        );
      }
      const bm = per('base_momentum', options.baseMomentum ?? 0.8);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          g.momentum = bm[i]!;
        });
      }
      baseMomentums = groups.map((g) => g.momentum as number);
      maxMomentums = per('max_momentum', options.maxMomentum ?? 0.9);
    }
    super(optimizer, lastEpoch);
    this.baseLrs = baseLrs;
    this.maxLrs = per('max_lr', options.maxLr);
    const up = options.stepSizeUp ?? 2000;
    const down = options.stepSizeDown ?? up;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    const mode = options.mode ?? 'triangular';
    const gamma = options.gamma ?? 1;
    if (options.scaleFn !== undefined && options.scaleFn !== null) {
      this.scaleFn = options.scaleFn;
      this.scaleMode = options.scaleMode ?? 'cycle';
    } else if (mode === 'triangular') {
      this.scaleFn = () => 1;
      this.scaleMode = 'cycle';
    } else if (mode === 'triangular2') {
      this.scaleFn = (x) => 1 / 2 ** (x - 1);
      this.scaleMode = 'cycle';
    } else if (mode === 'exp_range') {
      this.scaleFn = (x) => gamma ** x;
      this.scaleMode = 'iterations';
    } else throw new ValueError(`CyclicLR: mode is invalid and scale_fn is None (got ${String(mode)})`);
    this.cycleMomentum = cycleMomentum;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.initialStep();
  }

  getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scaleFn(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i]! - b) * scale * s);
    if (this.cycleMomentum) {
      const groups = this.groups();
      this.baseMomentums.forEach((b, i) => {
        groups[i]!.momentum = this.maxMomentums[i]! - (this.maxMomentums[i]! - b) * scale * s;
      });
    }
    return lrs;
  }
}
