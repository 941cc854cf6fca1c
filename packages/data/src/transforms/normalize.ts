import { type Tensor, ValueError } from '@kiln/tensor';
import { HostTensor } from '../collate/host-tensor.js';
import { type BuiltinTransform, makeBuiltin } from './transform.js';

/**
 * Normalises a float tensor `[..., C, H, W]` per channel: `(x - mean[c]) / std[c]`
 * (torchvision's `Normalize`). One mean and std apply to every channel.
 *
 * @example
 * ```ts
 * import { Image, compose, normalize, toTensor } from '@kiln/data';
 * const t = compose([toTensor(), normalize([0.5], [0.5])])(new Image(new Uint8Array([0, 255]), 1, 2));
 * // values [[[-1, 1]]]
 * ```
 */
export function normalize(mean: readonly number[], std: readonly number[]): BuiltinTransform<Tensor> {
  if (mean.length === 0 || mean.length !== std.length) {
    throw new ValueError(
      `normalize: mean and std need the same non-zero length (got ${mean.length} and ${std.length})`,
    );
  }
  for (const s of std) {
    if (s === 0 || !Number.isFinite(s)) {
      throw new ValueError(
        `normalize: std evaluated to zero or non-finite after conversion to float32, leading to division by zero (got [${std.join(', ')}])`,
      );
    }
  }
  const m = Float64Array.from(mean);
  const r = Float64Array.from(std, (s) => 1 / s);
  return makeBuiltin<Tensor>(
    (input) => {
      if (!HostTensor.isInstance(input)) {
        throw new ValueError(
          'normalize: expected a tensor (got an Image)\nhelp: apply toTensor() before normalize()',
        );
      }
      if (input.dtype !== 'float32' && input.dtype !== 'float64') {
        throw new ValueError(`normalize: input tensor should be a float tensor (got ${input.dtype})`);
      }
      const shape = input.shape;
      if (shape.length < 3) {
        throw new ValueError(
          `normalize: expected a tensor image of shape [..., C, H, W] (got ${shape.length} dims)`,
        );
      }
      const c = shape[shape.length - 3]!;
      if (m.length !== 1 && m.length !== c) {
        throw new ValueError(`normalize: ${m.length} means for an image with ${c} channels`);
      }
      const plane = shape[shape.length - 2]! * shape[shape.length - 1]!;
      const src = input.data;
      const out = input.dtype === 'float64' ? new Float64Array(src.length) : new Float32Array(src.length);
      for (let base = 0, ch = 0; base < src.length; base += plane, ch = (ch + 1) % c) {
        const k = m.length === 1 ? 0 : ch;
        const mu = m[k]!;
        const inv = r[k]!;
        for (let i = base; i < base + plane; i++) out[i] = (src[i]! - mu) * inv;
      }
      return new HostTensor(out, shape, input.dtype);
    },
    { fromImage: false, normalizers: [{ mean: m, invStd: r }] },
  );
}
