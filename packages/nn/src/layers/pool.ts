import {
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  maxPool1d,
  maxPool2d,
  type Tensor,
  ValueError,
} from '@kiln/autograd';
import { checkRank } from '../internal/check.js';
import { Module } from '../module.js';

type Pair = number | readonly [number, number];

const show = (v: Pair | null | readonly (number | null)[]): string =>
  typeof v === 'number' || v === null ? String(v) : `[${v.join(', ')}]`;

/** What a max pool returns: the maxima, or with `returnIndices` the maxima and their indices. */
type MaxPoolOutput<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

const LAYOUT_1D = '(C, L) or (N, C, L)';
const LAYOUT_2D = '(C, H, W) or (N, C, H, W)';

/**
 * Options of {@link MaxPool1d} (the stride defaults to the kernel size, as PyTorch).
 *
 * @example
 * ```ts
 * import { MaxPool1d, type MaxPool1dOptions } from '@kiln/nn';
 * const o: MaxPool1dOptions = { stride: 1, padding: 1 };
 * new MaxPool1d(3, o);
 * ```
 */
export interface MaxPool1dOptions<R extends boolean = boolean> {
  stride?: number | null;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
  /** Also return the flat index of each maximum within its plane (for unpooling). */
  returnIndices?: R;
}

/**
 * Options of {@link MaxPool2d} (the stride defaults to the kernel size, as PyTorch).
 *
 * @example
 * ```ts
 * import { MaxPool2d, type MaxPool2dOptions } from '@kiln/nn';
 * const o: MaxPool2dOptions = { stride: 2, ceilMode: true };
 * new MaxPool2d(3, o);
 * ```
 */
export interface MaxPool2dOptions<R extends boolean = boolean> {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  /** Also return the flat index of each maximum within its plane (for unpooling). */
  returnIndices?: R;
}

/**
 * Options of {@link AvgPool1d}.
 *
 * @example
 * ```ts
 * import { AvgPool1d, type AvgPool1dOptions } from '@kiln/nn';
 * const o: AvgPool1dOptions = { padding: 1, countIncludePad: false };
 * new AvgPool1d(3, o);
 * ```
 */
export interface AvgPool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/**
 * Options of {@link AvgPool2d}.
 *
 * @example
 * ```ts
 * import { AvgPool2d, type AvgPool2dOptions } from '@kiln/nn';
 * const o: AvgPool2dOptions = { stride: 1, divisorOverride: 4 };
 * new AvgPool2d(2, o);
 * ```
 */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/**
 * 1-D max pooling over `[N, C, L]` (or `[C, L]`), as `torch.nn.MaxPool1d`. With
 * `returnIndices: true` it returns `[maxima, indices]`.
 *
 * @example
 * ```ts
 * import { MaxPool1d } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * new MaxPool1d(2).call(tensor([[[1, 3, 2, 0]]], { dtype: 'float32' })).toArray(); // [[[3, 2]]]
 * ```
 */
export class MaxPool1d<R extends boolean = false> extends Module<[Tensor], MaxPoolOutput<R>> {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;
  readonly returnIndices: R;

  constructor(kernelSize: number, options: MaxPool1dOptions<R> = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
    this.returnIndices = (options.returnIndices ?? false) as R;
  }

  forward(x: Tensor): MaxPoolOutput<R> {
    checkRank('MaxPool1d', x, [2, 3], LAYOUT_1D);
    const common = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    };
    const out = this.returnIndices
      ? maxPool1d(x, this.kernelSize, { ...common, returnIndices: true })
      : maxPool1d(x, this.kernelSize, common);
    return out as MaxPoolOutput<R>;
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * 2-D max pooling over `[N, C, H, W]` (or `[C, H, W]`), as `torch.nn.MaxPool2d`. With
 * `returnIndices: true` it returns `[maxima, indices]` (flat indices within each `H × W` plane).
 *
 * @example
 * ```ts
 * import { MaxPool2d } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * new MaxPool2d(2).call(randn([1, 3, 28, 28])).shape; // [1, 3, 14, 14]
 * ```
 */
export class MaxPool2d<R extends boolean = false> extends Module<[Tensor], MaxPoolOutput<R>> {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;
  readonly returnIndices: R;

  constructor(kernelSize: Pair, options: MaxPool2dOptions<R> = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
    this.returnIndices = (options.returnIndices ?? false) as R;
  }

  forward(x: Tensor): MaxPoolOutput<R> {
    checkRank('MaxPool2d', x, [3, 4], LAYOUT_2D);
    const common = {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    };
    const out = this.returnIndices
      ? maxPool2d(x, this.kernelSize, { ...common, returnIndices: true })
      : maxPool2d(x, this.kernelSize, common);
    return out as MaxPoolOutput<R>;
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=${show(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

/**
 * 1-D average pooling over `[N, C, L]` (or `[C, L]`), as `torch.nn.AvgPool1d`.
 *
 * @example
 * ```ts
 * import { AvgPool1d } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * new AvgPool1d(2).call(tensor([[[1, 3, 2, 0]]], { dtype: 'float32' })).toArray(); // [[[2, 1]]]
 * ```
 */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number, options: AvgPool1dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Tensor): Tensor {
    checkRank('AvgPool1d', x, [2, 3], LAYOUT_1D);
    return avgPool1d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}`;
  }
}

/**
 * 2-D average pooling over `[N, C, H, W]` (or `[C, H, W]`), as `torch.nn.AvgPool2d`.
 *
 * @example
 * ```ts
 * import { AvgPool2d } from '@kiln/nn';
 * import { ones } from '@kiln/autograd';
 * new AvgPool2d(2, { padding: 1, countIncludePad: false }).call(ones([1, 1, 2, 2])).toArray(); // [[[[1, 1], [1, 1]]]]
 * ```
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
    if (
      this.divisorOverride !== null &&
      !(Number.isInteger(this.divisorOverride) && this.divisorOverride > 0)
    ) {
      throw new ValueError(
        `AvgPool2d: divisorOverride must be a positive integer (got ${this.divisorOverride})`,
      );
    }
  }

  forward(x: Tensor): Tensor {
    checkRank('AvgPool2d', x, [3, 4], LAYOUT_2D);
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

/**
 * Adaptive average pooling to a fixed spatial size whatever the input's (`null` keeps that dim),
 * as `torch.nn.AdaptiveAvgPool2d`.
 *
 * @example
 * ```ts
 * import { AdaptiveAvgPool2d } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * new AdaptiveAvgPool2d(1).call(randn([2, 8, 7, 5])).shape; // [2, 8, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | readonly (number | null)[];

  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    this.outputSize = outputSize;
  }

  forward(x: Tensor): Tensor {
    checkRank('AdaptiveAvgPool2d', x, [3, 4], LAYOUT_2D);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}
