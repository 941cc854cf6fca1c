import { Tensor } from '@kiln/autograd';
import { type GoldenAdapter, type GoldenArg, tensorGoldenOps } from '@kiln/tensor/testing';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  klDiv,
  nllLoss,
} from '../functional/classification-loss.js';
import type { Reduction } from '../functional/reduction.js';
import { huberLoss, l1Loss, mseLoss, smoothL1Loss } from '../functional/regression-loss.js';

const T = (v: GoldenArg | undefined): Tensor => {
  if (v instanceof Tensor) return v;
  throw new Error(`golden: expected a tensor argument (got ${String(v)})`);
};
const optT = (v: GoldenArg | undefined): Tensor | null => (v instanceof Tensor ? v : null);
const num = (v: GoldenArg | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const red = (v: GoldenArg | undefined): Reduction | undefined =>
  typeof v === 'string' ? (v as Reduction) : undefined;
const clean = <O extends object>(o: O): O =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as O;

/**
 * Golden adapters for the losses of ops.json, which live in `@kiln/nn`; merged over the tensor
 * adapters so one table covers every case.
 *
 * @example
 * ```ts
 * import { nnGoldenOps } from '@kiln/nn/testing';
 * 'cross_entropy' in nnGoldenOps; // true
 * ```
 */
export const nnGoldenOps: Readonly<Record<string, GoldenAdapter>> = {
  ...tensorGoldenOps,
  cross_entropy: (a, at) =>
    crossEntropy(
      T(a[0]),
      T(a[1]),
      clean({
        weight: optT(a[2] ?? at.weight),
        reduction: red(at.reduction),
        labelSmoothing: num(at.label_smoothing),
        ignoreIndex: num(at.ignore_index),
      }),
    ),
  nll_loss: (a, at) =>
    nllLoss(
      T(a[0]),
      T(a[1]),
      clean({
        weight: optT(a[2] ?? at.weight),
        reduction: red(at.reduction),
        ignoreIndex: num(at.ignore_index),
      }),
    ),
  mse_loss: (a, at) => mseLoss(T(a[0]), T(a[1]), clean({ reduction: red(at.reduction) })),
  l1_loss: (a, at) => l1Loss(T(a[0]), T(a[1]), clean({ reduction: red(at.reduction) })),
  smooth_l1_loss: (a, at) =>
    smoothL1Loss(T(a[0]), T(a[1]), clean({ reduction: red(at.reduction), beta: num(at.beta) })),
  huber_loss: (a, at) =>
    huberLoss(T(a[0]), T(a[1]), clean({ reduction: red(at.reduction), delta: num(at.delta) })),
  binary_cross_entropy: (a, at) =>
    binaryCrossEntropy(T(a[0]), T(a[1]), clean({ weight: optT(at.weight), reduction: red(at.reduction) })),
  binary_cross_entropy_with_logits: (a, at) =>
    binaryCrossEntropyWithLogits(
      T(a[0]),
      T(a[1]),
      clean({ weight: optT(at.weight), posWeight: optT(at.pos_weight), reduction: red(at.reduction) }),
    ),
  kl_div: (a, at) =>
    klDiv(
      T(a[0]),
      T(a[1]),
      clean({
        reduction: typeof at.reduction === 'string' ? (at.reduction as Reduction | 'batchmean') : undefined,
        logTarget: at.log_target === true ? true : undefined,
      }),
    ),
};
