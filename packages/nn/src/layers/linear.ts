import { einsum, empty, linear, type Tensor, ValueError } from '@kiln/autograd';
import { kaimingUniform_, uniform_ } from '../init.js';
import { checkLastDim } from '../internal/check.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/**
 * Where a layer's parameters are created.
 *
 * @example
 * ```ts
 * import { Linear } from '@kiln/nn';
 * new Linear(4, 2, { dtype: 'float64' });
 * ```
 */
export interface FactoryOptions {
  device?: string;
  dtype?: 'float32' | 'float64';
}

/**
 * Returns its input, as `torch.nn.Identity`.
 *
 * @example
 * ```ts
 * import { Identity } from '@kiln/nn';
 * import { ones } from '@kiln/autograd';
 * new Identity().call(ones([2])).toArray(); // [1, 1]
 * ```
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * `y = x Aᵀ + b`, as `torch.nn.Linear`, with PyTorch's default initialisation (Kaiming uniform
 * weight with `a = √5`, bias uniform in `±1/√inFeatures`).
 *
 * @example
 * ```ts
 * import { Linear } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * const fc = new Linear(4, 2);
 * fc.call(randn([3, 4])).shape; // [3, 2]
 * ```
 */
export class Linear extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: FactoryOptions & { bias?: boolean } = {}) {
    super();
    for (const [name, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 0)
        throw new ValueError(`Linear: ${name} must be a non-negative integer (got ${v})`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    this.registerParameter('weight', new Parameter(empty([outFeatures, inFeatures], opts)));
    this.registerParameter('bias', options.bias === false ? null : new Parameter(empty([outFeatures], opts)));
    this.resetParameters();
  }

  /** Re-initialises the parameters as PyTorch does. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    checkLastDim('Linear', x, this.inFeatures, 'in_features');
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * `y = x1ᵀ A x2 + b`, as `torch.nn.Bilinear`.
 *
 * @example
 * ```ts
 * import { Bilinear } from '@kiln/nn';
 * import { randn } from '@kiln/autograd';
 * new Bilinear(3, 4, 2).call(randn([5, 3]), randn([5, 4])).shape; // [5, 2]
 * ```
 */
export class Bilinear extends Module<[Tensor, Tensor], Tensor> {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;

  constructor(
    in1Features: number,
    in2Features: number,
    outFeatures: number,
    options: FactoryOptions & { bias?: boolean } = {},
  ) {
    super();
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    const opts = { dtype: options.dtype ?? 'float32', ...(options.device ? { device: options.device } : {}) };
    this.registerParameter('weight', new Parameter(empty([outFeatures, in1Features, in2Features], opts)));
    this.registerParameter('bias', options.bias === false ? null : new Parameter(empty([outFeatures], opts)));
    const bound = 1 / Math.sqrt(in1Features);
    uniform_(this.weight, -bound, bound);
    if (this.bias !== null) uniform_(this.bias, -bound, bound);
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    checkLastDim('Bilinear', x1, this.in1Features, 'in1_features');
    checkLastDim('Bilinear', x2, this.in2Features, 'in2_features');
    const y = einsum('...i,oij,...j->...o', x1, this.weight, x2);
    return this.bias === null ? y : y.add(this.bias);
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
