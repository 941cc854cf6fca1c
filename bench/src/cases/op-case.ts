import type { Tensor } from '@kiln/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import type { BenchCase, KilnApi, KilnEnv, TfApi, TfjsEnv } from '../harness/case.js';
import { normalData } from '../harness/data.js';
import { timeWorkload } from '../harness/measure.js';
import type { Measurement } from '../harness/types.js';
import { kilnTensor, kilnWorkload } from '../peers/kiln.js';
import { tfjsTensor, tfjsWorkload } from '../peers/tfjs.js';

/** One random float32 input of an op case. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly seed: number;
}

/** A single-op case: the same random inputs on every side, one call timed. */
export interface OpSpec {
  readonly name: string;
  readonly group: string;
  readonly flops?: number;
  readonly bytes?: number;
  /** Kiln's inputs (also tfjs's, unless `tfjsInputs` is given). */
  readonly inputs: readonly InputSpec[];
  /** tfjs's inputs when its layout differs (e.g. NHWC for conv2d). */
  readonly tfjsInputs?: readonly InputSpec[];
  kiln(kt: KilnApi, xs: readonly Tensor[]): Tensor;
  tfjs(t: TfApi, xs: readonly tf.Tensor[]): tf.Tensor;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Builds a {@link BenchCase} that times one op on Kiln and TensorFlow.js (PyTorch by name).
 *
 * @example
 * ```ts
 * const c = opCase({ name: 'exp 1M', group: 'elementwise', inputs: [{ shape: [1 << 20], seed: 1 }],
 *   kiln: (kt, [x]) => kt.exp(x!), tfjs: (t, [x]) => t.exp(x!) });
 * ```
 */
export function opCase(spec: OpSpec): BenchCase {
  return {
    name: spec.name,
    group: spec.group,
    torch: true,
    ...(spec.flops !== undefined ? { flops: spec.flops } : {}),
    ...(spec.bytes !== undefined ? { bytes: spec.bytes } : {}),
    kiln(env: KilnEnv): Promise<Measurement> {
      return timeWorkload(
        () => {
          const xs = spec.inputs.map((i) =>
            kilnTensor(env.kt, env.device, normalData(sizeOf(i.shape), i.seed), i.shape),
          );
          return kilnWorkload(env.kt, env.device, xs, () => spec.kiln(env.kt, xs));
        },
        { options: env.timing },
      );
    },
    tfjs(env: TfjsEnv): Promise<Measurement> {
      return timeWorkload(
        () => {
          const xs = (spec.tfjsInputs ?? spec.inputs).map((i) =>
            tfjsTensor(normalData(sizeOf(i.shape), i.seed), i.shape),
          );
          return tfjsWorkload(xs, () => spec.tfjs(env.tf, xs));
        },
        { options: env.timing },
      );
    },
  };
}
