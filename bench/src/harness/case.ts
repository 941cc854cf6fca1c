import type * as kilnApi from '@kiln/tensor';
import type * as tfApi from '@tensorflow/tfjs-core';
import type { Measurement, TimingOptions } from './types.js';

/** The `@kiln/tensor` module as the cases use it. */
export type KilnApi = typeof kilnApi;
/** The `@tensorflow/tfjs-core` module as the cases use it. */
export type TfApi = typeof tfApi;

/** The kinds of Kiln backend a case can run on. */
export type KilnKind = 'cpu' | 'wasm';
/** The TensorFlow.js backends measured. */
export type TfjsBackend = 'cpu' | 'wasm';

/** What a case's Kiln side gets: the API, the device its backend is registered under, timing. */
export interface KilnEnv {
  readonly kt: KilnApi;
  /** Device name to create tensors on (also the default device while the case runs). */
  readonly device: string;
  /** Printable variant name, e.g. `wasm/2t`. */
  readonly variant: string;
  readonly kind: KilnKind;
  readonly timing: TimingOptions;
  readonly quick: boolean;
  /** The Fashion-MNIST folder (the four `.gz` IDX files). */
  readonly dataDir: string;
}

/** What a case's TensorFlow.js side gets (the backend is already active). */
export interface TfjsEnv {
  readonly tf: TfApi;
  readonly backend: TfjsBackend;
  readonly timing: TimingOptions;
  readonly quick: boolean;
}

/**
 * One benchmark case. Its name is the key shared with `py/torch_cases.py`, so the PyTorch column
 * lines up. Every function returns a lower-is-better measurement and never throws (the harness
 * catches anyway).
 *
 * @example
 * ```ts
 * const c: BenchCase = { name: 'noop', group: 'demo', torch: false };
 * ```
 */
export interface BenchCase {
  readonly name: string;
  /** Issue / area, printed as a section heading. */
  readonly group: string;
  /** Whether the PyTorch script implements this case. */
  readonly torch: boolean;
  /** Floating-point operations per run, for GFLOP/s. */
  readonly flops?: number;
  /** Bytes read + written per run, for GB/s. */
  readonly bytes?: number;
  /** Kiln backends to run on (default: every one that loaded). */
  readonly kilnKinds?: readonly KilnKind[];
  /** TensorFlow.js backends to compare with (default: both, when `tfjs` is given). */
  readonly tfjsBackends?: readonly TfjsBackend[];
  kiln?(env: KilnEnv): Promise<Measurement>;
  tfjs?(env: TfjsEnv): Promise<Measurement>;
}
