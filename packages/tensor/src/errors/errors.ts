/**
 * The base of every error Kiln throws on bad input or a bad environment.
 *
 * Messages follow one form: `op: what (got …, expected …)`, and environment problems end with
 * `help:` lines that say what to run. Each subclass has a static `isInstance` that works across
 * copies of the package (bundles, workers), where `instanceof` may not.
 *
 * @example
 * ```ts
 * import { KilnError, tensor } from '@kiln/tensor';
 * try {
 *   tensor([[1, 2], [3]]);
 * } catch (e) {
 *   KilnError.isInstance(e); // true
 * }
 * ```
 */
export class KilnError extends Error {
  /** A stable tag for `isInstance` across package copies. */
  readonly kilnErrorKind: string = 'KilnError';

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /**
   * Whether a value is a Kiln error (of this class or a subclass), across package copies.
   *
   * @example
   * ```ts
   * import { KilnError } from '@kiln/tensor';
   * KilnError.isInstance(new Error('x')); // false
   * ```
   */
  static isInstance(value: unknown): value is KilnError {
    return (
      typeof value === 'object' && value !== null && typeof (value as KilnError).kilnErrorKind === 'string'
    );
  }
}

function makeIsInstance<T>(kind: string): (value: unknown) => value is T {
  return (value: unknown): value is T =>
    KilnError.isInstance(value) && (value.kilnErrorKind === kind || value.name === kind);
}

/**
 * Shapes that do not fit an op: mismatched broadcasts, bad reshapes, dims out of range.
 *
 * @example
 * ```ts
 * import { ShapeError, zeros } from '@kiln/tensor';
 * try { zeros([2, 3]).reshape([4]); } catch (e) { ShapeError.isInstance(e); } // true
 * ```
 */
export class ShapeError extends KilnError {
  override readonly kilnErrorKind: string = 'ShapeError';
  static override isInstance = makeIsInstance<ShapeError>('ShapeError');
}

/**
 * A dtype an op cannot take (e.g. float indices, a bool matmul).
 *
 * @example
 * ```ts
 * import { DTypeError, zeros, gather } from '@kiln/tensor';
 * try { gather(zeros([2]), 0, zeros([2])); } catch (e) { DTypeError.isInstance(e); } // true
 * ```
 */
export class DTypeError extends KilnError {
  override readonly kilnErrorKind: string = 'DTypeError';
  static override isInstance = makeIsInstance<DTypeError>('DTypeError');
}

/**
 * Tensors on different devices given to one op, or an unknown device.
 *
 * @example
 * ```ts
 * import { DeviceError, zeros } from '@kiln/tensor';
 * try { zeros([1], { device: 'nowhere' }); } catch (e) { DeviceError.isInstance(e); } // true
 * ```
 */
export class DeviceError extends KilnError {
  override readonly kilnErrorKind: string = 'DeviceError';
  static override isInstance = makeIsInstance<DeviceError>('DeviceError');
}

/**
 * A backend that cannot do what was asked: a missing kernel, a failed load, an out-of-memory.
 *
 * @example
 * ```ts
 * import { BackendError } from '@kiln/tensor';
 * BackendError.isInstance(new BackendError('x')); // true
 * ```
 */
export class BackendError extends KilnError {
  override readonly kilnErrorKind: string = 'BackendError';
  static override isInstance = makeIsInstance<BackendError>('BackendError');
}

/**
 * A value out of its domain: a negative size, NaN, an index out of bounds, a disposed tensor.
 *
 * @example
 * ```ts
 * import { ValueError, zeros } from '@kiln/tensor';
 * try { zeros([-1]); } catch (e) { ValueError.isInstance(e); } // true
 * ```
 */
export class ValueError extends KilnError {
  override readonly kilnErrorKind: string = 'ValueError';
  static override isInstance = makeIsInstance<ValueError>('ValueError');
}
