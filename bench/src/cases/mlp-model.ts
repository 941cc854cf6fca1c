import type { Tensor } from '@kiln/tensor';
import type * as tf from '@tensorflow/tfjs-core';
import type { KilnApi, TfApi } from '../harness/case.js';
import { labelData, normalData, scaled } from '../harness/data.js';
import { kilnTensor } from '../peers/kiln.js';
import { tfjsTensor } from '../peers/tfjs.js';

/** Batch size of the MLP cases. */
export const BATCH = 128;
const SIZES = [784, 256, 10] as const;

/** An MLP 784→256→10 with its batch, on Kiln. */
export interface KilnMlp {
  /** w1 [784,256], b1 [256], w2 [256,10], b2 [10], all requiring grad. */
  readonly params: readonly Tensor[];
  readonly x: Tensor;
  readonly oneHot: Tensor;
  /** Mean cross-entropy of the batch (log-softmax times one-hot, summed, over −batch). */
  loss(): Tensor;
  dispose(): void;
}

function paramData(): { data: Float32Array; shape: number[] }[] {
  const [i, h, o] = SIZES;
  return [
    { data: scaled(normalData(i * h, 11), 0.05), shape: [i, h] },
    { data: new Float32Array(h), shape: [h] },
    { data: scaled(normalData(h * o, 12), 0.05), shape: [h, o] },
    { data: new Float32Array(o), shape: [o] },
  ];
}

/**
 * Builds the MLP on a Kiln device. Cross-entropy is written with log-softmax and a one-hot
 * matrix (the same formula on every side, so no library's fused loss skews the step).
 *
 * @example
 * ```ts
 * const mlp = kilnMlp(kt, 'cpu'); mlp.loss().backward();
 * ```
 */
export function kilnMlp(kt: KilnApi, device: string): KilnMlp {
  const params = paramData().map((p) => kilnTensor(kt, device, p.data, p.shape).requiresGrad_(true));
  const x = kilnTensor(kt, device, normalData(BATCH * SIZES[0], 13), [BATCH, SIZES[0]]);
  const oneHot = kilnTensor(kt, device, labelData(BATCH, SIZES[2], 14).oneHot, [BATCH, SIZES[2]]);
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  return {
    params,
    x,
    oneHot,
    loss() {
      const h = kt.relu(kt.add(kt.matmul(x, w1), b1));
      const logits = kt.add(kt.matmul(h, w2), b2);
      return kt.div(kt.sum(kt.mul(kt.logSoftmax(logits, 1), oneHot)), -BATCH);
    },
    dispose() {
      for (const t of [...params, x, oneHot]) t.dispose();
    },
  };
}

/**
 * One plain SGD update by hand: `p -= lr * p.grad` on a detached view (so it is not recorded),
 * then `p.grad = null`.
 *
 * @example
 * ```ts
 * sgdUpdate(kt, mlp.params, 0.01);
 * ```
 */
export function sgdUpdate(kt: KilnApi, params: readonly Tensor[], lr: number): void {
  for (const p of params) {
    const g = p.grad;
    if (g === null) throw new Error('sgd: a parameter has no gradient after backward()');
    p.detach().sub_(kt.mul(g, lr));
    p.grad = null;
  }
}

/** The same MLP on TensorFlow.js, with variables. */
export interface TfjsMlp {
  readonly vars: tf.Variable[];
  loss(): tf.Scalar;
  dispose(): void;
}

/**
 * Builds the MLP on the active TensorFlow.js backend.
 *
 * @example
 * ```ts
 * const mlp = tfjsMlp(tf); tf.variableGrads(() => mlp.loss(), mlp.vars);
 * ```
 */
export function tfjsMlp(t: TfApi): TfjsMlp {
  const vars = paramData().map((p) => {
    const init = tfjsTensor(p.data, p.shape);
    const v = t.variable(init);
    init.dispose();
    return v;
  });
  const x = tfjsTensor(normalData(BATCH * SIZES[0], 13), [BATCH, SIZES[0]]);
  const oneHot = tfjsTensor(labelData(BATCH, SIZES[2], 14).oneHot, [BATCH, SIZES[2]]);
  const [w1, b1, w2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  return {
    vars,
    loss() {
      const h = t.relu(t.add(t.matMul(x, w1), b1));
      const logits = t.add(t.matMul(h as tf.Tensor2D, w2), b2);
      return t.div(t.sum(t.mul(t.logSoftmax(logits), oneHot)), -BATCH) as tf.Scalar;
    },
    dispose() {
      for (const v of vars) v.dispose();
      x.dispose();
      oneHot.dispose();
    },
  };
}
