// gather / index-select (one walker: the host builds an index view whose strides pick the right
// element) and scatter-add.

import { K_F32, K_I32, rowOffset } from './common';

/**
 * out[pos] = x[xOff(pos) + idx[idxOff(pos)] · xAxisStride] over the contiguous output's positions.
 * p = [shape[rank], idxStrides[rank], xStrides[rank]] (x's stride along the axis set to 0).
 * `es` is the element size of x/out (1 or 4).
 */
export function gatherK(es: i32, rank: i32, p: usize, x: usize, xAxisStride: i32, idx: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const is = p + (<usize>rank << 2);
  const xs = p + (<usize>(2 * rank) << 2);
  const si = load<i32>(is + (<usize>(rank - 1) << 2));
  const sx = load<i32>(xs + (<usize>(rank - 1) << 2));
  for (let r = r0; r < r1; r++) {
    const ip = idx + (<usize>rowOffset(r, rank, p, is) << 2);
    const xo = rowOffset(r, rank, p, xs);
    if (es == 4) {
      const o = out + ((<usize>r * <usize>n) << 2);
      for (let i = 0; i < n; i++) {
        const j = load<i32>(ip + <usize>(i * si) * 4);
        store<i32>(o + (<usize>i << 2), load<i32>(x + <usize>(xo + i * sx + j * xAxisStride) * 4));
      }
    } else {
      const o = out + <usize>r * <usize>n;
      for (let i = 0; i < n; i++) {
        const j = load<i32>(ip + <usize>(i * si) * 4);
        store<u8>(o + <usize>i, load<u8>(x + <usize>(xo + i * sx + j * xAxisStride)));
      }
    }
  }
}

/**
 * dst[dOff(pos) + idx[pos] · dstAxisStride] += src[pos] over the positions of `index`.
 * p = [shape[rank], idxStrides[rank], srcStrides[rank], dstStrides[rank]] (dst's axis stride 0).
 * `kind` is the element kind of dst/src; bool adds as logical or.
 */
export function scatterAddK(kind: i32, rank: i32, p: usize, dst: usize, dstAxisStride: i32, idx: usize, src: usize): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= load<i32>(p + (<usize>d << 2));
  const is = p + (<usize>rank << 2);
  const ss = p + (<usize>(2 * rank) << 2);
  const ds = p + (<usize>(3 * rank) << 2);
  const si = load<i32>(is + (<usize>(rank - 1) << 2));
  const sS = load<i32>(ss + (<usize>(rank - 1) << 2));
  const sD = load<i32>(ds + (<usize>(rank - 1) << 2));
  for (let r = 0; r < rows; r++) {
    const ip = idx + (<usize>rowOffset(r, rank, p, is) << 2);
    const so = rowOffset(r, rank, p, ss);
    const dO = rowOffset(r, rank, p, ds);
    for (let i = 0; i < n; i++) {
      const j = load<i32>(ip + <usize>(i * si) * 4);
      const d = dO + i * sD + j * dstAxisStride;
      const s = so + i * sS;
      if (kind == K_F32) {
        const dp = dst + (<usize>d << 2);
        store<f32>(dp, load<f32>(dp) + load<f32>(src + (<usize>s << 2)));
      } else if (kind == K_I32) {
        const dp = dst + (<usize>d << 2);
        store<i32>(dp, load<i32>(dp) + load<i32>(src + (<usize>s << 2)));
      } else {
        const dp = dst + <usize>d;
        store<u8>(dp, load<u8>(dp) | load<u8>(src + <usize>s) ? 1 : 0);
      }
    }
  }
}
