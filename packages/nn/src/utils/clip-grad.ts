import { noGrad, stack, type Tensor, tensor, ValueError } from '@kiln/autograd';

function grads(parameters: Iterable<Tensor> | Tensor): Tensor[] {
  const list =
    parameters instanceof Object && Symbol.iterator in parameters
      ? [...(parameters as Iterable<Tensor>)]
      : [parameters as Tensor];
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

/**
 * Rescales the gradients of `parameters` so that their total `normType`-norm is at most `maxNorm`,
 * in place, and returns the total norm before clipping — `torch.nn.utils.clip_grad_norm_`.
 *
 * @example
 * ```ts
 * import { utils, Linear } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const fc = new Linear(4, 2);
 * fc.call(randn([3, 4])).sum().backward();
 * utils.clipGradNorm_(fc.parameters(), 1.0);
 * ```
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  options: { normType?: number; errorIfNonfinite?: boolean } = {},
): Tensor {
  const normType = options.normType ?? 2;
  const gs = grads(parameters);
  if (gs.length === 0) return tensor(0, { dtype: 'float32' });
  return noGrad(() => {
    const norms = gs.map((g) => (normType === Number.POSITIVE_INFINITY ? g.abs().amax() : g.norm(normType)));
    const stacked = stack(norms.map((n) => n.to(gs[0]!.device)));
    const total = normType === Number.POSITIVE_INFINITY ? stacked.amax() : stacked.norm(normType);
    const value = Number(total.item());
    if (options.errorIfNonfinite === true && !Number.isFinite(value)) {
      throw new ValueError(
        `clipGradNorm_: The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`errorIfNonfinite: false\``,
      );
    }
    const coef = maxNorm / (value + 1e-6);
    if (coef < 1) for (const g of gs) g.mul_(coef);
    for (const n of norms) n.dispose();
    stacked.dispose();
    return total;
  });
}

/**
 * Clamps every gradient of `parameters` into `[-clipValue, clipValue]`, in place —
 * `torch.nn.utils.clip_grad_value_`.
 *
 * @example
 * ```ts
 * import { utils, Linear } from '@kiln/nn';
 * utils.clipGradValue_(new Linear(4, 2).parameters(), 0.5);
 * ```
 */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  if (!(clipValue >= 0))
    throw new ValueError(`clipGradValue_: clip_value must be non-negative (got ${clipValue})`);
  noGrad(() => {
    for (const g of grads(parameters)) g.clamp_(-clipValue, clipValue);
  });
}
