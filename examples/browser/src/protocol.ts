/** Settings of one training run, read from the page's query string (`?epochs=2&threads=1`). */
export interface TrainOptions {
  /** Passes over the training images. */
  readonly epochs: number;
  /** Images per Adam step. */
  readonly batchSize: number;
  /** Hidden units of the MLP (784 → hidden → 10). */
  readonly hidden: number;
  /** Adam's learning rate. */
  readonly lr: number;
  /** Threads asked of the wasm backend (it falls back to 1 where threads cannot run). */
  readonly threads: number;
  /** Use at most this many training images (default: all of them). */
  readonly maxTrain: number;
  /** Seed for the weights and the shuffling. */
  readonly seed: number;
  /** Report the loss every this many steps. */
  readonly reportEvery: number;
}

/** What the trainer tells the page, in order: one `start`, `loss` and `epoch` events, then `done` or `error`. */
export type TrainEvent =
  | {
      readonly type: 'start';
      readonly trainSize: number;
      readonly testSize: number;
      readonly parameters: number;
      readonly steps: number;
      readonly threads: number;
      readonly notes: readonly string[];
    }
  | { readonly type: 'loss'; readonly step: number; readonly loss: number }
  | { readonly type: 'epoch'; readonly epoch: number; readonly accuracy: number; readonly seconds: number }
  | { readonly type: 'done'; readonly accuracy: number; readonly seconds: number }
  | { readonly type: 'error'; readonly message: string };

/** The defaults: three quick epochs over the shipped 3,000-image subset. */
export const DEFAULT_OPTIONS: TrainOptions = {
  epochs: 3,
  batchSize: 64,
  hidden: 256,
  lr: 1e-3,
  threads: 2,
  maxTrain: Number.POSITIVE_INFINITY,
  seed: 0,
  reportEvery: 2,
};

/**
 * Reads the options from a query string, keeping the defaults for what is missing or invalid.
 *
 * @example
 * ```ts
 * parseOptions('?epochs=1&threads=1').epochs; // 1
 * ```
 */
export function parseOptions(search: string): TrainOptions {
  const q = new URLSearchParams(search);
  const num = (name: string, fallback: number, min: number): number => {
    const raw = q.get(name);
    const v = raw === null ? Number.NaN : Number(raw);
    return Number.isFinite(v) && v >= min ? v : fallback;
  };
  const int = (name: string, fallback: number, min: number): number => Math.floor(num(name, fallback, min));
  const d = DEFAULT_OPTIONS;
  return {
    epochs: int('epochs', d.epochs, 1),
    batchSize: int('batch', d.batchSize, 1),
    hidden: int('hidden', d.hidden, 1),
    lr: num('lr', d.lr, 0),
    threads: int('threads', d.threads, 1),
    maxTrain: int('train', d.maxTrain, 1),
    seed: int('seed', d.seed, 0),
    reportEvery: int('every', d.reportEvery, 1),
  };
}

/** A run's outcome as the page shows it, also on `window.kilnDemo` for scripts (the example's test reads it). */
export interface DemoState {
  /** Where the training runs: a Web Worker (default) or the page's main thread (`?mode=main`). */
  mode: 'worker' | 'main';
  crossOriginIsolated: boolean;
  /** Threads the wasm backend runs on (null until it has started). */
  threads: number | null;
  /** The backend's notes, e.g. why it runs on fewer threads than asked. */
  notes: readonly string[];
  /** `[step, mean loss]` pairs, one per point of the chart. */
  losses: [number, number][];
  /** Test accuracy after each epoch. */
  accuracies: number[];
  accuracy: number | null;
  seconds: number | null;
  done: boolean;
  error: string | null;
}
