import type { Tensor } from '@kiln/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import { requireAutograd } from '../harness/autograd.js';
import type { BenchCase, KilnApi } from '../harness/case.js';
import { labelData, normalData, scaled } from '../harness/data.js';
import { timeWorkload, withNote } from '../harness/measure.js';
import type { Measurement } from '../harness/types.js';
import { kilnTensor } from '../peers/kiln.js';
import { ensureTfjsGradients, tfjsBarrier, tfjsTensor } from '../peers/tfjs.js';

const B = 64;

interface ParamSpec {
  readonly nchw: readonly number[];
  readonly nhwc: readonly number[];
  readonly scale: number;
  readonly seed: number;
}

// Conv2d(3,32,3) → ReLU → MaxPool(2) → Conv2d(32,64,3) → ReLU → MaxPool(2) → Linear(64·5·5, 10).
const PARAMS: readonly ParamSpec[] = [
  { nchw: [32, 3, 3, 3], nhwc: [3, 3, 3, 32], scale: 0.2, seed: 31 },
  { nchw: [32], nhwc: [32], scale: 0, seed: 0 },
  { nchw: [64, 32, 3, 3], nhwc: [3, 3, 32, 64], scale: 0.06, seed: 32 },
  { nchw: [64], nhwc: [64], scale: 0, seed: 0 },
  { nchw: [1600, 10], nhwc: [1600, 10], scale: 0.025, seed: 33 },
  { nchw: [10], nhwc: [10], scale: 0, seed: 0 },
];

function values(p: ParamSpec): Float32Array {
  const n = p.nchw.reduce((a, b) => a * b, 1);
  return p.scale === 0 ? new Float32Array(n) : scaled(normalData(n, p.seed), p.scale);
}

function kilnForwardLoss(kt: KilnApi, ps: readonly Tensor[], x: Tensor, oneHot: Tensor): Tensor {
  const { conv2d, maxPool2d } = kt;
  const [w1, b1, w2, b2, w3, b3] = ps as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
  let h = maxPool2d(kt.relu(conv2d(x, w1, b1, { padding: 0 })), 2);
  h = maxPool2d(kt.relu(conv2d(h, w2, b2, { padding: 0 })), 2);
  const logits = kt.add(kt.matmul(kt.flatten(h, 1), w3), b3);
  return kt.div(kt.sum(kt.mul(kt.logSoftmax(logits, 1), oneHot)), -B);
}

/**
 * A small CNN's forward + backward at batch 64 on 28×28×3 inputs (issue 4): Kiln (NCHW, through
 * the tensor ops and autograd) against tfjs `variableGrads` (NHWC, its native layout) and
 * PyTorch.
 *
 * @example
 * ```ts
 * cnnCases()[0]!.name; // 'cnn fwd+bwd (batch 64, 28x28)'
 * ```
 */
export function cnnCases(): BenchCase[] {
  return [
    {
      name: 'cnn fwd+bwd (batch 64, 28x28)',
      group: 'nn (issue 4)',
      torch: true,
      kiln: (env) =>
        timeWorkload(
          async () => {
            const { kt, device } = env;
            await requireAutograd(kt);
            const ps = PARAMS.map((p) => kilnTensor(kt, device, values(p), p.nchw).requiresGrad_(true));
            const x = kilnTensor(kt, device, normalData(B * 3 * 28 * 28, 34), [B, 3, 28, 28]);
            const oneHot = kilnTensor(kt, device, labelData(B, 10, 35).oneHot, [B, 10]);
            return {
              run() {
                for (const p of ps) p.grad = null;
                kt.tidy(() => kilnForwardLoss(kt, ps, x, oneHot).backward());
              },
              sync() {},
              dispose() {
                for (const t of [...ps, x, oneHot]) t.dispose();
              },
            };
          },
          { options: env.timing },
        ),
      async tfjs(env): Promise<Measurement> {
        // NOTE: tfjs-cpu's conv2d backward is naive (minutes per step at batch 64 on this
        // machine); --quick times it at batch 4 and scales linearly by 16, and says so.
        const b = env.quick && env.backend === 'cpu' ? 4 : B;
        const m = await timeWorkload(
          async () => {
            await ensureTfjsGradients();
            const { tf } = env;
            const vars = PARAMS.map((p) => {
              const init = tfjsTensor(values(p), p.nhwc);
              const v = tf.variable(init);
              init.dispose();
              return v;
            });
            const [w1, b1, w2, b2, w3, b3] = vars as [
              tf.Variable,
              tf.Variable,
              tf.Variable,
              tf.Variable,
              tf.Variable,
              tf.Variable,
            ];
            const x = tfjsTensor(normalData(b * 28 * 28 * 3, 34), [b, 28, 28, 3]) as tf.Tensor4D;
            const oneHot = tfjsTensor(labelData(b, 10, 35).oneHot, [b, 10]);
            let last: tf.Tensor | null = null;
            return {
              run() {
                last?.dispose();
                last = tf.tidy(() => {
                  const { value, grads } = tf.variableGrads(() => {
                    let h = tf.maxPool(
                      tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'valid'), b1)) as tf.Tensor4D,
                      2,
                      2,
                      'valid',
                    );
                    h = tf.maxPool(
                      tf.relu(tf.add(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'valid'), b2)) as tf.Tensor4D,
                      2,
                      2,
                      'valid',
                    );
                    const logits = tf.add(tf.matMul(tf.reshape(h, [b, 1600]), w3), b3);
                    return tf.div(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot)), -b) as tf.Scalar;
                  }, vars);
                  tf.dispose(Object.values(grads));
                  return value;
                });
              },
              sync: () => (last === null ? undefined : tfjsBarrier(last)),
              dispose() {
                last?.dispose();
                tf.dispose([...vars, x, oneHot]);
              },
            };
          },
          { options: env.timing },
        );
        if (b === B || !m.ok) return m;
        return withNote({ ...m, value: (m.value * B) / b }, `measured at batch ${b}, scaled ×${B / b}`);
      },
      tfjsBackends: ['cpu', 'wasm'],
    },
  ];
}
