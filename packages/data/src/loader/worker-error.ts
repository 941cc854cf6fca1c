import { KilnError } from '@kiln/tensor';

/**
 * A failure inside a `DataLoader` worker, raised in the main loop at the batch it belongs to:
 * a sample that threw (`index` names it), a worker that could not load the data set, died, or
 * timed out. The worker's own stack is appended to the message.
 *
 * @example
 * ```ts
 * import { WorkerError } from '@kiln/data';
 * const e = new WorkerError('DataLoader worker 0: dataset.get(7) failed: boom', { workerId: 0, index: 7 });
 * e.index; // 7
 * ```
 */
export class WorkerError extends KilnError {
  override readonly kilnErrorKind: string = 'WorkerError';
  /** The worker that failed. */
  readonly workerId: number;
  /** The sample index being loaded, when the failure was in `get`. */
  readonly index: number | undefined;

  constructor(message: string, details: { workerId: number; index?: number }) {
    super(message);
    this.workerId = details.workerId;
    this.index = details.index;
  }

  /**
   * Whether a value is a `WorkerError`, across package copies.
   *
   * @example
   * ```ts
   * import { WorkerError } from '@kiln/data';
   * WorkerError.isInstance(new Error('x')); // false
   * ```
   */
  static override isInstance(value: unknown): value is WorkerError {
    return KilnError.isInstance(value) && value.kilnErrorKind === 'WorkerError';
  }
}
