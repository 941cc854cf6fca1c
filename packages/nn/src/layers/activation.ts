import {
  elu,
  gelu,
  hardtanh,
  leakyRelu,
  logSoftmax,
  mish,
  relu,
  sigmoid,
  silu,
  softmax,
  softplus,
  type Tensor,
  tanh,
} from '@kiln/autograd';
import { Module } from '../module.js';

/**
 * `max(x, 0)`, as `torch.nn.ReLU`.
 *
 * @example
 * ```ts
 * import { ReLU } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * new ReLU().call(tensor([-1, 2])).toArray(); // [0, 2]
 * ```
 */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/**
 * `x` for positives, `negativeSlope·x` otherwise, as `torch.nn.LeakyReLU`.
 *
 * @example
 * ```ts
 * import { LeakyReLU } from '@kiln/nn';
 * import { tensor } from '@kiln/autograd';
 * new LeakyReLU(0.1).call(tensor([-10])).toArray(); // [-1]
 * ```
 */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/**
 * Gaussian error linear unit (exact, or the tanh approximation), as `torch.nn.GELU`.
 *
 * @example
 * ```ts
 * import { GELU } from '@kiln/nn';
 * new GELU({ approximate: 'tanh' });
 * ```
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * `x·σ(x)`, as `torch.nn.SiLU`.
 *
 * @example
 * ```ts
 * import { SiLU } from '@kiln/nn';
 * new SiLU();
 * ```
 */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/**
 * `x·tanh(softplus(x))`, as `torch.nn.Mish`.
 *
 * @example
 * ```ts
 * import { Mish } from '@kiln/nn';
 * new Mish();
 * ```
 */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}

/**
 * Exponential linear unit, as `torch.nn.ELU`.
 *
 * @example
 * ```ts
 * import { ELU } from '@kiln/nn';
 * new ELU(1.0);
 * ```
 */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return elu(x, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * The logistic sigmoid, as `torch.nn.Sigmoid`.
 *
 * @example
 * ```ts
 * import { Sigmoid } from '@kiln/nn';
 * new Sigmoid();
 * ```
 */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/**
 * Hyperbolic tangent, as `torch.nn.Tanh`.
 *
 * @example
 * ```ts
 * import { Tanh } from '@kiln/nn';
 * new Tanh();
 * ```
 */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/**
 * Softmax along `dim`, as `torch.nn.Softmax`.
 *
 * @example
 * ```ts
 * import { Softmax } from '@kiln/nn';
 * new Softmax(-1);
 * ```
 */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Log-softmax along `dim`, as `torch.nn.LogSoftmax`.
 *
 * @example
 * ```ts
 * import { LogSoftmax } from '@kiln/nn';
 * new LogSoftmax(1);
 * ```
 */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * `log(1 + e^{βx}) / β`, linear above `threshold`, as `torch.nn.Softplus`.
 *
 * @example
 * ```ts
 * import { Softplus } from '@kiln/nn';
 * new Softplus({ beta: 2 });
 * ```
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = options.beta ?? 1;
    this.threshold = options.threshold ?? 20;
  }

  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * Clamps into `[minVal, maxVal]`, as `torch.nn.Hardtanh`.
 *
 * @example
 * ```ts
 * import { Hardtanh } from '@kiln/nn';
 * new Hardtanh(-2, 2);
 * ```
 */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }

  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}
