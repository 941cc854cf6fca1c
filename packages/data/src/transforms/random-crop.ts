import { type Generator, ValueError } from '@kiln/tensor';
import { alike, fromPlanes, toPlanes } from './geometry.js';
import { type BuiltinTransform, makeBuiltin, transformGenerator } from './transform.js';

/**
 * Options of `randomCrop`.
 *
 * @example
 * ```ts
 * import type { RandomCropOptions } from '@kiln/data';
 * const o: RandomCropOptions = { padding: 4, paddingMode: 'reflect' };
 * ```
 */
export interface RandomCropOptions {
  /** Border added first: one number for all sides, `[leftRight, topBottom]`, or `[left, top, right, bottom]`. */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** Pad further when the image is smaller than the crop (default false). */
  padIfNeeded?: boolean;
  /** Value of constant padding (default 0). */
  fill?: number;
  /** How the border is filled (default `'constant'`). */
  paddingMode?: 'constant' | 'edge' | 'reflect' | 'symmetric';
  /** Where the crop position comes from (default: see `randomHorizontalFlip`). */
  generator?: Generator;
}

/**
 * Pads, then crops a random `size` window from an image or a tensor `[..., H, W]`
 * (torchvision's `RandomCrop`). The position is drawn as two uniform numbers per call.
 *
 * @example
 * ```ts
 * import { Image, randomCrop } from '@kiln/data';
 * const img = randomCrop(2, { padding: 1 })(new Image(new Uint8Array(4).fill(9), 2, 2)) as Image;
 * [img.height, img.width]; // [2, 2]
 * ```
 */
export function randomCrop(
  size: number | readonly [number, number],
  options: RandomCropOptions = {},
): BuiltinTransform {
  const [th, tw] = typeof size === 'number' ? [size, size] : size;
  for (const v of [th, tw]) {
    if (!Number.isInteger(v) || v < 1)
      throw new ValueError(`randomCrop: size must be positive integers (got ${String(size)})`);
  }
  const pad = normalizePadding(options.padding ?? 0);
  const mode = options.paddingMode ?? 'constant';
  const fill = options.fill ?? 0;
  return makeBuiltin((input) => {
    const g = options.generator ?? transformGenerator();
    const planes = toPlanes(input, 'randomCrop');
    let [left, top, right, bottom] = pad;
    const h = planes.height + top + bottom;
    const w = planes.width + left + right;
    if (options.padIfNeeded === true) {
      if (h < th) {
        top += th - h;
        bottom += th - h;
      }
      if (w < tw) {
        left += tw - w;
        right += tw - w;
      }
    }
    const ph = planes.height + top + bottom;
    const pw = planes.width + left + right;
    if (ph < th || pw < tw) {
      throw new ValueError(
        `randomCrop: required crop size (${th}, ${tw}) is larger than input image size (${ph}, ${pw})`,
      );
    }
    const u = g.uniform(2);
    const i = Math.min(ph - th, Math.floor(u[0]! * (ph - th + 1)));
    const j = Math.min(pw - tw, Math.floor(u[1]! * (pw - tw + 1)));
    const { data, outer, height, width, inner } = planes;
    const out = alike(data, outer * th * tw * inner);
    for (let o = 0; o < outer; o++) {
      for (let y = 0; y < th; y++) {
        const sy = source(y + i - top, height, mode);
        for (let x = 0; x < tw; x++) {
          const sx = source(x + j - left, width, mode);
          const dst = ((o * th + y) * tw + x) * inner;
          if (sy < 0 || sx < 0) {
            for (let k = 0; k < inner; k++) out[dst + k] = fill;
          } else {
            const src = ((o * height + sy) * width + sx) * inner;
            for (let k = 0; k < inner; k++) out[dst + k] = data[src + k]!;
          }
        }
      }
    }
    return fromPlanes(input, out, th, tw);
  });
}

/** Maps a padded coordinate to a source one, or -1 for constant fill. */
function source(p: number, n: number, mode: NonNullable<RandomCropOptions['paddingMode']>): number {
  if (p >= 0 && p < n) return p;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return p < 0 ? 0 : n - 1;
    case 'reflect': {
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      let q = ((p % period) + period) % period;
      if (q >= n) q = period - q;
      return q;
    }
    case 'symmetric': {
      const period = 2 * n;
      let q = ((p % period) + period) % period;
      if (q >= n) q = period - 1 - q;
      return q;
    }
  }
}

function normalizePadding(p: NonNullable<RandomCropOptions['padding']>): [number, number, number, number] {
  let out: [number, number, number, number];
  if (typeof p === 'number') out = [p, p, p, p];
  else if (p.length === 2) out = [p[0], p[1], p[0], p[1]];
  else out = [p[0], p[1], p[2], p[3]];
  for (const v of out) {
    if (!Number.isInteger(v) || v < 0)
      throw new ValueError(`randomCrop: padding must be non-negative integers (got ${String(p)})`);
  }
  return out;
}
