import { needsRecord, record } from '../../core/dispatch.js';
import { formatShape, shapeSize } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../../errors/errors.js';
import { alive, commonBackend, newTensor, requireFloat } from '../../internal/make.js';
import { add, mul, runBinary, sub } from '../binary.js';
import { mean } from '../reduce.js';
import { contiguous, detach, reshape } from '../shape.js';
import { rsqrt, square } from '../unary.js';
import { composite, layout, rawContiguous } from './raw.js';

/**
 * Normalisations recorded for autograd. `layerNorm` (only when the backend's kernel computed it):
 * inputs `[x, weight | null, bias | null]`, outputs `[y]`; `y = (x − μ)·rstd·w + b` over the
 * trailing `normalizedShape` dims with biased variance; the rule may recompute μ and rstd from `x`.
 * Batch and group norm (and layer norm without a kernel) are composites.
 */
export interface NormOpAttrs {
  layerNorm: { normalizedShape: readonly number[]; eps: number };
  /**
   * Training-mode batch norm computed by the backend's kernel: inputs `[x, weight | null,
   * bias | null]`, outputs `[y]`; `mean` and `variance` [C] are the batch statistics (biased).
   */
  batchNorm: { eps: number; mean: Tensor; variance: Tensor };
}

/**
 * Options of {@link batchNorm} (PyTorch's defaults: eval mode, momentum 0.1, eps 1e-5).
 *
 * @example
 * ```ts
 * import { batchNorm, randn } from '@kiln/tensor';
 * batchNorm(randn([4, 3]), null, null, { training: true }).shape; // [4, 3]
 * ```
 */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

function checkAffine(
  op: string,
  x: Tensor,
  t: Tensor | null | undefined,
  what: string,
  shape: readonly number[],
): void {
  if (t === null || t === undefined) return;
  alive(t, op);
  commonBackend(op, x, t);
  if (t.dtype !== x.dtype)
    throw new DTypeError(`${op}: expected ${what} of dtype ${x.dtype} (got ${t.dtype})`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(
      `${op}: expected ${what} of shape ${formatShape(shape)} (got ${formatShape(t.shape)}, input ${formatShape(x.shape)})`,
    );
  }
}

/** `[1, C, 1, …]` view of a per-channel vector for an input of rank `rank`. */
function channelView(t: Tensor, rank: number): Tensor {
  const shape = new Array<number>(rank).fill(1);
  shape[1] = t.shape[0]!;
  return reshape(t, shape);
}

/**
 * Batch normalisation over every dim but the channel dim 1 of `x` [N, C, …]. In training it
 * normalises with the batch statistics (biased variance) and, when given, updates `runningMean`
 * and `runningVar` in place with `momentum` (the running variance unbiased, as PyTorch); in eval
 * mode it uses the running statistics. A composite, so its gradient comes from its parts.
 *
 * @example
 * ```ts
 * import { batchNorm, tensor, zeros, ones } from '@kiln/tensor';
 * const rm = zeros([1]);
 * const rv = ones([1]);
 * batchNorm(tensor([[1], [3]]), rm, rv, { training: true }).toArray(); // [[-0.99999], [0.99999]]
 * rm.toArray(); // [0.2]
 * ```
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  alive(x, op);
  requireFloat(op, x);
  if (x.shape.length < 2) {
    throw new ShapeError(
      `${op}: expected input [N, C, …] of at least 2 dims (got ${x.shape.length}-D input of shape ${formatShape(x.shape)})`,
    );
  }
  const C = x.shape[1]!;
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  checkAffine(op, x, options.weight, 'weight', [C]);
  checkAffine(op, x, options.bias, 'bias', [C]);
  checkAffine(op, x, runningMean, 'running_mean', [C]);
  checkAffine(op, x, runningVar, 'running_var', [C]);
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ValueError(`${op}: running_mean and running_var must both be given or both be null`);
  }
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  const rank = x.shape.length;
  const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
  const count = shapeSize(x.shape) / Math.max(C, 1);
  if (training) {
    if (count <= 1) {
      throw new ValueError(
        `${op}: expected more than 1 value per channel when training (got input size ${formatShape(x.shape)})`,
      );
    }
    if (x.handle.backend.kernels.batchNorm !== undefined) {
      return batchNormKernel(x, weight, bias, eps, runningMean, runningVar, momentum, count);
    }
    const stats: { mean?: Tensor; var?: Tensor } = {};
    const y = composite(() => {
      const mu = mean(x, axes, true);
      const xc = sub(x, mu);
      const v = mean(square(xc), axes, true);
      let out = mul(xc, rsqrt(add(v, eps)));
      if (weight !== null) out = mul(out, channelView(weight, rank));
      if (bias !== null) out = add(out, channelView(bias, rank));
      if (runningMean !== null) {
        stats.mean = detach(mu).keep();
        stats.var = detach(v).keep();
      }
      return out;
    });
    if (runningMean !== null && runningVar !== null && stats.mean !== undefined && stats.var !== undefined) {
      updateRunning(runningMean, stats.mean, momentum, 1);
      updateRunning(runningVar, stats.var, momentum, count / (count - 1));
      stats.mean.dispose();
      stats.var.dispose();
    }
    return y;
  }
  if (runningMean === null || runningVar === null) {
    throw new ValueError(
      `${op}: running_mean and running_var must be given in eval mode (training is false)`,
    );
  }
  return composite(() => {
    // NOTE: fold the statistics into one scale and shift per channel: two passes over x, not four.
    let scale = rsqrt(add(runningVar, eps));
    if (weight !== null) scale = mul(scale, weight);
    let shift = mul(runningMean, scale);
    shift = bias !== null ? sub(bias, shift) : mul(shift, -1);
    return add(mul(x, channelView(scale, rank)), channelView(shift, rank));
  });
}

/**
 * Training-mode batch norm through the backend's `batchNorm` kernel: one pass for the statistics
 * and one for the output, recorded as `batchNorm` with the statistics saved for the gradient.
 */
function batchNormKernel(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  momentum: number,
  count: number,
): Tensor {
  const backend = x.handle.backend;
  const [N, C] = x.shape as [number, number];
  const S = count / Math.max(N, 1);
  const xc = rawContiguous(x);
  const wc = weight === null ? null : rawContiguous(weight);
  const bc = bias === null ? null : rawContiguous(bias);
  const y = newTensor(backend, x.dtype, x.shape);
  const mu = newTensor(backend, x.dtype, [C]);
  const variance = newTensor(backend, x.dtype, [C]);
  try {
    backend.kernels.batchNorm!(
      layout(xc, [N, C, S], [C * S, S, 1], xc.offset),
      wc === null ? null : layout(wc, [C], [1], wc.offset),
      bc === null ? null : layout(bc, [C], [1], bc.offset),
      eps,
      { storage: y.storage, shape: [N, C, S], offset: y.offset },
      mu.out_(),
      variance.out_(),
    );
  } finally {
    for (const [c, o] of [
      [xc, x],
      [wc, weight],
      [bc, bias],
    ] as const)
      if (c !== null && c !== o) c.dispose();
  }
  if (runningMean !== null && runningVar !== null) {
    updateRunning(runningMean, mu, momentum, 1);
    updateRunning(runningVar, variance, momentum, count / (count - 1));
  }
  if (needsRecord([x, weight, bias]))
    record('batchNorm', [x, weight, bias], [y], { eps, mean: mu, variance });
  // NOTE: a recording holds its own references to the statistics.
  mu.dispose();
  variance.dispose();
  return y;
}

/** `running = (1 − m)·running + m·factor·stat`, in place and outside the graph. */
function updateRunning(running: Tensor, stat: Tensor, momentum: number, factor: number): void {
  const flat = layout(stat, [stat.numel()], [1], stat.offset);
  const s = newTensor(stat.handle.backend, stat.dtype, [stat.numel()]);
  stat.handle.backend.copy(flat, s);
  const scaled = runBinary('mul', s, momentum * factor, 'arith');
  const kept = runBinary('mul', running, 1 - momentum, 'arith');
  const next = runBinary('add', kept, scaled, 'arith');
  running.copy_(next);
  for (const t of [s, scaled, kept, next]) t.dispose();
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` of `x` (biased variance), with
 * optional elementwise `weight` and `bias` of that shape. Uses the backend's `layerNorm` kernel
 * when it has one (recorded as `layerNorm`), else a composite.
 *
 * @example
 * ```ts
 * import { layerNorm, tensor } from '@kiln/tensor';
 * layerNorm(tensor([[1, 3]]), [2]).toArray(); // [[-0.999995, 0.999995]]
 * ```
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const op = 'layerNorm';
  alive(x, op);
  requireFloat(op, x);
  const shape: readonly number[] = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  const k = shape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (k === 0 || x.shape.length < k || tail.some((d, i) => d !== shape[i])) {
    throw new ShapeError(
      `${op}: given normalizedShape ${formatShape(shape)}, expected input with shape [*, ${shape.join(', ')}] (got ${formatShape(x.shape)})`,
    );
  }
  checkAffine(op, x, weight, 'weight', shape);
  checkAffine(op, x, bias, 'bias', shape);
  const w = weight ?? null;
  const b = bias ?? null;
  const size = shapeSize(shape);
  const backend = x.handle.backend;
  const tracked = needsRecord([x, w, b]);
  if (backend.kernels.layerNorm !== undefined) {
    const xc = rawContiguous(x);
    const wc = w === null ? null : rawContiguous(w);
    const bc = b === null ? null : rawContiguous(b);
    const y = newTensor(backend, x.dtype, x.shape);
    if (y.numel() > 0) {
      backend.kernels.layerNorm(
        xc,
        size,
        wc === null ? null : layout(wc, [size], [1], wc.offset),
        bc === null ? null : layout(bc, [size], [1], bc.offset),
        eps,
        y.out_(),
        null,
        null,
      );
    }
    for (const [c, o] of [
      [xc, x],
      [wc, w],
      [bc, b],
    ] as const)
      if (c !== null && c !== o) c.dispose();
    if (tracked) record('layerNorm', [x, w, b], [y], { normalizedShape: shape.slice(), eps });
    return y;
  }
  const axes = Array.from({ length: k }, (_, i) => x.shape.length - k + i);
  return composite(() => {
    const mu = mean(x, axes, true);
    const xc = sub(x, mu);
    const v = mean(square(xc), axes, true);
    let y = mul(xc, rsqrt(add(v, eps)));
    if (w !== null) y = mul(y, w);
    if (b !== null) y = add(y, b);
    return y;
  });
}

/**
 * Group normalisation: the channels of `x` [N, C, …] split into `numGroups` groups, each
 * normalised over its channels and spatial dims (biased variance), then per-channel `weight` and
 * `bias`. A composite.
 *
 * @example
 * ```ts
 * import { groupNorm, tensor } from '@kiln/tensor';
 * groupNorm(tensor([[1, 3]]), 1).toArray(); // [[-0.999995, 0.999995]]
 * ```
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const op = 'groupNorm';
  alive(x, op);
  requireFloat(op, x);
  if (x.shape.length < 2) {
    throw new ShapeError(
      `${op}: expected input [N, C, …] of at least 2 dims (got ${x.shape.length}-D input of shape ${formatShape(x.shape)})`,
    );
  }
  const [N, C] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new ValueError(
      `${op}: expected number of channels in input to be divisible by numGroups (got input of shape ${formatShape(x.shape)} and numGroups=${numGroups})`,
    );
  }
  checkAffine(op, x, weight, 'weight', [C]);
  checkAffine(op, x, bias, 'bias', [C]);
  const w = weight ?? null;
  const b = bias ?? null;
  const rank = x.shape.length;
  return composite(() => {
    const xg = reshape(contiguous(x), [N, numGroups, -1]);
    const mu = mean(xg, [2], true);
    const xc = sub(xg, mu);
    const v = mean(square(xc), [2], true);
    let y = reshape(mul(xc, rsqrt(add(v, eps))), x.shape);
    if (w !== null) y = mul(y, channelView(w, rank));
    if (b !== null) y = add(y, channelView(b, rank));
    return y;
  });
}

/**
 * Options of {@link instanceNorm} (PyTorch's `F.instance_norm` defaults).
 *
 * @example
 * ```ts
 * import { instanceNorm, randn, zeros, ones } from '@kiln/tensor';
 * instanceNorm(randn([2, 3, 4]), { runningMean: zeros([3]), runningVar: ones([3]) }).shape; // [2, 3, 4]
 * ```
 */
export interface InstanceNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Instance normalisation: each (sample, channel) plane of `x` [N, C, …] normalised over its
 * spatial dims (biased variance), then per-channel `weight` and `bias`. With `useInputStats`
 * (the default) the running statistics, when given, are updated in place with the batch average
 * of the per-instance statistics (unbiased variance); without it they are used instead. A
 * composite.
 *
 * @example
 * ```ts
 * import { instanceNorm, tensor } from '@kiln/tensor';
 * instanceNorm(tensor([[[1, 3]]])).toArray(); // [[[-0.999995, 0.999995]]]
 * ```
 */
export function instanceNorm(x: Tensor, options: InstanceNormOptions = {}): Tensor {
  const op = 'instanceNorm';
  alive(x, op);
  requireFloat(op, x);
  if (x.shape.length < 3) {
    throw new ShapeError(
      `${op}: expected input [N, C, …] of at least 3 dims (got ${x.shape.length}-D input of shape ${formatShape(x.shape)})`,
    );
  }
  const C = x.shape[1]!;
  const runningMean = options.runningMean ?? null;
  const runningVar = options.runningVar ?? null;
  const weight = options.weight ?? null;
  const bias = options.bias ?? null;
  const eps = options.eps ?? 1e-5;
  const momentum = options.momentum ?? 0.1;
  checkAffine(op, x, weight, 'weight', [C]);
  checkAffine(op, x, bias, 'bias', [C]);
  checkAffine(op, x, runningMean, 'running_mean', [C]);
  checkAffine(op, x, runningVar, 'running_var', [C]);
  if ((runningMean === null) !== (runningVar === null)) {
    throw new ValueError(`${op}: running_mean and running_var must both be given or both be null`);
  }
  const rank = x.shape.length;
  if (!(options.useInputStats ?? true)) {
    if (runningMean === null || runningVar === null) {
      throw new ValueError(`${op}: expected running_mean and running_var when useInputStats is false`);
    }
    return batchNorm(x, runningMean, runningVar, { weight, bias, eps, training: false });
  }
  const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const count = shapeSize(x.shape.slice(2));
  if (count <= 1) {
    throw new ValueError(
      `${op}: expected more than 1 spatial element when training (got input size ${formatShape(x.shape)})`,
    );
  }
  const stats: { mean?: Tensor; var?: Tensor } = {};
  const y = composite(() => {
    const mu = mean(x, axes, true);
    const xc = sub(x, mu);
    const v = mean(square(xc), axes, true);
    let out = mul(xc, rsqrt(add(v, eps)));
    if (weight !== null) out = mul(out, channelView(weight, rank));
    if (bias !== null) out = add(out, channelView(bias, rank));
    if (runningMean !== null) {
      // NOTE: the running statistics follow the batch average of the per-instance ones.
      stats.mean = mean(detach(mu), [0, ...axes]).keep();
      stats.var = mean(detach(v), [0, ...axes]).keep();
    }
    return out;
  });
  if (runningMean !== null && runningVar !== null && stats.mean !== undefined && stats.var !== undefined) {
    updateRunning(runningMean, stats.mean, momentum, 1);
    updateRunning(runningVar, stats.var, momentum, count / (count - 1));
    stats.mean.dispose();
    stats.var.dispose();
  }
  return y;
}
