import { defaultGenerator, fromTypedArray, Generator, isTensor, type Tensor, ValueError } from '@kiln/tensor';
import { HostTensor } from '../collate/host-tensor.js';
import { getWorkerInfo } from '../loader/worker-info.js';
import { Image } from './image.js';
import { POINTWISE, type Pointwise } from './pointwise.js';

/**
 * A sample transform: a function from one value to another (torchvision's transforms).
 *
 * @example
 * ```ts
 * import type { Transform } from '@kiln/data';
 * const double: Transform<number, number> = (x) => 2 * x;
 * ```
 */
export type Transform<In = unknown, Out = unknown> = (input: In) => Out;

/**
 * What built-in image transforms take and give: an `Image` or a tensor.
 *
 * @example
 * ```ts
 * import { Image, type ImageOrTensor } from '@kiln/data';
 * const x: ImageOrTensor = new Image(new Uint8Array(4), 2, 2);
 * ```
 */
export type ImageOrTensor = Image | Tensor;

/** @internal A built-in transform's step on host data (no tensor is created). */
export type HostStep = (input: Image | HostTensor) => Image | HostTensor;

/** @internal Where built-in transforms keep their host step. */
// NOTE: a registered symbol, so that transforms made by one copy of this package (the ESM main
// entry) are recognised by another (the CJS node entry, which bundles its own).
export const HOST_STEP: unique symbol = Symbol.for('@kiln/data.hostStep') as typeof HOST_STEP;

/**
 * A built-in transform: callable like any transform, and also runnable on host data, so that
 * `compose` fuses a chain into one pass and data sets can build whole batches without one tensor
 * per sample.
 *
 * @example
 * ```ts
 * import { normalize, type BuiltinTransform } from '@kiln/data';
 * const t: BuiltinTransform = normalize([0.5], [0.5]);
 * ```
 */
export interface BuiltinTransform<Out extends ImageOrTensor = ImageOrTensor>
  extends Transform<ImageOrTensor, Out> {
  /** @internal */
  readonly [HOST_STEP]: HostStep;
}

/** @internal Wraps a host step as a callable transform taking images or tensors. */
export function makeBuiltin<Out extends ImageOrTensor = ImageOrTensor>(
  step: HostStep,
  pointwise?: Pointwise,
): BuiltinTransform<Out> {
  const fn = (input: ImageOrTensor): ImageOrTensor => {
    if (isTensor(input)) {
      const out = step(new HostTensor(input.dataSync(), input.shape, input.dtype));
      return HostTensor.isInstance(out)
        ? fromTypedArray(out.data, out.shape, { dtype: out.dtype, device: input.device })
        : out;
    }
    if (Image.isInstance(input)) {
      const out = step(input);
      return HostTensor.isInstance(out) ? out.toTensor() : out;
    }
    throw new ValueError(`transform: expected an Image or a Tensor (got ${describe(input)})`);
  };
  const meta =
    pointwise === undefined ? { [HOST_STEP]: step } : { [HOST_STEP]: step, [POINTWISE]: pointwise };
  return Object.assign(fn, meta) as unknown as BuiltinTransform<Out>;
}

/** @internal The host step of a transform, when it is a built-in. */
export function hostStepOf(t: unknown): HostStep | undefined {
  return typeof t === 'function' ? (t as Partial<BuiltinTransform>)[HOST_STEP] : undefined;
}

let workerGenerator: Generator | null = null;

/** @internal Random transforms without a generator draw here: the default generator, or in a worker one seeded per worker. */
export function transformGenerator(): Generator {
  const info = getWorkerInfo();
  if (info === null) return defaultGenerator;
  workerGenerator ??= new Generator(info.seed);
  return workerGenerator;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
