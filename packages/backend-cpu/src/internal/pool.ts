import { elemsOf } from './elems.js';
import type { Conv2dParams, Out, View } from './tensor-types.js';

/**
 * Max pooling, NCHW, with `-Infinity` padding; NaN wins as in PyTorch. Each window's start is
 * first moved inside the input, and that first valid pixel is the index reported when every
 * value is `-Infinity`.
 *
 * @example
 * ```ts
 * maxPool2d(x, [2, 2], { stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false }, out, null);
 * ```
 */
export function maxPool2d(
  x: View,
  kernel: readonly [number, number],
  params: Omit<Conv2dParams, 'groups'> & { readonly ceilMode: boolean },
  out: Out,
  indices: Out | null,
): void {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const Ho = out.shape[2]!;
  const Wo = out.shape[3]!;
  const [kh, kw] = kernel;
  const [sh, sw] = params.stride;
  const [ph, pw] = params.padding;
  const [dh, dw] = params.dilation;
  const [xsN, xsC, xsH, xsW] = x.strides as [number, number, number, number];
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const id = indices ? elemsOf(indices) : null;
  let o = out.offset;
  let ii = indices ? indices.offset : 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * xsN + c * xsC;
      for (let oh = 0; oh < Ho; oh++) {
        let h0 = oh * sh - ph;
        const h1 = Math.min(h0 + (kh - 1) * dh + 1, H);
        while (h0 < 0) h0 += dh;
        for (let ow = 0; ow < Wo; ow++, o++, ii++) {
          let w0 = ow * sw - pw;
          const w1 = Math.min(w0 + (kw - 1) * dw + 1, W);
          while (w0 < 0) w0 += dw;
          let best = Number.NEGATIVE_INFINITY;
          let idx = h0 * W + w0;
          for (let ih = h0; ih < h1; ih += dh) {
            for (let iw = w0; iw < w1; iw += dw) {
              const v = xd[plane + ih * xsH + iw * xsW];
              if (v > best || Number.isNaN(v)) {
                best = v;
                idx = ih * W + iw;
              }
            }
          }
          od[o] = best;
          if (id) id[ii] = idx;
        }
      }
    }
  }
}
