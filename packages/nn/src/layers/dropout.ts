import { dropout, dropout2d, type Generator, type Tensor, ValueError } from '@kiln/autograd';
import { checkRank } from '../internal/check.js';
import { Module } from '../module.js';

/**
 * Options of {@link Dropout} and {@link Dropout2d}: a random `generator` for reproducible masks
 * (the global one by default).
 *
 * @example
 * ```ts
 * import { Dropout, type DropoutOptions } from '@kiln/nn';
 * import { Generator } from '@kiln/autograd';
 * const o: DropoutOptions = { generator: new Generator(0) };
 * new Dropout(0.1, o);
 * ```
 */
export interface DropoutOptions {
  generator?: Generator;
}

function checkP(layer: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ValueError(`${layer}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
  }
  return p;
}

/**
 * Zeroes each element with probability `p` and scales the rest by `1/(1−p)` while training; the
 * identity in eval mode, as `torch.nn.Dropout`.
 *
 * @example
 * ```ts
 * import { Dropout } from '@kiln/nn';
 * import { ones } from '@kiln/autograd';
 * const drop = new Dropout(0.5);
 * drop.eval().call(ones([3])).toArray(); // [1, 1, 1]
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    this.p = checkP('Dropout', p);
    this.generator = options.generator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, {
      p: this.p,
      training: this.training,
      ...(this.generator ? { generator: this.generator } : {}),
    });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Zeroes whole channels of `[N, C, H, W]` (or `[C, H, W]`) inputs with probability `p`, scaling
 * the kept ones by `1/(1−p)`, while training; the identity in eval mode, as `torch.nn.Dropout2d`.
 *
 * @example
 * ```ts
 * import { Dropout2d } from '@kiln/nn';
 * import { ones } from '@kiln/autograd';
 * const y = new Dropout2d(0.5).call(ones([1, 8, 2, 2]));
 * y.shape; // [1, 8, 2, 2]: each 2×2 plane all 0 or all 2
 * ```
 */
export class Dropout2d extends Module {
  readonly p: number;
  private readonly generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    this.p = checkP('Dropout2d', p);
    this.generator = options.generator;
  }

  forward(x: Tensor): Tensor {
    checkRank('Dropout2d', x, [3, 4], '(C, H, W) or (N, C, H, W)');
    return dropout2d(x, {
      p: this.p,
      training: this.training,
      ...(this.generator ? { generator: this.generator } : {}),
    });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
