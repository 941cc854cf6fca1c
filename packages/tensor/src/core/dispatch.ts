import type { OpAttrs, OpName } from './op-attrs.js';
import type { Tensor } from './tensor.js';

/**
 * What the autograd layer installs above the backends (PyTorch's Autograd dispatch key).
 * The core calls it after every differentiable op whose inputs include a tensor that requires
 * grad; it is `null` when no autograd package is loaded, so plain tensor code pays one check.
 *
 * @example
 * ```ts
 * import type { AutogradHook } from '@kiln/tensor';
 * const names: string[] = [];
 * const hook: Partial<AutogradHook> = { record: (op) => void names.push(op) };
 * ```
 */
export interface AutogradHook {
  /** Whether grad mode is on (recording happens only then). */
  isGradEnabled(): boolean;
  /**
   * Records `op` applied to `inputs` (null for non-tensor arguments) producing `outputs`, with the
   * op's attributes. Called only when grad mode is on and an input requires grad.
   */
  record<K extends OpName>(
    op: K,
    inputs: readonly (Tensor | null)[],
    outputs: readonly Tensor[],
    attrs: OpAttrs[K],
  ): void;
  /**
   * Called before an in-place op writes into `target`, so autograd can refuse it (a leaf that
   * requires grad, in grad mode) PyTorch's way.
   */
  checkInPlace(target: Tensor, op: string): void;
  /** `t.backward(gradient, options)`. */
  backward(
    t: Tensor,
    gradient: Tensor | undefined,
    options: { retainGraph?: boolean; createGraph?: boolean },
  ): void;
}

let hook: AutogradHook | null = null;

/**
 * Installs (or removes, with `null`) the autograd layer. `@kiln/autograd` calls this once.
 *
 * @example
 * ```ts
 * import { setAutogradHook, getAutogradHook } from '@kiln/tensor';
 * const previous = getAutogradHook();
 * setAutogradHook(previous);
 * ```
 */
export function setAutogradHook(next: AutogradHook | null): void {
  hook = next;
}

/**
 * The installed autograd layer, or null.
 *
 * @example
 * ```ts
 * import { getAutogradHook } from '@kiln/tensor';
 * getAutogradHook() === null; // true when @kiln/autograd is not loaded
 * ```
 */
export function getAutogradHook(): AutogradHook | null {
  return hook;
}

/** Whether an op on these inputs must be recorded. @internal */
export function needsRecord1(a: Tensor): boolean {
  return hook !== null && a.requiresGrad && hook.isGradEnabled();
}

/** Whether an op on these inputs must be recorded. @internal */
export function needsRecord2(a: Tensor | null, b: Tensor | null): boolean {
  return hook !== null && (a?.requiresGrad === true || b?.requiresGrad === true) && hook.isGradEnabled();
}

/** Whether an op on these inputs must be recorded. @internal */
export function needsRecord(inputs: readonly (Tensor | null)[]): boolean {
  if (hook === null) return false;
  for (const t of inputs) if (t?.requiresGrad) return hook.isGradEnabled();
  return false;
}

/** Records an op with the autograd layer (callers check `needsRecord*` first). @internal */
export function record<K extends OpName>(
  op: K,
  inputs: readonly (Tensor | null)[],
  outputs: readonly Tensor[],
  attrs: OpAttrs[K],
): void {
  hook!.record(op, inputs, outputs, attrs);
}

/** Lets autograd veto an in-place write. @internal */
export function checkInPlace(target: Tensor, op: string): void {
  if (hook !== null) hook.checkInPlace(target, op);
}
