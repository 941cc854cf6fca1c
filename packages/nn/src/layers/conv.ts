import { conv1d, conv2d, convTranspose2d, empty, pad, type Tensor, ValueError } from '@kiln/autograd';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { checkDim, checkRank } from '../internal/check.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import type { FactoryOptions } from './linear.js';

/**
 * How a convolution pads its input: with zeros (the convolution op's own padding), or by
 * reflecting, replicating or wrapping the input (an explicit `pad` first), as PyTorch's
 * `padding_mode`.
 *
 * @example
 * ```ts
 * import { Conv2d, type PaddingMode } from '@kiln/nn';
 * const mode: PaddingMode = 'reflect';
 * new Conv2d(3, 8, 3, { padding: 1, paddingMode: mode });
 * ```
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/**
 * Options of {@link Conv1d} and {@link Conv2d} (PyTorch's keyword arguments, camelCase).
 *
 * @example
 * ```ts
 * import { Conv2d, type ConvOptions } from '@kiln/nn';
 * const o: ConvOptions<2> = { stride: 2, padding: 1, bias: false };
 * new Conv2d(3, 8, 3, o);
 * ```
 */
export interface ConvOptions<N extends 1 | 2> extends FactoryOptions {
  stride?: Size<N>;
  padding?: Size<N> | 'same' | 'valid';
  dilation?: Size<N>;
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

/**
 * Options of {@link ConvTranspose2d} (PyTorch's keyword arguments, camelCase). Only zero padding
 * exists for transposed convolutions, as in PyTorch.
 *
 * @example
 * ```ts
 * import { ConvTranspose2d, type ConvTransposeOptions } from '@kiln/nn';
 * const o: ConvTransposeOptions = { stride: 2, outputPadding: 1 };
 * new ConvTranspose2d(8, 3, 3, o);
 * ```
 */
export interface ConvTransposeOptions extends FactoryOptions {
  stride?: Size<2>;
  padding?: Size<2>;
  outputPadding?: Size<2>;
  dilation?: Size<2>;
  groups?: number;
  bias?: boolean;
  paddingMode?: 'zeros';
}

/** A size per spatial dim, or one number for all of them. */
type Size<N extends 1 | 2> = number | (N extends 1 ? readonly [number] : readonly [number, number]);

function tuple<N extends 1 | 2>(layer: string, what: string, v: Size<N>, n: N, min: number): number[] {
  const out = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n || out.some((d) => !Number.isInteger(d) || d < min)) {
    throw new ValueError(
      `${layer}: ${what} must be ${n === 1 ? 'an integer' : `an integer or ${n} integers`} ≥ ${min} (got ${String(v)})`,
    );
  }
  return out;
}

const fmt = (xs: readonly number[]): string => `[${xs.join(', ')}]`;

/** The weight, bias and hyper-parameters every convolution shares. */
abstract class ConvBase extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[] | 'same' | 'valid';
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly outputPadding: readonly number[];
  readonly paddingMode: PaddingMode;
  protected abstract readonly layer: string;

  constructor(
    layer: string,
    n: 1 | 2,
    inChannels: number,
    outChannels: number,
    kernelSize: Size<1 | 2>,
    options: ConvOptions<1 | 2> & { outputPadding?: Size<1 | 2> },
    transposed: boolean,
  ) {
    super();
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new ValueError(`${layer}: ${name} must be a positive integer (got ${v})`);
    }
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new ValueError(`${layer}: groups must be a positive integer (got ${groups})`);
    if (inChannels % groups !== 0)
      throw new ValueError(
        `${layer}: inChannels must be divisible by groups (got inChannels=${inChannels}, groups=${groups})`,
      );
    if (outChannels % groups !== 0)
      throw new ValueError(
        `${layer}: outChannels must be divisible by groups (got outChannels=${outChannels}, groups=${groups})`,
      );
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.kernelSize = tuple(layer, 'kernelSize', kernelSize, n, 1);
    this.stride = tuple(layer, 'stride', options.stride ?? 1, n, 1);
    this.dilation = tuple(layer, 'dilation', options.dilation ?? 1, n, 1);
    this.outputPadding = tuple(layer, 'outputPadding', options.outputPadding ?? 0, n, 0);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new ValueError(
          `${layer}: padding='same' is not supported for strided convolutions (got stride ${fmt(this.stride)})`,
        );
      }
      this.padding = padding;
    } else if (typeof padding === 'string') {
      throw new ValueError(
        `${layer}: invalid padding string '${String(padding)}', should be one of 'valid', 'same'`,
      );
    } else {
      this.padding = tuple(layer, 'padding', padding, n, 0);
    }
    const mode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) {
      throw new ValueError(
        `${layer}: paddingMode must be one of 'zeros', 'reflect', 'replicate' or 'circular' (got '${String(mode)}')`,
      );
    }
    this.paddingMode = mode;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    const shape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.registerParameter('weight', new Parameter(empty(shape, opts)));
    this.registerParameter('bias', options.bias === false ? null : new Parameter(empty([outChannels], opts)));
    this.resetParameters();
  }

  /** Re-initialises the parameters as PyTorch does (Kaiming uniform, `a = √5`; bias `±1/√fanIn`). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /** Checks rank (batched or not) and the channel dim, naming this layer and both shapes. */
  protected checkInput(x: Tensor, spatial: number): void {
    const layout = spatial === 1 ? '(C, L) or (N, C, L)' : '(C, H, W) or (N, C, H, W)';
    checkRank(this.layer, x, [spatial + 1, spatial + 2], layout);
    checkDim(this.layer, x, -(spatial + 1), this.inChannels, `channels (weight ${fmt(this.weight.shape)})`);
  }

  /**
   * For a non-zeros padding mode: pads `x` explicitly (left/right per dim, 'same' split as
   * PyTorch: the odd one at the end) and returns it, the convolution then using no padding.
   */
  protected explicitPad(x: Tensor): Tensor {
    const amounts: number[] = [];
    for (let d = this.kernelSize.length - 1; d >= 0; d--) {
      if (this.padding === 'valid') amounts.push(0, 0);
      else if (this.padding === 'same') {
        const total = this.dilation[d]! * (this.kernelSize[d]! - 1);
        const left = Math.floor(total / 2);
        amounts.push(left, total - left);
      } else amounts.push(this.padding[d]!, this.padding[d]!);
    }
    const mode = this.paddingMode === 'zeros' ? 'constant' : this.paddingMode;
    return pad(x, amounts, { mode });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding='${this.padding}'`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${fmt(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${fmt(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, outputPadding=${fmt(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    if (this.paddingMode !== 'zeros') s += `, paddingMode='${this.paddingMode}'`;
    return s;
  }
}

/**
 * 1-D convolution over `[N, C, L]` (or unbatched `[C, L]`) inputs, as `torch.nn.Conv1d`, with
 * PyTorch's default initialisation. `padding` may be a number, `'same'` or `'valid'`;
 * `paddingMode` `'zeros'` (default), `'reflect'`, `'replicate'` or `'circular'`.
 *
 * @example
 * ```ts
 * import { Conv1d } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const conv = new Conv1d(4, 8, 3, { padding: 'same' });
 * conv.call(randn([2, 4, 10])).shape; // [2, 8, 10]
 * ```
 */
export class Conv1d extends ConvBase {
  protected readonly layer = 'Conv1d';

  constructor(inChannels: number, outChannels: number, kernelSize: Size<1>, options: ConvOptions<1> = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options, false);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 1);
    const common = { stride: this.stride[0]!, dilation: this.dilation[0]!, groups: this.groups };
    if (this.paddingMode !== 'zeros')
      return conv1d(this.explicitPad(x), this.weight, this.bias, { ...common, padding: 0 });
    const padding = typeof this.padding === 'string' ? this.padding : this.padding[0]!;
    return conv1d(x, this.weight, this.bias, { ...common, padding });
  }
}

/**
 * 2-D convolution over `[N, C, H, W]` (or unbatched `[C, H, W]`) inputs, as `torch.nn.Conv2d`,
 * with PyTorch's default initialisation. `padding` may be a number, a pair, `'same'` or
 * `'valid'`; `paddingMode` `'zeros'` (default), `'reflect'`, `'replicate'` or `'circular'`.
 *
 * @example
 * ```ts
 * import { Conv2d } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const conv = new Conv2d(3, 16, 3, { stride: 2, padding: 1 });
 * conv.call(randn([1, 3, 28, 28])).shape; // [1, 16, 14, 14]
 * ```
 */
export class Conv2d extends ConvBase {
  protected readonly layer = 'Conv2d';

  constructor(inChannels: number, outChannels: number, kernelSize: Size<2>, options: ConvOptions<2> = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options, false);
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x, 2);
    const pair = (v: readonly number[]): [number, number] => [v[0]!, v[1]!];
    const common = { stride: pair(this.stride), dilation: pair(this.dilation), groups: this.groups };
    if (this.paddingMode !== 'zeros')
      return conv2d(this.explicitPad(x), this.weight, this.bias, { ...common, padding: 0 });
    const padding = typeof this.padding === 'string' ? this.padding : pair(this.padding);
    return conv2d(x, this.weight, this.bias, { ...common, padding });
  }
}

/**
 * Transposed 2-D convolution (a "deconvolution": the gradient of Conv2d with respect to its
 * input), as `torch.nn.ConvTranspose2d`. The weight is `[inChannels, outChannels/groups, kh, kw]`.
 * `forward(x, outputSize?)` may ask for a specific spatial output size (PyTorch's `output_size`),
 * which picks the output padding. Only zero padding exists, as in PyTorch.
 *
 * @example
 * ```ts
 * import { ConvTranspose2d } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const up = new ConvTranspose2d(16, 3, 3, { stride: 2, padding: 1, outputPadding: 1 });
 * up.call(randn([1, 16, 14, 14])).shape; // [1, 3, 28, 28]
 * ```
 */
export class ConvTranspose2d extends ConvBase {
  protected readonly layer = 'ConvTranspose2d';

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size<2>,
    options: ConvTransposeOptions = {},
  ) {
    if (options.paddingMode !== undefined && options.paddingMode !== 'zeros') {
      throw new ValueError(
        `ConvTranspose2d: only 'zeros' paddingMode is supported (got '${String(options.paddingMode)}')`,
      );
    }
    if (typeof options.padding === 'string') {
      throw new ValueError(
        `ConvTranspose2d: padding must be a number or a pair (got '${String(options.padding)}')`,
      );
    }
    super('ConvTranspose2d', 2, inChannels, outChannels, kernelSize, options, true);
  }

  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x, 2);
    const padding = this.padding as readonly number[];
    const outputPadding =
      outputSize === undefined ? this.outputPadding : this.outputPaddingFor(x, outputSize);
    return convTranspose2d(x, this.weight, this.bias, {
      stride: [this.stride[0]!, this.stride[1]!],
      padding: [padding[0]!, padding[1]!],
      outputPadding: [outputPadding[0]!, outputPadding[1]!],
      dilation: [this.dilation[0]!, this.dilation[1]!],
      groups: this.groups,
    });
  }

  /** PyTorch's `_output_padding`: the output padding that yields `outputSize` (its last 2 dims). */
  private outputPaddingFor(x: Tensor, outputSize: readonly number[]): number[] {
    const want = outputSize.slice(-2);
    if (want.length !== 2) {
      throw new ValueError(
        `ConvTranspose2d: outputSize must have 2 or more elements (got ${fmt(outputSize)})`,
      );
    }
    const padding = this.padding as readonly number[];
    return want.map((size, d) => {
      const inSize = x.shape[x.ndim - 2 + d]!;
      const min =
        (inSize - 1) * this.stride[d]! - 2 * padding[d]! + this.dilation[d]! * (this.kernelSize[d]! - 1) + 1;
      const max = min + this.stride[d]! - 1;
      if (size < min || size > max) {
        throw new ValueError(
          `ConvTranspose2d: requested an output size of ${fmt(want)}, but valid sizes range from [${min}] to [${max}] in dim ${d} (for an input of ${fmt(x.shape)})`,
        );
      }
      return size - min;
    });
  }
}
