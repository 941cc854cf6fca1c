let enabled = true;
let anomaly = false;

/**
 * Whether grad mode is on: ops on tensors that require grad are recorded only then.
 *
 * @example
 * ```ts
 * import { isGradEnabled, noGrad } from '@kiln/autograd';
 * isGradEnabled(); // true
 * noGrad(() => isGradEnabled()); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Turns grad mode on or off globally (PyTorch's `torch.set_grad_enabled`). Prefer `noGrad(fn)`,
 * which restores the previous mode even when `fn` throws.
 *
 * @example
 * ```ts
 * import { setGradEnabled, isGradEnabled } from '@kiln/autograd';
 * setGradEnabled(false);
 * isGradEnabled(); // false
 * setGradEnabled(true);
 * ```
 */
export function setGradEnabled(value: boolean): void {
  enabled = value;
}

function withMode<T>(value: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = value;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs `fn` with grad mode off: nothing inside is recorded (PyTorch's `torch.no_grad()`).
 *
 * @example
 * ```ts
 * import { noGrad, ones } from '@kiln/autograd';
 * const w = ones([2], { requiresGrad: true });
 * noGrad(() => w.mul(2)).requiresGrad; // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/**
 * Runs `fn` with grad mode on, also inside `noGrad` (PyTorch's `torch.enable_grad()`).
 *
 * @example
 * ```ts
 * import { enableGrad, noGrad, ones } from '@kiln/autograd';
 * const w = ones([2], { requiresGrad: true });
 * noGrad(() => enableGrad(() => w.mul(2))).requiresGrad; // true
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}

/** Runs `fn` with grad mode set to `value`. @internal */
export function withGradMode<T>(value: boolean, fn: () => T): T {
  return enabled === value ? fn() : withMode(value, fn);
}

/** Whether anomaly detection is on. @internal */
export function isAnomalyEnabled(): boolean {
  return anomaly;
}

/** Sets anomaly detection, returning the previous value. @internal */
export function setAnomalyEnabled(value: boolean): boolean {
  const previous = anomaly;
  anomaly = value;
  return previous;
}
