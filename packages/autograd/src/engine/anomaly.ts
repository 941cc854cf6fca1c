import { setAnomalyEnabled } from './grad-mode.js';

/**
 * Runs `fn` with anomaly detection (PyTorch's `torch.autograd.detect_anomaly`): every op recorded
 * inside keeps the stack of its forward call, and a backward inside that produces NaN or Inf
 * throws a `KilnError` naming the grad_fn, the forward op and where it was called.
 * Slow (it reads every gradient back): use it to debug, not to train.
 *
 * @example
 * ```ts
 * import { detectAnomaly, tensor } from '@kiln/autograd';
 * const x = tensor([0], { requiresGrad: true });
 * detectAnomaly(() => x.sqrt().sum().backward()); // throws: Function 'SqrtBackward0' returned inf values…
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = setAnomalyEnabled(true);
  try {
    return fn();
  } finally {
    setAnomalyEnabled(previous);
  }
}
