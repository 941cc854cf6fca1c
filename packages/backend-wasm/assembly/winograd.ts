// Winograd F(2×2, 3×3) convolution for 3×3 kernels with stride 1 and dilation 1: each 2×2 output
// tile is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over a 4×4 input tile d, so the channel sums become 16 GEMMs
// [O × C]·[C × tiles] with 2.25× fewer multiplies than the direct convolution. One call does one
// image, start to finish, inside its own work buffer (the padded image, then the transformed
// tiles V and the transformed outputs M), so everything it touches stays in cache.

import { gemm } from './gemm';

/** Tiles along W, rounded up to whole groups of 4 (one f32x4 lane per tile). */
@inline function tilesW4(Wo: i32): i32 {
  return (((Wo + 1) >> 1) + 3) & ~3;
}

/**
 * Bytes of work buffer one image needs (padded image, V, M), as a float64 so that no size
 * overflows: the host compares it with its limit before allocating anything.
 */
export function winogradWorkBytes(C: i32, O: i32, Ho: i32, Wo: i32): f64 {
  const th = <f64>((Ho + 1) >> 1);
  const tw = <f64>tilesW4(Wo);
  const T = th * tw;
  const Hp = 2 * th + 2;
  const Wp = 2 * tw + 4;
  return (<f64>C * Hp * Wp + 16 * <f64>C * T + 16 * <f64>O * T) * 4;
}

/**
 * Transforms 3×3 weights w [O, C, 3, 3] (element strides sO, sC, sH, sW) into u [16][O][C]:
 * u = G g Gᵀ with G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
 */
export function winogradWeightsK(w: usize, sO: i32, sC: i32, sH: i32, sW: i32, O: i32, C: i32, u: usize): void {
  const plane = <usize>O * <usize>C;
  for (let o = 0; o < O; o++) {
    for (let c = 0; c < C; c++) {
      const base = w + (<usize>(o * sO + c * sC) << 2);
      // t = G g (4 × 3), one column j of g at a time; then u = t Gᵀ (4 × 4), row by row.
      // (No arrays: the module has no allocator.)
      let t00: f32 = 0, t01: f32 = 0, t02: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0;
      let t20: f32 = 0, t21: f32 = 0, t22: f32 = 0, t30: f32 = 0, t31: f32 = 0, t32: f32 = 0;
      for (let j = 0; j < 3; j++) {
        const g0 = load<f32>(base + (<usize>(j * sW) << 2));
        const g1 = load<f32>(base + (<usize>(sH + j * sW) << 2));
        const g2 = load<f32>(base + (<usize>(2 * sH + j * sW) << 2));
        const a = g0;
        const b = (g0 + g1 + g2) * 0.5;
        const d = (g0 - g1 + g2) * 0.5;
        if (j == 0) {
          t00 = a; t10 = b; t20 = d; t30 = g2;
        } else if (j == 1) {
          t01 = a; t11 = b; t21 = d; t31 = g2;
        } else {
          t02 = a; t12 = b; t22 = d; t32 = g2;
        }
      }
      const at = <usize>(o * C + c) << 2;
      const step = plane << 2;
      storeRow(u + at, step, t00, t01, t02);
      storeRow(u + ((<usize>4 * plane) << 2) + at, step, t10, t11, t12);
      storeRow(u + ((<usize>8 * plane) << 2) + at, step, t20, t21, t22);
      storeRow(u + ((<usize>12 * plane) << 2) + at, step, t30, t31, t32);
    }
  }
}

/** Row (a, b, d) of t times Gᵀ: four values `step` bytes apart. */
@inline function storeRow(p: usize, step: usize, a: f32, b: f32, d: f32): void {
  store<f32>(p, a);
  store<f32>(p + step, (a + b + d) * 0.5);
  store<f32>(p + 2 * step, (a - b + d) * 0.5);
  store<f32>(p + 3 * step, d);
}

/** Lanes k·2 + j of the 12 floats at p (j = 0..3): the j-th column of 4 tiles 2 columns apart. */
@inline function stride2(l0: v128, l1: v128, l2: v128, j: i32): v128 {
  if (j == 0) return i32x4.shuffle(l0, l1, 0, 2, 4, 6);
  if (j == 1) return i32x4.shuffle(l0, l1, 1, 3, 5, 7);
  if (j == 2) return i32x4.shuffle(i32x4.shuffle(l0, l1, 2, 4, 6, 7), l2, 0, 1, 2, 4);
  return i32x4.shuffle(i32x4.shuffle(l0, l1, 3, 5, 7, 7), l2, 0, 1, 2, 5);
}

/**
 * One image: y [O, Ho, Wo] (contiguous) = conv(x [C, H, W] (strides sC, sH, sW), padding ph, pw)
 * with the transformed weights u [16][O][C]. `work` holds winogradWorkBytes bytes; `scratch`
 * is a GEMM scratch (gemmScratchBytes).
 */
export function winogradConvK(
  x: usize,
  sC: i32,
  sH: i32,
  sW: i32,
  C: i32,
  H: i32,
  W: i32,
  ph: i32,
  pw: i32,
  u: usize,
  O: i32,
  Ho: i32,
  Wo: i32,
  y: usize,
  work: usize,
  scratch: usize,
): void {
  const th = (Ho + 1) >> 1;
  const tw = tilesW4(Wo);
  const T = th * tw;
  const Hp = 2 * th + 2;
  const Wp = 2 * tw + 4;
  const P = work;
  const V = P + ((<usize>C * <usize>Hp * <usize>Wp) << 2);
  const M = V + ((<usize>16 * <usize>C * <usize>T) << 2);
  const planeP = <usize>Hp * <usize>Wp;

  // 1. The padded image: zeros around x (and past the last tile).
  memory.fill(P, 0, (<usize>C * planeP) << 2);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      const src = x + (<usize>(c * sC + h * sH) << 2);
      const dst = P + ((<usize>c * planeP + <usize>(h + ph) * <usize>Wp + <usize>pw) << 2);
      if (sW == 1) memory.copy(dst, src, <usize>W << 2);
      else for (let w = 0; w < W; w++) store<f32>(dst + (<usize>w << 2), load<f32>(src + (<usize>(w * sW) << 2)));
    }
  }

  // 2. V[ξ][c][t] = (Bᵀ d B)[ξ] for each 4×4 tile d, four tiles (one per lane) at a time, with
  // Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]].
  const planeV = <usize>C * <usize>T;
  for (let c = 0; c < C; c++) {
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j += 4) {
        const origin = P + ((<usize>c * planeP + <usize>(2 * i) * <usize>Wp + <usize>(2 * j)) << 2);
        const rowBytes = <usize>Wp << 2;
        // d[r][k]: row r of the tiles, column k, as four lanes.
        let d00: v128, d01: v128, d02: v128, d03: v128;
        let d10: v128, d11: v128, d12: v128, d13: v128;
        let d20: v128, d21: v128, d22: v128, d23: v128;
        let d30: v128, d31: v128, d32: v128, d33: v128;
        {
          const p = origin;
          const l0 = v128.load(p), l1 = v128.load(p, 16), l2 = v128.load(p, 32);
          d00 = stride2(l0, l1, l2, 0); d01 = stride2(l0, l1, l2, 1); d02 = stride2(l0, l1, l2, 2); d03 = stride2(l0, l1, l2, 3);
        }
        {
          const p = origin + rowBytes;
          const l0 = v128.load(p), l1 = v128.load(p, 16), l2 = v128.load(p, 32);
          d10 = stride2(l0, l1, l2, 0); d11 = stride2(l0, l1, l2, 1); d12 = stride2(l0, l1, l2, 2); d13 = stride2(l0, l1, l2, 3);
        }
        {
          const p = origin + 2 * rowBytes;
          const l0 = v128.load(p), l1 = v128.load(p, 16), l2 = v128.load(p, 32);
          d20 = stride2(l0, l1, l2, 0); d21 = stride2(l0, l1, l2, 1); d22 = stride2(l0, l1, l2, 2); d23 = stride2(l0, l1, l2, 3);
        }
        {
          const p = origin + 3 * rowBytes;
          const l0 = v128.load(p), l1 = v128.load(p, 16), l2 = v128.load(p, 32);
          d30 = stride2(l0, l1, l2, 0); d31 = stride2(l0, l1, l2, 1); d32 = stride2(l0, l1, l2, 2); d33 = stride2(l0, l1, l2, 3);
        }
        // Rows: r = Bᵀ d.
        const r00 = f32x4.sub(d00, d20), r01 = f32x4.sub(d01, d21), r02 = f32x4.sub(d02, d22), r03 = f32x4.sub(d03, d23);
        const r10 = f32x4.add(d10, d20), r11 = f32x4.add(d11, d21), r12 = f32x4.add(d12, d22), r13 = f32x4.add(d13, d23);
        const r20 = f32x4.sub(d20, d10), r21 = f32x4.sub(d21, d11), r22 = f32x4.sub(d22, d12), r23 = f32x4.sub(d23, d13);
        const r30 = f32x4.sub(d10, d30), r31 = f32x4.sub(d11, d31), r32 = f32x4.sub(d12, d32), r33 = f32x4.sub(d13, d33);
        // Columns: v = r B, stored at V[4a + b][c][t].
        const t = <usize>(i * tw + j);
        const out = V + ((<usize>c * <usize>T + t) << 2);
        const s = planeV << 2;
        v128.store(out, f32x4.sub(r00, r02));
        v128.store(out + s, f32x4.add(r01, r02));
        v128.store(out + 2 * s, f32x4.sub(r02, r01));
        v128.store(out + 3 * s, f32x4.sub(r01, r03));
        v128.store(out + 4 * s, f32x4.sub(r10, r12));
        v128.store(out + 5 * s, f32x4.add(r11, r12));
        v128.store(out + 6 * s, f32x4.sub(r12, r11));
        v128.store(out + 7 * s, f32x4.sub(r11, r13));
        v128.store(out + 8 * s, f32x4.sub(r20, r22));
        v128.store(out + 9 * s, f32x4.add(r21, r22));
        v128.store(out + 10 * s, f32x4.sub(r22, r21));
        v128.store(out + 11 * s, f32x4.sub(r21, r23));
        v128.store(out + 12 * s, f32x4.sub(r30, r32));
        v128.store(out + 13 * s, f32x4.add(r31, r32));
        v128.store(out + 14 * s, f32x4.sub(r32, r31));
        v128.store(out + 15 * s, f32x4.sub(r31, r33));
      }
    }
  }

  // 3. M[ξ] = U[ξ] · V[ξ]: [O × C] · [C × T], sixteen GEMMs.
  const planeU = <usize>O * <usize>C;
  const planeM = <usize>O * <usize>T;
  for (let e = 0; e < 16; e++) {
    gemm(
      O,
      T,
      C,
      u + ((<usize>e * planeU) << 2),
      C,
      1,
      V + ((<usize>e * planeV) << 2),
      T,
      1,
      M + ((<usize>e * planeM) << 2),
      T,
      false,
      scratch,
    );
  }

  // 4. y tile = Aᵀ m A with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], four tiles at a time; tiles
  // past Wo (the rounding to groups of 4, or an odd Wo) are not written.
  const s = planeM << 2;
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j += 4) {
        const m = M + ((<usize>o * <usize>T + <usize>(i * tw + j)) << 2);
        const m0 = v128.load(m), m1 = v128.load(m + s), m2 = v128.load(m + 2 * s), m3 = v128.load(m + 3 * s);
        const m4 = v128.load(m + 4 * s), m5 = v128.load(m + 5 * s), m6 = v128.load(m + 6 * s), m7 = v128.load(m + 7 * s);
        const m8 = v128.load(m + 8 * s), m9 = v128.load(m + 9 * s), m10 = v128.load(m + 10 * s), m11 = v128.load(m + 11 * s);
        const m12 = v128.load(m + 12 * s), m13 = v128.load(m + 13 * s), m14 = v128.load(m + 14 * s), m15 = v128.load(m + 15 * s);
        // Rows: q = Aᵀ m (2 × 4).
        const q00 = f32x4.add(f32x4.add(m0, m4), m8), q01 = f32x4.add(f32x4.add(m1, m5), m9);
        const q02 = f32x4.add(f32x4.add(m2, m6), m10), q03 = f32x4.add(f32x4.add(m3, m7), m11);
        const q10 = f32x4.sub(f32x4.sub(m4, m8), m12), q11 = f32x4.sub(f32x4.sub(m5, m9), m13);
        const q12 = f32x4.sub(f32x4.sub(m6, m10), m14), q13 = f32x4.sub(f32x4.sub(m7, m11), m15);
        // Columns: y = q A (2 × 2).
        const y00 = f32x4.add(f32x4.add(q00, q01), q02), y01 = f32x4.sub(f32x4.sub(q01, q02), q03);
        const y10 = f32x4.add(f32x4.add(q10, q11), q12), y11 = f32x4.sub(f32x4.sub(q11, q12), q13);
        const h0 = 2 * i;
        const w0 = 2 * j;
        const row0 = y + ((<usize>o * <usize>Ho * <usize>Wo + <usize>h0 * <usize>Wo + <usize>w0) << 2);
        const row1 = row0 + (<usize>Wo << 2);
        const lo0 = i32x4.shuffle(y00, y01, 0, 4, 1, 5);
        const hi0 = i32x4.shuffle(y00, y01, 2, 6, 3, 7);
        const lo1 = i32x4.shuffle(y10, y11, 0, 4, 1, 5);
        const hi1 = i32x4.shuffle(y10, y11, 2, 6, 3, 7);
        const two = h0 + 1 < Ho;
        if (w0 + 8 <= Wo) {
          v128.store(row0, lo0);
          v128.store(row0, hi0, 16);
          if (two) {
            v128.store(row1, lo1);
            v128.store(row1, hi1, 16);
          }
        } else {
          const n = Wo - w0;
          for (let k = 0; k < n; k++) {
            const a = k < 4 ? lo0 : hi0;
            const b = k < 4 ? lo1 : hi1;
            const lane = k & 3;
            store<f32>(row0 + (<usize>k << 2), laneOf(a, lane));
            if (two) store<f32>(row1 + (<usize>k << 2), laneOf(b, lane));
          }
        }
      }
    }
  }
}

/** Lane `k` (0..3, not a constant) of a vector. */
@inline function laneOf(v: v128, k: i32): f32 {
  if (k == 0) return f32x4.extract_lane(v, 0);
  if (k == 1) return f32x4.extract_lane(v, 1);
  if (k == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/**
 * Images n0, n0 + step, … below N of a batch (image strides sN for x and yN for y), one after the
 * other through winogradConvK in the same work buffer: one call per thread.
 */
export function winogradImagesK(
  x: usize,
  sN: i32,
  sC: i32,
  sH: i32,
  sW: i32,
  C: i32,
  H: i32,
  W: i32,
  ph: i32,
  pw: i32,
  u: usize,
  O: i32,
  Ho: i32,
  Wo: i32,
  y: usize,
  yN: i32,
  n0: i32,
  N: i32,
  step: i32,
  work: usize,
  scratch: usize,
): void {
  for (let n = n0; n < N; n += step) {
    winogradConvK(
      x + (<usize>n * <usize>sN << 2),
      sC,
      sH,
      sW,
      C,
      H,
      W,
      ph,
      pw,
      u,
      O,
      Ho,
      Wo,
      y + (<usize>n * <usize>yN << 2),
      work,
      scratch,
    );
  }
}
