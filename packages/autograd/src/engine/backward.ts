import {
  DeviceError,
  DTypeError,
  formatShape,
  isFloatingDType,
  onesLike,
  ShapeError,
  type Tensor,
  ValueError,
} from '@kiln/tensor';
import { runEngine } from './engine.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks a caller's gradient for output `i` and returns one the engine may own. */
function seed(
  op: string,
  output: Tensor,
  gradient: Tensor | null | undefined,
  i: number,
  createGraph: boolean,
): Tensor {
  if (gradient === null || gradient === undefined) {
    if (output.numel() !== 1) {
      throw new ValueError(
        `${op}: grad can be implicitly created only for scalar outputs (got output ${i} of shape ${formatShape(output.shape)})\nhelp: pass a gradient of the output's shape, e.g. y.backward(onesLike(y))`,
      );
    }
    return onesLike(output);
  }
  if (!sameShape(gradient.shape, output.shape)) {
    throw new ShapeError(
      `${op}: Mismatch in shape: grad_output[${i}] has a shape of ${formatShape(gradient.shape)} and output[${i}] has a shape of ${formatShape(output.shape)}.`,
    );
  }
  if (!isFloatingDType(gradient.dtype)) {
    throw new DTypeError(
      `${op}: invalid gradient at index ${i} - expected dtype ${output.dtype} but got ${gradient.dtype}`,
    );
  }
  if (gradient.device !== output.device) {
    throw new DeviceError(
      `${op}: invalid gradient at index ${i} - expected device ${output.device} but got ${gradient.device}`,
    );
  }
  if (gradient.dtype !== output.dtype) return gradient.to(output.dtype);
  // NOTE: the engine disposes what it owns; a view keeps the caller's tensor alive.
  return createGraph ? gradient : gradient.detach();
}

function checkRequiresGrad(op: string, outputs: readonly Tensor[]): void {
  for (let i = 0; i < outputs.length; i++) {
    if (!outputs[i]!.requiresGrad) {
      throw new ValueError(
        `${op}: element ${i} of tensors does not require grad and does not have a grad_fn`,
      );
    }
  }
}

/**
 * `t.backward(gradient, options)`: accumulates d(t)/d(leaf) into every leaf's `.grad`.
 * @internal
 */
export function backward(
  t: Tensor,
  gradient: Tensor | undefined,
  options: { retainGraph?: boolean; createGraph?: boolean },
): void {
  checkRequiresGrad('backward', [t]);
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const g = seed('backward', t, gradient, 0, createGraph);
  runEngine(
    [t],
    [g],
    { retainGraph, createGraph, inputs: null },
    gradient === undefined ? [] : [gradient.handle],
  );
}

/**
 * Options of `grad()`.
 *
 * @example
 * ```ts
 * import type { GradOptions } from '@kiln/autograd';
 * const options: GradOptions = { createGraph: true };
 * ```
 */
export interface GradOptions {
  /** The gradient of each output (needed for non-scalar outputs), PyTorch's `grad_outputs`. */
  gradOutputs?: Tensor | readonly (Tensor | null)[] | null;
  /** Keep the graph's saved tensors for another backward (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward itself, so the result can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Computes and returns the gradients of `outputs` with respect to `inputs` (PyTorch's
 * `torch.autograd.grad`), without touching any `.grad`. With `createGraph` the result can be
 * differentiated again (Hessian-vector products, gradient penalties).
 *
 * @example
 * ```ts
 * import { grad, tensor } from '@kiln/autograd';
 * const x = tensor([3], { requiresGrad: true });
 * const y = x.pow(3).sum();
 * const [dy] = grad(y, x, { createGraph: true }); // 3x² = 27
 * const [d2y] = grad(dy!.sum(), x); // 6x = 18
 * d2y!.toArray(); // [18]
 * ```
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const go = options.gradOutputs;
  const gradOutputs: readonly (Tensor | null)[] =
    go === null || go === undefined
      ? []
      : Array.isArray(go)
        ? (go as readonly (Tensor | null)[])
        : [go as Tensor];
  if (gradOutputs.length !== 0 && gradOutputs.length !== outs.length) {
    throw new ValueError(
      `grad: grad_outputs must have the same length as outputs (got ${gradOutputs.length} and ${outs.length})`,
    );
  }
  checkRequiresGrad('grad', outs);
  for (const x of ins) {
    if (!x.requiresGrad)
      throw new ValueError('grad: One of the differentiated Tensors does not require grad');
  }
  const seeds = outs.map((o, i) => seed('grad', o, gradOutputs[i], i, createGraph));
  const handles = gradOutputs.filter((g): g is Tensor => g !== null && g !== undefined).map((g) => g.handle);
  const result = runEngine(outs, seeds, { retainGraph, createGraph, inputs: ins }, handles);
  if (options.allowUnused !== true) {
    for (let i = 0; i < result.length; i++) {
      if (result[i] === null) {
        throw new ValueError(
          `grad: One of the differentiated Tensors appears to not have been used in the graph (input ${i}). Set allowUnused: true if this is the desired behavior.`,
        );
      }
    }
  }
  return result;
}
