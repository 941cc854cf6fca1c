import { Tensor } from '@kiln/autograd';

/**
 * A tensor that is a module's learnable parameter: a leaf that requires grad by default and that
 * `Module.registerParameter` lists in `parameters()`. It shares storage with the tensor it wraps,
 * as `torch.nn.Parameter` does.
 *
 * @example
 * ```ts
 * import { Parameter } from '@kiln/nn';
 * import { zeros } from '@kiln/autograd';
 * const p = new Parameter(zeros([3]));
 * p.requiresGrad; // true
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data.handle, data.dtype, data.shape, data.strides, data.offset);
    // NOTE: this view holds its own reference on the shared storage, as every Tensor object does.
    this.handle.refs++;
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** Whether a value is a Parameter. */
  static isParameter(value: unknown): value is Parameter {
    return value instanceof Parameter;
  }
}
