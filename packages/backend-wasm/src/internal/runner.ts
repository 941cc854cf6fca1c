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
  | 'batchNormK'
  | 'crossEntropyK'
  | 'crossEntropyBackwardK'
  | 'maxPoolK'
  | 'im2colK'
  | 'padImagesK'
  | 'col2imK'
  | 'epilogueK'
  | 'gemmPackB'
  | 'gemmPackBConv';

/** One call of an exported kernel with its arguments. */
export interface KernelTask {
  readonly name: keyof KernelExports;
  readonly args: readonly number[];
}

/** Runs kernels, possibly in parallel. Every method returns once all the work is done. */
export interface Runner {
  /** Threads that take part in parallel work (1 when single-threaded or once the pool stopped). */
  readonly threads: number;
  /** The operation being run (for error messages), set by the backend before each kernel. */
  op: string;
  /**
   * Runs `name(...args, from, to)` over `[0, total)`, split across threads when `total · cost`
   * (roughly, the number of scalar operations) is large enough to pay for the hand-off.
   */
  range(name: RangeKernel, args: readonly number[], total: number, cost: number): void;
  /**
   * Runs independent calls, in any order and on any thread (the caller takes part and finishes
   * whatever no worker picked up). A GEMM task's scratch argument may be -1: the thread that runs
   * it substitutes its own packing scratch.
   */
  tasks(list: readonly KernelTask[]): void;
  /** The calling thread's GEMM scratch (what a -1 scratch argument stands for on this thread). */
  callerScratch(): number;
  /** Stops the workers (no-op when single-threaded); later calls run on the calling thread. */
  dispose(): Promise<void>;
}

type AnyKernel = (...args: number[]) => unknown;

/**
 * Index of a task's GEMM-scratch argument, or -1: a task may pass -1 there, and the thread that
 * runs it substitutes its own packing scratch.
 */
export function scratchArg(task: KernelTask): number {
  switch (task.name) {
    case 'gemm':
    case 'gemmConv':
    case 'gemmPacked':
      return 12;
    case 'winogradImagesK':
      return 20;
    default:
      return -1;
  }
}

/** The single-threaded runner: every call runs at once on the calling thread. */
export class InlineRunner implements Runner {
  readonly threads = 1;
  op = '';
  private scratch = 0;
  constructor(
    private readonly k: KernelExports,
    private readonly allocScratch: () => number,
  ) {}

  callerScratch(): number {
    if (this.scratch === 0) this.scratch = this.allocScratch();
    return this.scratch;
  }

  range(name: RangeKernel, args: readonly number[], total: number): void {
    if (total <= 0) return;
    (this.k[name] as AnyKernel)(...args, 0, total);
  }

  tasks(list: readonly KernelTask[]): void {
    for (const t of list) {
      const i = scratchArg(t);
      if (i >= 0 && t.args[i] === -1) {
        const a = t.args.slice();
        a[i] = this.callerScratch();
        (this.k[t.name] as AnyKernel)(...a);
      } else {
        (this.k[t.name] as AnyKernel)(...t.args);
      }
    }
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
