/**
 * One thing to time: `run()` does one iteration (freeing what it no longer needs), `sync()` waits
 * until every piece of work issued by `run()` has finished, `dispose()` frees the inputs.
 *
 * @example
 * ```ts
 * const w: Workload = { run: () => {}, sync: () => {}, dispose: () => {} };
 * ```
 */
export interface Workload {
  run(): void;
  sync(): void | Promise<void>;
  dispose(): void;
}

/** Units a measurement can be in; every unit is "lower is better". */
export type Unit = 'ms' | 'us/op' | 's' | 'KB' | 'x';

/**
 * One participant's result for one case: a value (lower is better) or why there is none.
 *
 * @example
 * ```ts
 * const m: Measurement = { ok: true, value: 1.5, unit: 'ms', samples: 9, reps: 3 };
 * ```
 */
export type Measurement =
  | {
      readonly ok: true;
      readonly value: number;
      readonly unit: Unit;
      /** Timed samples the median was taken over (absent for non-timing metrics). */
      readonly samples?: number;
      /** Iterations per timed sample. */
      readonly reps?: number;
      /** Extra facts worth printing (bytes, images/s, budgets). */
      readonly note?: string;
    }
  | { readonly ok: false; readonly reason: string };

/** Options of one timing run. */
export interface TimingOptions {
  /** Wall-clock seconds to spend on the timed samples of one participant. */
  readonly budgetS: number;
  /** Fewest timed samples. */
  readonly minSamples: number;
  /** Fewest timed samples when one run alone takes longer than the whole budget. */
  readonly slowSamples: number;
  /** Most timed samples. */
  readonly maxSamples: number;
  /** Shortest duration of one sample in ms; fast iterations are repeated inside a sample. */
  readonly minSampleMs: number;
  /** A first run longer than this (ms) is reported alone, without warm-up or repeats. */
  readonly coldLimitMs: number;
}
