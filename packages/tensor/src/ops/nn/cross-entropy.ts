import { needsRecord, needsRecord1, record } from '../../core/dispatch.js';
import { formatShape } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { readIntsSync } from '../../internal/host-ints.js';
import { alive, commonBackend, newTensor, requireFloat } from '../../internal/make.js';
import { mul, ne, sub, where } from '../binary.js';
import { zeros } from '../creation.js';
import { cast } from '../device.js';
import { gather, scatter } from '../indexing.js';
import { squeeze, unsqueeze } from '../shape.js';
import { neg } from '../unary.js';
import { composite, layout, rawContiguous } from './raw.js';
import { logSoftmax, softmax } from './softmax.js';

/**
 * Softmax cross-entropy computed by the backend's `crossEntropy` kernel: inputs `[logits]`
 * ([N, C]), outputs `[loss]` ([N], 0 where the target is `ignoreIndex`); `target` is the int32
 * [N] class-index tensor. The gradient is `g[i]·(softmax(logits[i]) − onehot(target[i]))`.
 */
export interface CrossEntropyOpAttrs {
  softmaxCrossEntropy: { ignoreIndex: number; target: Tensor };
}

/**
 * Options of {@link softmaxCrossEntropy}.
 *
 * @example
 * ```ts
 * import type { SoftmaxCrossEntropyOptions } from '@kiln/tensor';
 * const o: SoftmaxCrossEntropyOptions = { ignoreIndex: -100 };
 * ```
 */
export interface SoftmaxCrossEntropyOptions {
  /** Rows whose target is this value get a loss (and gradient) of 0. Default −100, as PyTorch. */
  ignoreIndex?: number;
}

/**
 * Targets whose values were checked, with the storage version, class count and ignoreIndex they
 * were checked for: the gradient (and a loop that reuses one target tensor) then skips reading
 * them back from the device again. Any in-place change bumps the version and forces a new check.
 */
const validated = new WeakMap<Tensor, { version: number; classes: number; ignoreIndex: number }>();

function check(op: string, logits: Tensor, target: Tensor, ignoreIndex: number): void {
  alive(logits, op);
  alive(target, op);
  requireFloat(op, logits);
  commonBackend(op, logits, target);
  if (logits.shape.length !== 2) {
    throw new ShapeError(
      `${op}: expected logits of shape [N, C] (got ${logits.shape.length}-D logits of shape ${formatShape(logits.shape)})`,
    );
  }
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected class-index targets of dtype int32 (got ${target.dtype})`);
  }
  const [N, C] = logits.shape as [number, number];
  if (target.shape.length !== 1 || target.shape[0] !== N) {
    throw new ShapeError(
      `${op}: expected target of shape [${N}] for logits ${formatShape(logits.shape)} (got ${formatShape(target.shape)})`,
    );
  }
  if (!Number.isInteger(ignoreIndex)) {
    throw new ValueError(`${op}: ignoreIndex must be an integer (got ${ignoreIndex})`);
  }
  const seen = validated.get(target);
  if (
    seen !== undefined &&
    seen.version === target.version &&
    seen.classes === C &&
    seen.ignoreIndex === ignoreIndex
  ) {
    return;
  }
  const values = readIntsSync(target, op);
  if (values === null) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== ignoreIndex && (v < 0 || v >= C)) {
      throw new ValueError(
        `${op}: Target ${v} is out of bounds (expected a class index in [0, ${C - 1}] or ignore_index ${ignoreIndex})`,
      );
    }
  }
  validated.set(target, { version: target.version, classes: C, ignoreIndex });
}

/** `target` with ignored rows set to class 0 (a valid index), and the mask of the other rows. */
function safeTarget(target: Tensor, ignoreIndex: number): { valid: Tensor; safe: Tensor } {
  const valid = ne(target, ignoreIndex);
  return { valid, safe: where(valid, target, 0) };
}

/**
 * Per-row softmax cross-entropy of `logits` [N, C] against class indices `target` [N] (int32):
 * `logsumexp(logits[i]) − logits[i, target[i]]`, 0 where the target is `ignoreIndex`. Returns
 * [N]. One pass through the backend's `crossEntropy` kernel where it has one (its gradient then
 * uses `crossEntropyBackward`), else log-softmax and a gather. `@kiln/nn`'s `crossEntropy` builds
 * on it.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropy, tensor } from '@kiln/tensor';
 * const logits = tensor([[0, 0], [2, 0]]);
 * softmaxCrossEntropy(logits, tensor([0, -100], { dtype: 'int32' })).toArray(); // [0.6931471824645996, 0]
 * ```
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  target: Tensor,
  options: SoftmaxCrossEntropyOptions = {},
): Tensor {
  const op = 'softmaxCrossEntropy';
  const ignoreIndex = options.ignoreIndex ?? -100;
  check(op, logits, target, ignoreIndex);
  const backend = logits.handle.backend;
  const [N] = logits.shape as [number, number];
  if (backend.kernels.crossEntropy === undefined) {
    return composite(() => {
      const { valid, safe } = safeTarget(target, ignoreIndex);
      const picked = squeeze(gather(logSoftmax(logits, 1), 1, unsqueeze(safe, 1)), 1);
      return mul(neg(picked), cast(valid, logits.dtype));
    });
  }
  const lc = rawContiguous(logits);
  const loss = newTensor(backend, logits.dtype, [N]);
  try {
    if (N > 0) backend.kernels.crossEntropy(lc, target, ignoreIndex, loss.out_());
  } finally {
    if (lc !== logits) lc.dispose();
  }
  if (needsRecord1(logits)) record(op, [logits], [loss], { ignoreIndex, target });
  return loss;
}

/**
 * The gradient of {@link softmaxCrossEntropy} with respect to `logits`:
 * `grad[i]·(softmax(logits[i]) − onehot(target[i]))`, zero rows where the target is
 * `ignoreIndex`. Uses the backend's `crossEntropyBackward` kernel unless the result itself must be
 * differentiable (a graph being recorded, as in double backward), where it is a composite.
 *
 * @example
 * ```ts
 * import { softmaxCrossEntropyBackward, tensor } from '@kiln/tensor';
 * const g = softmaxCrossEntropyBackward(tensor([[0, 0]]), tensor([1], { dtype: 'int32' }), tensor([1]));
 * g.toArray(); // [[0.5, -0.5]]
 * ```
 */
export function softmaxCrossEntropyBackward(
  logits: Tensor,
  target: Tensor,
  grad: Tensor,
  options: SoftmaxCrossEntropyOptions = {},
): Tensor {
  const op = 'softmaxCrossEntropyBackward';
  const ignoreIndex = options.ignoreIndex ?? -100;
  check(op, logits, target, ignoreIndex);
  alive(grad, op);
  commonBackend(op, logits, grad);
  const [N, C] = logits.shape as [number, number];
  if (grad.shape.length !== 1 || grad.shape[0] !== N || grad.dtype !== logits.dtype) {
    throw new ShapeError(
      `${op}: expected grad of shape [${N}] and dtype ${logits.dtype} (got ${formatShape(grad.shape)} ${grad.dtype})`,
    );
  }
  const backend = logits.handle.backend;
  if (backend.kernels.crossEntropyBackward !== undefined && !needsRecord([logits, grad])) {
    const lc = rawContiguous(logits);
    const gc = rawContiguous(grad);
    const out = newTensor(backend, logits.dtype, [N, C]);
    try {
      if (out.numel() > 0) {
        backend.kernels.crossEntropyBackward(
          lc,
          target,
          layout(gc, [N], [1], gc.offset),
          ignoreIndex,
          out.out_(),
        );
      }
    } finally {
      if (lc !== logits) lc.dispose();
      if (gc !== grad) gc.dispose();
    }
    return out;
  }
  return composite(() => {
    const { valid, safe } = safeTarget(target, ignoreIndex);
    const onehot = scatter(
      zeros([N, C], { dtype: logits.dtype, device: logits.device }),
      1,
      unsqueeze(safe, 1),
      1,
    );
    const scale = mul(grad, cast(valid, logits.dtype));
    return mul(sub(softmax(logits, 1), onehot), unsqueeze(scale, 1));
  });
}
