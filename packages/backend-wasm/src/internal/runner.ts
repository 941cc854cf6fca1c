// How kernel calls are executed: on the calling thread, or split across a worker pool.

import type { KernelExports } from './kernel-module.js';

/** A kernel name whose last two parameters are a half-open range [from, to). */
export type RangeKernel =
  | 'unaryF'
  | 'unaryI'
  | 'binaryF'
  | 'binaryI'
  | 'whereK'
  | 'copyK'
  | 'fillK'
  | 'reduceK'
  | 'reduceColsF'
  | 'scanK'
  | 'gatherK'
  | 'softmaxK'
  | 'maxPoolK'
  | 'im2colK'
  | 'col2imK'
  | 'epilogueK';

/** One call of an exported kernel with its arguments. */
export interface KernelTask {
  readonly name: keyof KernelExports;
  readonly args: readonly number[];
}

/** Runs kernels, possibly in parallel. Every method returns once all the work is done. */
export interface Runner {
  /** Threads that take part in parallel work (1 when single-threaded). */
  readonly threads: number;
  /**
   * Runs `name(...args, from, to)` over `[0, total)`, split across threads when `total · cost`
   * (roughly, the number of scalar operations) is large enough to pay for the hand-off.
   */
  range(name: RangeKernel, args: readonly number[], total: number, cost: number): void;
  /** Runs up to `threads` independent calls at once; task i goes to thread i (0 is the caller). */
  tasks(list: readonly KernelTask[]): void;
  /** Releases workers (no-op when single-threaded). */
  dispose(): void;
}

type AnyKernel = (...args: number[]) => unknown;

/** The single-threaded runner: every call runs at once on the calling thread. */
export class InlineRunner implements Runner {
  readonly threads = 1;
  constructor(private readonly k: KernelExports) {}

  range(name: RangeKernel, args: readonly number[], total: number): void {
    if (total <= 0) return;
    (this.k[name] as AnyKernel)(...args, 0, total);
  }

  tasks(list: readonly KernelTask[]): void {
    for (const t of list) (this.k[t.name] as AnyKernel)(...t.args);
  }

  dispose(): void {}
}
