import {
  batchNorm,
  empty,
  groupNorm,
  layerNorm,
  noGrad,
  ones,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from '@kiln/autograd';
import { ones_, zeros_ } from '../init.js';
import { checkDim, checkRank } from '../internal/check.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import type { FactoryOptions } from './linear.js';

/**
 * Options of {@link BatchNorm1d} and {@link BatchNorm2d}. `momentum: null` makes the running
 * statistics a cumulative average over every batch seen, as PyTorch's `momentum=None`.
 *
 * @example
 * ```ts
 * import { BatchNorm1d, type BatchNormOptions } from '@kiln/nn';
 * const o: BatchNormOptions = { momentum: null, affine: false };
 * new BatchNorm1d(4, o);
 * ```
 */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(
    protected readonly layer: string,
    numFeatures: number,
    options: BatchNormOptions,
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new ValueError(`${layer}: numFeatures must be a positive integer (got ${numFeatures})`);
    }
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    this.registerParameter('weight', this.affine ? new Parameter(empty([numFeatures], opts)) : null);
    this.registerParameter('bias', this.affine ? new Parameter(empty([numFeatures], opts)) : null);
    // NOTE: PyTorch's buffer names (snake_case) so that state dicts load both ways; readable
    // through the camelCase accessors below.
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], opts));
      this.registerBuffer('running_var', ones([numFeatures], opts));
      this.registerBuffer(
        'num_batches_tracked',
        zeros([], { dtype: 'int32', ...(options.device ? { device: options.device } : {}) }),
      );
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    for (const [camel, snake] of [
      ['runningMean', 'running_mean'],
      ['runningVar', 'running_var'],
      ['numBatchesTracked', 'num_batches_tracked'],
    ] as const) {
      Object.defineProperty(this, camel, {
        get: () => (this as unknown as Record<string, Tensor | null>)[snake] ?? null,
        enumerable: false,
        configurable: true,
      });
    }
    this.resetParameters();
  }

  /** Resets the running statistics to mean 0, variance 1 and no batches seen. */
  resetRunningStats(): void {
    if (this.runningMean === null || this.runningVar === null || this.numBatchesTracked === null) return;
    zeros_(this.runningMean);
    ones_(this.runningVar);
    noGrad(() => this.numBatchesTracked?.zero_());
  }

  /** Resets the running statistics and the affine parameters (weight 1, bias 0). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    checkDim(this.layer, x, 1, this.numFeatures, 'features (numFeatures)');
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      const n = this.numBatchesTracked;
      noGrad(() => n.add_(1));
      if (this.momentum === null) factor = 1 / (n.item() as number);
    }
    // NOTE: as PyTorch, batch statistics are used in training, and also in eval when no running
    // statistics are kept; the running buffers are updated only when training with them.
    const useBatch = this.training || this.runningMean === null;
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` inputs, as `torch.nn.BatchNorm1d`: in training
 * mode it normalises with the batch statistics and updates the running ones (buffers
 * `running_mean`, `running_var` and the int32 `num_batches_tracked`, PyTorch's names, also
 * readable as `runningMean`, …); in eval mode it normalises with the running statistics.
 *
 * @example
 * ```ts
 * import { BatchNorm1d } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * const bn = new BatchNorm1d(1);
 * bn.call(tensor([[1], [3]], { dtype: 'float32' }));
 * bn.runningMean?.toArray(); // [0.2]
 * bn.eval().call(tensor([[0.2]])).toArray(); // [[0]]
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    checkRank('BatchNorm1d', x, [2, 3], '(N, C) or (N, C, L)');
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` inputs, as `torch.nn.BatchNorm2d` (see
 * {@link BatchNorm1d} for train/eval behaviour and buffers).
 *
 * @example
 * ```ts
 * import { BatchNorm2d } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * new BatchNorm2d(16).call(randn([4, 16, 8, 8])).shape; // [4, 16, 8, 8]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }

  protected checkInput(x: Tensor): void {
    checkRank('BatchNorm2d', x, [4], '(N, C, H, W)');
  }
}

/**
 * Options of {@link LayerNorm}.
 *
 * @example
 * ```ts
 * import { LayerNorm, type LayerNormOptions } from '@kiln/nn';
 * const o: LayerNormOptions = { eps: 1e-6, elementwiseAffine: false };
 * new LayerNorm(8, o);
 * ```
 */
export interface LayerNormOptions extends FactoryOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  /** Whether to learn a bias (with `elementwiseAffine`); PyTorch 2.1's `bias`. */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims, with a learned elementwise weight
 * (ones) and bias (zeros), as `torch.nn.LayerNorm`. Same in train and eval mode.
 *
 * @example
 * ```ts
 * import { LayerNorm } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * new LayerNorm(2).call(tensor([[1, 3]], { dtype: 'float32' })).toArray(); // [[-0.999995, 0.999995]]
 * ```
 */
export class LayerNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ValueError(
        `LayerNorm: normalizedShape must be positive integers (got [${shape.join(', ')}])`,
      );
    }
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    const affine = this.elementwiseAffine;
    this.registerParameter('weight', affine ? new Parameter(empty(shape, opts)) : null);
    this.registerParameter(
      'bias',
      affine && options.bias !== false ? new Parameter(empty(shape, opts)) : null,
    );
    this.resetParameters();
  }

  /** Weight to ones, bias to zeros. */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new ShapeError(
        `LayerNorm: expected input of shape [*, ${this.normalizedShape.join(', ')}] (normalizedShape [${this.normalizedShape.join(', ')}]), got shape [${x.shape.join(', ')}]`,
      );
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/**
 * Options of {@link GroupNorm}.
 *
 * @example
 * ```ts
 * import { GroupNorm, type GroupNormOptions } from '@kiln/nn';
 * const o: GroupNormOptions = { affine: false };
 * new GroupNorm(2, 8, o);
 * ```
 */
export interface GroupNormOptions extends FactoryOptions {
  eps?: number;
  affine?: boolean;
}

/**
 * Group normalisation: channels split into `numGroups` groups, each normalised over its channels
 * and spatial dims, then a per-channel weight (ones) and bias (zeros), as `torch.nn.GroupNorm`.
 *
 * @example
 * ```ts
 * import { GroupNorm } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * new GroupNorm(2, 4).call(randn([3, 4, 5, 5])).shape; // [3, 4, 5, 5]
 * ```
 */
export class GroupNorm extends Module {
  declare weight: Parameter | null;
  declare bias: Parameter | null;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    if (
      !Number.isInteger(numGroups) ||
      numGroups < 1 ||
      !Number.isInteger(numChannels) ||
      numChannels % numGroups !== 0
    ) {
      throw new ValueError(
        `GroupNorm: numChannels must be divisible by numGroups (got numChannels=${numChannels}, numGroups=${numGroups})`,
      );
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    this.affine = options.affine ?? true;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    this.registerParameter('weight', this.affine ? new Parameter(empty([numChannels], opts)) : null);
    this.registerParameter('bias', this.affine ? new Parameter(empty([numChannels], opts)) : null);
    this.resetParameters();
  }

  /** Weight to ones, bias to zeros. */
  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2) {
      throw new ShapeError(
        `GroupNorm: expected input (N, C, *) of at least 2 dims, got ${x.ndim}-D input of shape [${x.shape.join(', ')}]`,
      );
    }
    checkDim('GroupNorm', x, 1, this.numChannels, 'channels (numChannels)');
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
