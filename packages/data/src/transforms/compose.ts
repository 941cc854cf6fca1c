import { ValueError } from '@kiln/tensor';
import { HostTensor } from '../collate/host-tensor.js';
import { Image } from './image.js';
import { affineFor, chainPointwise, imageInto, pointwiseOf } from './pointwise.js';
import {
  type BuiltinTransform,
  type HostStep,
  hostStepOf,
  type ImageOrTensor,
  makeBuiltin,
  type Transform,
} from './transform.js';

/**
 * Chains transforms, applied left to right (torchvision's `Compose`). A chain of built-in
 * transforms runs as one pass on host data and creates a single tensor at the end.
 *
 * @example
 * ```ts
 * import { Image, compose, normalize, randomHorizontalFlip, toTensor } from '@kiln/data';
 * const t = compose([toTensor(), randomHorizontalFlip(), normalize([0.286], [0.353])]);
 * t(new Image(new Uint8Array(784), 28, 28)); // Tensor of shape [1, 28, 28]
 * ```
 */
export function compose<Out extends ImageOrTensor>(
  transforms: readonly [...BuiltinTransform[], BuiltinTransform<Out>],
): BuiltinTransform<Out>;
export function compose<In, Out>(transforms: readonly Transform<never, unknown>[]): Transform<In, Out>;
export function compose(transforms: readonly Transform<never, unknown>[]): Transform<never, unknown> {
  const steps: HostStep[] = [];
  for (const t of transforms) {
    if (typeof t !== 'function')
      throw new ValueError(`compose: every transform must be a function (got ${typeof t})`);
    const step = hostStepOf(t);
    if (step !== undefined) steps.push(step);
  }
  if (steps.length === transforms.length) {
    const chained = (input: Image | HostTensor): Image | HostTensor => {
      let x = input;
      for (const step of steps) x = step(x);
      return x;
    };
    const pointwise = chainPointwise(transforms.map(pointwiseOf));
    if (pointwise === undefined || !pointwise.fromImage) return makeBuiltin(chained);
    // NOTE: toTensor + normalize is one multiply-add per pixel; doing it in one pass avoids an
    // intermediate array per step.
    const fused = (input: Image | HostTensor): Image | HostTensor => {
      if (!Image.isInstance(input)) return chained(input);
      const ab = affineFor(pointwise, input.channels, input.data instanceof Uint8Array);
      if (ab === undefined) return chained(input);
      const out = new Float32Array(input.data.length);
      imageInto(input, ab.a, ab.b, out, 0);
      return new HostTensor(out, [input.channels, input.height, input.width], 'float32');
    };
    return makeBuiltin(fused, pointwise);
  }
  const fns = transforms as readonly Transform<unknown, unknown>[];
  return (input: unknown): unknown => {
    let x = input;
    for (const f of fns) x = f(x);
    return x;
  };
}

/** @internal Applies a transform to host data without creating a tensor, when it is a built-in. */
export function applyHost(t: unknown, input: Image | HostTensor): Image | HostTensor | undefined {
  const step = hostStepOf(t);
  return step === undefined ? undefined : step(input);
}
