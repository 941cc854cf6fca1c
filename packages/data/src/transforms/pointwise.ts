import type { Image } from './image.js';

/**
 * @internal What a chain of `toTensor` and `normalize` does to each pixel: one multiply-add per
 * channel. Built-ins carry it so that `compose` and image data sets can run the chain as a single
 * pass straight into a batch buffer.
 */
export interface Pointwise {
  /** Whether the chain starts with `toTensor` (takes an `Image`). */
  readonly fromImage: boolean;
  /** The `normalize` steps, in order. */
  readonly normalizers: readonly { readonly mean: Float64Array; readonly invStd: Float64Array }[];
}

/** @internal Where built-ins keep their `Pointwise`. */
export const POINTWISE: unique symbol = Symbol.for('@kiln/data.pointwise') as typeof POINTWISE;

/** @internal The pointwise form of a transform, when it has one. */
export function pointwiseOf(t: unknown): Pointwise | undefined {
  return typeof t === 'function' ? (t as { [POINTWISE]?: Pointwise })[POINTWISE] : undefined;
}

/** @internal Chains pointwise forms, or `undefined` when the chain is not `toTensor?` + `normalize*`. */
export function chainPointwise(parts: readonly (Pointwise | undefined)[]): Pointwise | undefined {
  if (parts.length === 0) return undefined;
  const normalizers: Pointwise['normalizers'][number][] = [];
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (p === undefined || (k > 0 && p.fromImage)) return undefined;
    normalizers.push(...p.normalizers);
  }
  return { fromImage: parts[0]!.fromImage, normalizers };
}

/**
 * @internal Per-channel `a`, `b` with `out = in * a[c] + b[c]`, or `undefined` when a normalizer's
 * channel count does not fit (the step-by-step path then reports the error).
 */
export function affineFor(
  p: Pointwise,
  channels: number,
  uint8: boolean,
): { a: Float64Array; b: Float64Array } | undefined {
  const a = new Float64Array(channels).fill(p.fromImage && uint8 ? 1 / 255 : 1);
  const b = new Float64Array(channels);
  for (const { mean, invStd } of p.normalizers) {
    if (mean.length !== 1 && mean.length !== channels) return undefined;
    for (let c = 0; c < channels; c++) {
      const k = mean.length === 1 ? 0 : c;
      a[c] = a[c]! * invStd[k]!;
      b[c] = (b[c]! - mean[k]!) * invStd[k]!;
    }
  }
  return { a, b };
}

/** @internal Writes an image as a `[C, H, W]` float tensor into `out` at `offset`, applying `a`, `b`. */
export function imageInto(
  img: Image,
  a: Float64Array,
  b: Float64Array,
  out: Float32Array | Float64Array,
  offset: number,
): void {
  const plane = img.height * img.width;
  const c = img.channels;
  const src = img.data;
  if (c === 1) {
    const a0 = a[0]!;
    const b0 = b[0]!;
    if (src instanceof Uint8Array) {
      for (let i = 0; i < plane; i++) out[offset + i] = src[i]! * a0 + b0;
    } else {
      for (let i = 0; i < plane; i++) out[offset + i] = src[i]! * a0 + b0;
    }
    return;
  }
  for (let k = 0; k < c; k++) {
    const ak = a[k]!;
    const bk = b[k]!;
    const base = offset + k * plane;
    for (let p = 0; p < plane; p++) out[base + p] = src[p * c + k]! * ak + bk;
  }
}
