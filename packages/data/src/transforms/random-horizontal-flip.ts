import { type Generator, ValueError } from '@kiln/tensor';
import { alike, fromPlanes, toPlanes } from './geometry.js';
import { type BuiltinTransform, makeBuiltin, transformGenerator } from './transform.js';

/**
 * Flips an image or a tensor `[..., H, W]` left to right with probability `p` (torchvision's
 * `RandomHorizontalFlip`). Draws one uniform number per call from `generator` (Kiln's default
 * generator unless given; in a loader worker, one seeded per worker).
 *
 * @example
 * ```ts
 * import { Image, randomHorizontalFlip } from '@kiln/data';
 * const img = randomHorizontalFlip(1)(new Image(new Uint8Array([1, 2, 3]), 1, 3)) as Image;
 * Array.from(img.data); // [3, 2, 1]
 * ```
 */
export function randomHorizontalFlip(p = 0.5, options: { generator?: Generator } = {}): BuiltinTransform {
  if (!(p >= 0 && p <= 1)) throw new ValueError(`randomHorizontalFlip: p must be in [0, 1] (got ${p})`);
  return makeBuiltin((input) => {
    const g = options.generator ?? transformGenerator();
    if (g.uniform(1)[0]! >= p) return input;
    const { data, outer, height, width, inner } = toPlanes(input, 'randomHorizontalFlip');
    const out = alike(data, data.length);
    const row = width * inner;
    for (let o = 0; o < outer; o++) {
      for (let y = 0; y < height; y++) {
        const base = (o * height + y) * row;
        for (let x = 0; x < width; x++) {
          const src = base + (width - 1 - x) * inner;
          const dst = base + x * inner;
          for (let k = 0; k < inner; k++) out[dst + k] = data[src + k]!;
        }
      }
    }
    return fromPlanes(input, out, height, width);
  });
}
