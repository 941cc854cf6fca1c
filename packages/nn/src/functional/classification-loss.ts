import {
  DTypeError,
  logSoftmax,
  ShapeError,
  softmaxCrossEntropy,
  type Tensor,
  tidy,
  ValueError,
  where,
} from '@kiln/autograd';
import { checkSameShape, type Reduction, reduce } from './reduction.js';

/**
 * Options of {@link crossEntropy} (PyTorch's keyword arguments in camelCase).
 *
 * @example
 * ```ts
 * import type { CrossEntropyOptions } from '@kiln/nn';
 * const o: CrossEntropyOptions = { labelSmoothing: 0.1, ignoreIndex: -100 };
 * ```
 */
export interface CrossEntropyOptions {
  /** Per-class rescaling weights, shape [C]. */
  weight?: Tensor | null;
  /** Target value that is ignored and does not count in the mean (class-index targets only). */
  ignoreIndex?: number;
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution by this amount, in [0, 1]. */
  labelSmoothing?: number;
}

/**
 * Options of {@link nllLoss}.
 *
 * @example
 * ```ts
 * import type { NllLossOptions } from '@kiln/nn';
 * const o: NllLossOptions = { reduction: 'sum' };
 * ```
 */
export interface NllLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Moves the class dim (1) last and flattens: [N, C, d…] → [N·d…, C]. */
function classesLast(x: Tensor): Tensor {
  if (x.ndim <= 2) return x.ndim === 1 ? x.unsqueeze(0) : x;
  const c = x.shape[1]!;
  return x.movedim(1, -1).reshape([-1, c]);
}

function checkTarget(op: string, input: Tensor, target: Tensor): void {
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected target of dtype int32 (class indices; got ${target.dtype})`);
  }
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (target.shape.length !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${op}: expected target of shape [${expected.join(', ')}] for input of shape [${input.shape.join(', ')}] (got target [${target.shape.join(', ')}])`,
    );
  }
}

function checkClassRange(op: string, target: Tensor, classes: number, ignoreIndex: number): void {
  const values = target.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== ignoreIndex && (v < 0 || v >= classes)) {
      throw new ValueError(
        `${op}: Target ${v} is out of bounds (expected a class index in [0, ${classes - 1}] or ignore_index ${ignoreIndex})`,
      );
    }
  }
}

/**
 * Per-row negative log-likelihood of class-index targets with weights and ignored rows:
 * returns the summed weighted loss (or per-row losses) and the total weight.
 */
function nllCore(
  logp2d: Tensor,
  target1d: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
): { perRow: Tensor; w: Tensor; valid: Tensor } {
  const valid = target1d.ne(ignoreIndex);
  const safe = where(valid, target1d, 0);
  const picked = logp2d.gather(1, safe.unsqueeze(1)).squeeze(1);
  const w = weight === null ? valid.to(logp2d.dtype) : weight.indexSelect(0, safe).mul(valid);
  return { perRow: picked.mul(w).neg(), w, valid };
}

/**
 * Negative log-likelihood of log-probabilities `input` ([N, C] or [N, C, d…]) at class indices
 * `target`, as `torch.nn.functional.nll_loss`.
 *
 * @example
 * ```ts
 * import { nllLoss } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * nllLoss(tensor([[-1, -2], [-3, -0.5]]), tensor([0, 1])).item(); // 0.75
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkTarget('nllLoss', input, target);
    const classes = input.ndim === 1 ? input.shape[0]! : input.shape[1]!;
    const ignoreIndex = options.ignoreIndex ?? -100;
    checkClassRange('nllLoss', target, classes, ignoreIndex);
    const { perRow, w } = nllCore(
      classesLast(input),
      target.reshape([-1]),
      options.weight ?? null,
      ignoreIndex,
    );
    const reduction = options.reduction ?? 'mean';
    if (reduction === 'none') return perRow.reshape(target.shape);
    if (reduction === 'sum') return perRow.sum();
    return perRow.sum().div(w.sum());
  });
}

/**
 * Cross-entropy between logits `input` ([N, C], [C] or [N, C, d…]) and class-index targets (int32)
 * or class probabilities (float, same shape as input), with class weights, an ignored index,
 * label smoothing and the three reductions — `torch.nn.functional.cross_entropy`. Computed from a
 * log-softmax, so extreme logits stay finite.
 *
 * @example
 * ```ts
 * import { crossEntropy } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * crossEntropy(tensor([[2, 0, -1]]), tensor([0])).item(); // ≈ 0.1698
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    if (input.dtype !== 'float32' && input.dtype !== 'float64') {
      throw new DTypeError(`crossEntropy: expected floating-point logits (got ${input.dtype})`);
    }
    const eps = options.labelSmoothing ?? 0;
    if (!(eps >= 0 && eps <= 1))
      throw new ValueError(`crossEntropy: label_smoothing must be between 0.0 and 1.0. Got: ${eps}`);
    const reduction = options.reduction ?? 'mean';
    const weight = options.weight ?? null;
    const classDim = input.ndim === 1 ? 0 : 1;
    const classes = input.shape[classDim]!;
    if (weight !== null && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
      throw new ShapeError(
        `crossEntropy: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: [${weight.shape.join(', ')}]`,
      );
    }
    if (input.ndim === 2 && target.dtype === 'int32' && weight === null && eps === 0) {
      // The common case in one fused op (the backend's cross-entropy kernel where it has one),
      // which checks the class range itself (one read of the targets, remembered for backward).
      checkTarget('crossEntropy', input, target);
      const ignoreIndex = options.ignoreIndex ?? -100;
      const rows = softmaxCrossEntropy(input, target, { ignoreIndex });
      if (reduction === 'none') return rows;
      if (reduction === 'sum') return rows.sum();
      return rows.sum().div(target.ne(ignoreIndex).sum());
    }
    const logp = logSoftmax(input, classDim);
    if (target.dtype === 'float32' || target.dtype === 'float64') {
      checkSameShape('crossEntropy', input, target);
      let t = target;
      if (eps > 0) t = target.mul(1 - eps).add(eps / classes);
      let prod = logp.mul(t);
      if (weight !== null)
        prod = prod.mul(
          classDim === 1 ? weight.reshape([classes, ...input.shape.slice(2).map(() => 1)]) : weight,
        );
      const perSample = prod.sum(classDim).neg();
      if (reduction === 'none') return perSample;
      if (reduction === 'sum') return perSample.sum();
      // NOTE: PyTorch divides probability-target losses by the batch size, not by the weights.
      return input.ndim === 1 ? perSample : perSample.sum().div(perSample.numel());
    }
    checkTarget('crossEntropy', input, target);
    const ignoreIndex = options.ignoreIndex ?? -100;
    checkClassRange('crossEntropy', target, classes, ignoreIndex);
    const logp2d = classesLast(logp);
    const target1d = target.reshape([-1]);
    const { perRow, w, valid } = nllCore(logp2d, target1d, weight, ignoreIndex);
    let nll: Tensor;
    if (reduction === 'none') nll = perRow.reshape(target.shape);
    else if (reduction === 'sum') nll = perRow.sum();
    else nll = perRow.sum().div(w.sum());
    if (eps === 0) return nll;
    const weighted = weight === null ? logp2d : logp2d.mul(weight);
    const smooth = weighted.sum(1).neg().mul(valid);
    let smoothReduced: Tensor;
    if (reduction === 'none') smoothReduced = smooth.reshape(target.shape);
    else if (reduction === 'sum') smoothReduced = smooth.sum();
    else smoothReduced = smooth.sum().div(weight === null ? valid.sum() : w.sum());
    return nll.mul(1 - eps).add(smoothReduced.mul(eps / classes));
  });
}

/**
 * Options of the binary cross-entropy losses.
 *
 * @example
 * ```ts
 * import type { BinaryCrossEntropyOptions } from '@kiln/nn';
 * const o: BinaryCrossEntropyOptions = { reduction: 'sum' };
 * ```
 */
export interface BinaryCrossEntropyOptions {
  /** Rescaling weight broadcast to the input. */
  weight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * Binary cross-entropy of probabilities `input` against `target`, with logs clamped at −100 as
 * PyTorch does (so 0 and 1 give finite losses).
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0]).float()).item(); // ≈ 0.1643
 * ```
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkSameShape('binaryCrossEntropy', input, target);
    const logX = input.log().clamp(-100);
    const log1mX = input.neg().add(1).log().clamp(-100);
    let loss = target.mul(logX).add(target.neg().add(1).mul(log1mX)).neg();
    if (options.weight) loss = loss.mul(options.weight);
    return reduce(loss, options.reduction, 'binaryCrossEntropy');
  });
}

/**
 * Binary cross-entropy on logits, in the stable form `(1 − t)·x + (1 + (p − 1)·t)·(log(1 + e^{−|x|}) + max(−x, 0))`
 * with an optional `posWeight` for positives — `torch.nn.functional.binary_cross_entropy_with_logits`.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([1, 0]).float()).item(); // 0
 * ```
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyOptions & { posWeight?: Tensor | null } = {},
): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    checkSameShape('binaryCrossEntropyWithLogits', input, target);
    const softTerm = input.abs().neg().exp().log1p().add(input.neg().clamp(0));
    const logWeight = options.posWeight ? options.posWeight.sub(1).mul(target).add(1) : null;
    let loss = target
      .neg()
      .add(1)
      .mul(input)
      .add(logWeight === null ? softTerm : logWeight.mul(softTerm));
    if (options.weight) loss = loss.mul(options.weight);
    return reduce(loss, options.reduction, 'binaryCrossEntropyWithLogits');
  });
}

/**
 * Kullback–Leibler divergence `target·(log target − input)` with `input` given as
 * log-probabilities (and `target` too when `logTarget`); `'batchmean'` divides the sum by the batch
 * size, as the mathematical definition wants.
 *
 * @example
 * ```ts
 * import { klDiv } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * klDiv(tensor([[-1, -1]]).logSoftmax(1), tensor([[0.5, 0.5]]), { reduction: 'batchmean' }).item(); // 0
 * ```
 */
export function klDiv(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {},
): Tensor {
  // Intermediates are freed at once (autograd keeps what it saved).
  return tidy(() => {
    const pointwise = options.logTarget
      ? target.exp().mul(target.sub(input))
      : // NOTE: xlogy: a zero target contributes 0 (not NaN from 0·log 0).
        where(target.gt(0), target.mul(target.clamp(1e-45).log().sub(input)), 0);
    const reduction = options.reduction ?? 'mean';
    if (reduction === 'batchmean') return pointwise.sum().div(input.ndim === 0 ? 1 : input.shape[0]!);
    return reduce(pointwise, reduction, 'klDiv');
  });
}
