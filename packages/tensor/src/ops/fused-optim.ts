import type { Tensor } from '../core/tensor.js';
import { ValueError } from '../errors/errors.js';
import { alive } from '../internal/make.js';
import { isContiguousTensor } from './shape.js';

/**
 * Options of {@link adamStep_}: PyTorch's Adam/AdamW hyper-parameters for one step.
 *
 * @example
 * ```ts
 * import type { AdamStepOptions } from '@kiln/tensor';
 * const o: AdamStepOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false };
 * ```
 */
export interface AdamStepOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW's decoupled weight decay instead of L2 added to the gradient. */
  readonly decoupled: boolean;
  /** The step count after this step (1 on the first). */
  readonly step: number;
  readonly maximize: boolean;
}

/**
 * Options of {@link sgdStep_}.
 *
 * @example
 * ```ts
 * import type { SgdStepOptions } from '@kiln/tensor';
 * const o: SgdStepOptions = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true };
 * ```
 */
export interface SgdStepOptions {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
  /** Whether the momentum buffer is fresh (PyTorch initialises it to the first gradient). */
  readonly firstStep: boolean;
}

function checkSame(op: string, param: Tensor, others: readonly Tensor[]): boolean {
  alive(param, op);
  for (const t of others) {
    alive(t, op);
    if (t.device !== param.device || t.dtype !== param.dtype || t.numel() !== param.numel()) {
      throw new ValueError(
        `${op}: state tensors must match the parameter's device, dtype and size (got ${t.device}/${t.dtype}/${t.numel()}, expected ${param.device}/${param.dtype}/${param.numel()})`,
      );
    }
  }
  return [param, ...others].every(isContiguousTensor);
}

/**
 * One Adam (or AdamW) step in place on `param`, `expAvg` and `expAvgSq`, exactly as PyTorch's
 * single-tensor implementation computes it. Uses the backend's fused `adamStep` kernel when it has
 * one, else the same math in tensor ops. Not recorded by autograd (call it under no-grad).
 *
 * @example
 * ```ts
 * import { adamStep_, ones, zeros } from '@kiln/tensor';
 * const p = ones([3]);
 * adamStep_(p, ones([3]), zeros([3]), zeros([3]), { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1, maximize: false });
 * ```
 */
export function adamStep_(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  o: AdamStepOptions,
): void {
  const contiguous = checkSame('adamStep_', param, [grad, expAvg, expAvgSq]);
  const kernel = param.handle.backend.kernels.adamStep;
  if (kernel !== undefined && contiguous) {
    kernel(param.out_(), grad, expAvg.out_(), expAvgSq.out_(), o);
  } else {
    let g = o.maximize ? grad.neg() : grad;
    if (o.decoupled) {
      if (o.weightDecay !== 0) param.mul_(1 - o.lr * o.weightDecay);
    } else if (o.weightDecay !== 0) {
      const g2 = g.add(param, { alpha: o.weightDecay });
      if (g !== grad) g.dispose();
      g = g2;
    }
    expAvg.mul_(o.beta1).add_(g, { alpha: 1 - o.beta1 });
    expAvgSq.mul_(o.beta2).addcmul_(g, g, { value: 1 - o.beta2 });
    const bc1 = 1 - o.beta1 ** o.step;
    const bc2Sqrt = Math.sqrt(1 - o.beta2 ** o.step);
    const s = expAvgSq.sqrt();
    const denom = s.div(bc2Sqrt).add_(o.eps);
    param.addcdiv_(expAvg, denom, { value: -o.lr / bc1 });
    s.dispose();
    denom.dispose();
    if (g !== grad) g.dispose();
    return;
  }
  for (const t of [param, expAvg, expAvgSq]) t.handle.version++;
}

/**
 * One SGD step in place (momentum buffer too), as PyTorch's single-tensor SGD. Uses the backend's
 * fused `sgdStep` kernel when it has one. Not recorded by autograd.
 *
 * @example
 * ```ts
 * import { sgdStep_, ones } from '@kiln/tensor';
 * const p = ones([2]);
 * sgdStep_(p, ones([2]), null, { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, firstStep: true });
 * ```
 */
export function sgdStep_(
  param: Tensor,
  grad: Tensor,
  momentumBuffer: Tensor | null,
  o: SgdStepOptions,
): void {
  const contiguous = checkSame('sgdStep_', param, momentumBuffer === null ? [grad] : [grad, momentumBuffer]);
  const kernel = param.handle.backend.kernels.sgdStep;
  if (kernel !== undefined && contiguous) {
    kernel(param.out_(), grad, momentumBuffer === null ? null : momentumBuffer.out_(), o);
    param.handle.version++;
    if (momentumBuffer !== null) momentumBuffer.handle.version++;
    return;
  }
  let d = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) {
    const d2 = d.add(param, { alpha: o.weightDecay });
    if (d !== grad) d.dispose();
    d = d2;
  }
  if (o.momentum !== 0 && momentumBuffer !== null) {
    if (o.firstStep) momentumBuffer.copy_(d);
    else momentumBuffer.mul_(o.momentum).add_(d, { alpha: 1 - o.dampening });
    if (o.nesterov) {
      const d2 = d.add(momentumBuffer, { alpha: o.momentum });
      if (d !== grad) d.dispose();
      d = d2;
    } else {
      if (d !== grad) d.dispose();
      d = momentumBuffer;
    }
  }
  param.add_(d, { alpha: -o.lr });
  if (d !== grad && d !== momentumBuffer) d.dispose();
}
