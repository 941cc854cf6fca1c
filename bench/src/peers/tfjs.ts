import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { TfApi, TfjsBackend } from '../harness/case.js';
import { errorLine } from '../harness/measure.js';
import type { Workload } from '../harness/types.js';

/** The TensorFlow.js backends that initialised, and one line for each that did not. */
export interface TfjsSetup {
  readonly tf: TfApi;
  readonly backends: TfjsBackend[];
  readonly notes: string[];
}

/**
 * Initialises tfjs-backend-cpu and tfjs-backend-wasm (SIMD; its `.wasm` files are loaded from
 * node_modules by file path). Failures become notes.
 *
 * @example
 * ```ts
 * const { tf, backends } = await loadTfjs();
 * ```
 */
export async function loadTfjs(): Promise<TfjsSetup> {
  // NOTE: PROD silences tfjs's console banner and debug checks, as a production app would.
  tf.env().set('PROD', true);
  const backends: TfjsBackend[] = [];
  const notes: string[] = [];
  for (const name of ['cpu', 'wasm'] as const) {
    try {
      if (name === 'wasm') {
        const require = createRequire(import.meta.url);
        const file = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
        setWasmPaths(`${path.dirname(file)}${path.sep}`);
      }
      if (!(await tf.setBackend(name))) throw new Error(`setBackend('${name}') returned false`);
      backends.push(name);
      if (name === 'wasm') {
        const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
        notes.push(
          `tfjs-wasm: SIMD ${simd ? 'on' : 'off'}, 1 thread (tfjs disables its wasm threads in Node)`,
        );
      }
    } catch (error) {
      notes.push(`tfjs-${name}: n/a (${errorLine(error)})`);
    }
  }
  return { tf, backends, notes };
}

/**
 * Makes `name` the active TensorFlow.js backend.
 *
 * @example
 * ```ts
 * await useTfjs('wasm');
 * ```
 */
export async function useTfjs(name: TfjsBackend): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name)))
    throw new Error(`tfjs setBackend('${name}') failed`);
}

let gradients: Promise<void> | null = null;

/**
 * Registers TensorFlow.js's gradient functions (tfjs-core alone has none) by loading the
 * `@tensorflow/tfjs` union package, which shares this tfjs-core instance.
 *
 * @example
 * ```ts
 * await ensureTfjsGradients();
 * ```
 */
export function ensureTfjsGradients(): Promise<void> {
  gradients ??= import('@tensorflow/tfjs').then(() => undefined);
  return gradients;
}

/**
 * Waits for a tensor's value by reading one element of it (`dataSync` on a 1-element slice), so
 * queued work has finished without timing a full copy.
 *
 * @example
 * ```ts
 * await tfjsBarrier(result);
 * ```
 */
export async function tfjsBarrier(t: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [1]));
  await one.data();
  one.dispose();
}

/**
 * A workload that calls `op` once per run and disposes the previous result (and every
 * intermediate, through `tidy`); `sync` reads one element of the last result.
 *
 * @example
 * ```ts
 * const w = tfjsWorkload([a, b], () => tf.matMul(a, b));
 * ```
 */
export function tfjsWorkload(inputs: readonly tf.Tensor[], op: () => tf.Tensor): Workload {
  let last: tf.Tensor | null = null;
  return {
    run() {
      last?.dispose();
      last = tf.tidy(op);
    },
    async sync() {
      if (last !== null) await tfjsBarrier(last);
    },
    dispose() {
      last?.dispose();
      last = null;
      for (const t of inputs) t.dispose();
    },
  };
}

/**
 * Creates a tfjs float32 tensor from host data.
 *
 * @example
 * ```ts
 * const x = tfjsTensor(new Float32Array(4), [2, 2]);
 * ```
 */
export function tfjsTensor(data: Float32Array | Int32Array, shape: readonly number[]): tf.Tensor {
  return tf.tensor(data, [...shape], data instanceof Int32Array ? 'int32' : 'float32');
}
