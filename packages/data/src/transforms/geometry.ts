import type { DType, TypedArray } from '@kiln/tensor';
import { HostTensor } from '../collate/host-tensor.js';
import { Image } from './image.js';

/** @internal A host image seen as `outer × height × width × inner` values. */
export interface Planes {
  readonly data: TypedArray | Uint8Array | Float32Array;
  readonly outer: number;
  readonly height: number;
  readonly width: number;
  readonly inner: number;
}

/** @internal Views an `Image` (HWC) or a tensor (…CHW) as planes. */
export function toPlanes(input: Image | HostTensor, op: string): Planes {
  if (Image.isInstance(input)) {
    return { data: input.data, outer: 1, height: input.height, width: input.width, inner: input.channels };
  }
  const s = input.shape;
  if (s.length < 2) throw new Error(`${op}: expected a tensor of shape [..., H, W] (got ${s.length} dims)`);
  const h = s[s.length - 2]!;
  const w = s[s.length - 1]!;
  return {
    data: input.data,
    outer: h * w === 0 ? 0 : input.data.length / (h * w),
    height: h,
    width: w,
    inner: 1,
  };
}

/** @internal Rebuilds the same kind of value as `like` from planes of a new size. */
export function fromPlanes(
  like: Image | HostTensor,
  data: TypedArray | Uint8Array | Float32Array,
  height: number,
  width: number,
): Image | HostTensor {
  if (Image.isInstance(like))
    return new Image(data as Uint8Array | Float32Array, height, width, like.channels);
  const shape = [...like.shape.slice(0, -2), height, width];
  return new HostTensor(data as TypedArray, shape, like.dtype as DType);
}

/** @internal An empty array of the same kind as `data`. */
export function alike(data: TypedArray | Uint8Array | Float32Array, length: number): TypedArray {
  const Ctor = data.constructor as new (n: number) => TypedArray;
  return new Ctor(length);
}
