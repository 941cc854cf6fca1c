import { type Tensor, ValueError } from '@kiln/tensor';
import { HostTensor } from '../collate/host-tensor.js';
import { Image } from './image.js';
import { type BuiltinTransform, makeBuiltin } from './transform.js';

/**
 * Converts an `Image` (height × width × channels, uint8 0–255) to a float32 tensor of shape
 * `[channels, height, width]` scaled to [0, 1] (torchvision's `ToTensor`). Float images are
 * transposed but not scaled.
 *
 * @example
 * ```ts
 * import { Image, toTensor } from '@kiln/data';
 * const t = toTensor()(new Image(new Uint8Array([0, 255]), 1, 2, 1));
 * // t is a Tensor: shape [1, 1, 2], values [[[0, 1]]]
 * ```
 */
export function toTensor(): BuiltinTransform<Tensor> {
  return makeBuiltin<Tensor>(
    (input) => {
      if (!Image.isInstance(input)) {
        throw new ValueError('toTensor: expected an Image (got a tensor, which is already converted)');
      }
      const { height: h, width: w, channels: c, data } = input;
      const out = new Float32Array(h * w * c);
      const scale = data instanceof Uint8Array ? 1 / 255 : 1;
      if (c === 1) {
        for (let i = 0; i < out.length; i++) out[i] = data[i]! * scale;
      } else {
        const plane = h * w;
        for (let p = 0; p < plane; p++) {
          for (let k = 0; k < c; k++) out[k * plane + p] = data[p * c + k]! * scale;
        }
      }
      return new HostTensor(out, [c, h, w], 'float32');
    },
    { fromImage: true, normalizers: [] },
  );
}
