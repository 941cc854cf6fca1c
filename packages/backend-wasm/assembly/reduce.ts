// Reductions over a set of axes and inclusive scans along one axis.
// reduce: the host permutes the kept dims first and the reduced dims last and merges what it can;
// p = [shapeK[kr], stridesK[kr], shapeR[rr], stridesR[rr]] (kr >= 1, rr >= 1). Outputs [o0, o1).

import { K_F32, K_I32, K_U8, rowOffset } from './common';

export const R_SUM: i32 = 0;
export const R_PROD: i32 = 1;
export const R_MAX: i32 = 2;
export const R_MIN: i32 = 3;
export const R_ARGMAX: i32 = 4;
export const R_ARGMIN: i32 = 5;
export const R_ANY: i32 = 6;
export const R_ALL: i32 = 7;

export const S_CUMSUM: i32 = 0;
export const S_CUMPROD: i32 = 1;
export const S_CUMMAX: i32 = 2;
export const S_CUMMIN: i32 = 3;

/** Element offset of flat index `o` over all `rank` dims. */
@inline function flatOffset(o: i32, rank: i32, shape: usize, strides: usize): i32 {
  let off = 0;
  for (let d = rank - 1; d >= 0; d--) {
    const s = load<i32>(shape + (<usize>d << 2));
    const q = o / s;
    off += (o - q * s) * load<i32>(strides + (<usize>d << 2));
    o = q;
  }
  return off;
}

@inline function loadAsF64(kind: i32, p: usize): f64 {
  if (kind == K_F32) return <f64>load<f32>(p);
  if (kind == K_I32) return <f64>load<i32>(p);
  return <f64>load<u8>(p);
}

@inline function loadAsI32(kind: i32, p: usize): i32 {
  if (kind == K_I32) return load<i32>(p);
  if (kind == K_U8) return <i32>load<u8>(p);
  return <i32>load<f32>(p);
}

@inline function isNonzero(kind: i32, p: usize): bool {
  if (kind == K_F32) return load<f32>(p) != 0;
  if (kind == K_I32) return load<i32>(p) != 0;
  return load<u8>(p) != 0;
}

@inline function storeResult(outKind: i32, p: usize, v: f64): void {
  if (outKind == K_F32) store<f32>(p, <f32>v);
  else if (outKind == K_I32) store<i32>(p, <i32>(<i64>v));
  else store<u8>(p, v != 0 ? 1 : 0);
}

/** Sum of `n` contiguous f32 in float64. */
function sumContigF(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const v = v128.load(x + (<usize>i << 2));
    const w = v128.load(x + (<usize>i << 2), 16);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(w));
    a3 = f64x2.add(a3, f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1)));
  }
  const t = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

/** Max (or min) of `n` > 0 contiguous f32, NaN-propagating. */
function extremeContigF(x: usize, n: i32, isMax: bool): f32 {
  let i = 0;
  let r: f32 = load<f32>(x);
  if (n >= 4) {
    let a = v128.load(x);
    i = 4;
    if (isMax) for (; i + 4 <= n; i += 4) a = f32x4.max(a, v128.load(x + (<usize>i << 2)));
    else for (; i + 4 <= n; i += 4) a = f32x4.min(a, v128.load(x + (<usize>i << 2)));
    const l0 = f32x4.extract_lane(a, 0);
    const l1 = f32x4.extract_lane(a, 1);
    const l2 = f32x4.extract_lane(a, 2);
    const l3 = f32x4.extract_lane(a, 3);
    r = isMax ? max(max(l0, l1), max(l2, l3)) : min(min(l0, l1), min(l2, l3));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    r = isMax ? max(r, v) : min(r, v);
  }
  return r;
}

/** Reduces a strided input of kind `inKind` into a contiguous output of kind `outKind`. */
export function reduceK(op: i32, inKind: i32, outKind: i32, kr: i32, rr: i32, p: usize, x: usize, out: usize, o0: i32, o1: i32): void {
  const shK = p;
  const stK = p + (<usize>kr << 2);
  const shR = p + (<usize>(2 * kr) << 2);
  const stR = shR + (<usize>rr << 2);
  const nR = load<i32>(shR + (<usize>(rr - 1) << 2));
  const sR = load<i32>(stR + (<usize>(rr - 1) << 2));
  let rows = 1;
  for (let d = 0; d < rr - 1; d++) rows *= load<i32>(shR + (<usize>d << 2));
  const ie: usize = inKind == K_U8 ? 1 : 4;
  const oe: usize = outKind == K_U8 ? 1 : 4;
  const isF = inKind == K_F32;
  for (let o = o0; o < o1; o++) {
    const base = x + <usize>flatOffset(o, kr, shK, stK) * ie;
    const dst = out + <usize>o * oe;
    if (op == R_SUM || op == R_PROD) {
      const isSum = op == R_SUM;
      if (isF) {
        let acc: f64 = isSum ? 0 : 1;
        for (let rw = 0; rw < rows; rw++) {
          const rp = base + <usize>rowOffset(rw, rr, shR, stR) * 4;
          if (isSum && sR == 1) acc += sumContigF(rp, nR);
          else if (isSum) for (let i = 0; i < nR; i++) acc += <f64>load<f32>(rp + <usize>(i * sR) * 4);
          else for (let i = 0; i < nR; i++) acc *= <f64>load<f32>(rp + <usize>(i * sR) * 4);
        }
        storeResult(outKind, dst, acc);
      } else {
        let acc: i32 = isSum ? 0 : 1;
        for (let rw = 0; rw < rows; rw++) {
          const rp = base + <usize>rowOffset(rw, rr, shR, stR) * ie;
          if (isSum) for (let i = 0; i < nR; i++) acc += loadAsI32(inKind, rp + <usize>(i * sR) * ie);
          else for (let i = 0; i < nR; i++) acc *= loadAsI32(inKind, rp + <usize>(i * sR) * ie);
        }
        if (outKind == K_F32) store<f32>(dst, <f32>acc);
        else if (outKind == K_I32) store<i32>(dst, acc);
        else store<u8>(dst, acc != 0 ? 1 : 0);
      }
    } else if (op == R_MAX || op == R_MIN) {
      const isMax = op == R_MAX;
      if (isF) {
        let acc: f32 = isMax ? -Infinity : Infinity;
        for (let rw = 0; rw < rows; rw++) {
          const rp = base + <usize>rowOffset(rw, rr, shR, stR) * 4;
          if (sR == 1 && nR > 0) {
            const v = extremeContigF(rp, nR, isMax);
            acc = isMax ? max(acc, v) : min(acc, v);
          } else {
            for (let i = 0; i < nR; i++) {
              const v = load<f32>(rp + <usize>(i * sR) * 4);
              acc = isMax ? max(acc, v) : min(acc, v);
            }
          }
        }
        storeResult(outKind, dst, <f64>acc);
      } else {
        let acc: i32 = isMax ? i32.MIN_VALUE : i32.MAX_VALUE;
        for (let rw = 0; rw < rows; rw++) {
          const rp = base + <usize>rowOffset(rw, rr, shR, stR) * ie;
          for (let i = 0; i < nR; i++) {
            const v = loadAsI32(inKind, rp + <usize>(i * sR) * ie);
            acc = isMax ? max(acc, v) : min(acc, v);
          }
        }
        if (outKind == K_U8) store<u8>(dst, acc != 0 ? 1 : 0);
        else if (outKind == K_F32) store<f32>(dst, <f32>acc);
        else store<i32>(dst, acc);
      }
    } else if (op == R_ARGMAX || op == R_ARGMIN) {
      const isMax = op == R_ARGMAX;
      let best: f64 = 0;
      let bestI = -1;
      let k = 0;
      let done = false;
      for (let rw = 0; rw < rows && !done; rw++) {
        const rp = base + <usize>rowOffset(rw, rr, shR, stR) * ie;
        for (let i = 0; i < nR; i++, k++) {
          const v = loadAsF64(inKind, rp + <usize>(i * sR) * ie);
          if (v != v) {
            bestI = k;
            done = true;
            break;
          }
          if (bestI < 0 || (isMax ? v > best : v < best)) {
            best = v;
            bestI = k;
          }
        }
      }
      store<i32>(dst, bestI < 0 ? 0 : bestI);
    } else {
      // any / all
      const isAny = op == R_ANY;
      let res = !isAny;
      for (let rw = 0; rw < rows && res != isAny; rw++) {
        const rp = base + <usize>rowOffset(rw, rr, shR, stR) * ie;
        for (let i = 0; i < nR; i++) {
          if (isNonzero(inKind, rp + <usize>(i * sR) * ie) == isAny) {
            res = isAny;
            break;
          }
        }
      }
      if (outKind == K_U8) store<u8>(dst, res ? 1 : 0);
      else if (outKind == K_I32) store<i32>(dst, res ? 1 : 0);
      else store<f32>(dst, res ? 1 : 0);
    }
  }
}

/**
 * Column reduction of float32 (sum/max/min) when the innermost kept dim has stride 1: four
 * outputs at a time, vectorised across the kept dim. Layout as `reduceK`; `[g0, g1)` ranges over
 * the kept rows (all kept dims but the innermost).
 */
export function reduceColsF(op: i32, kr: i32, rr: i32, p: usize, x: usize, out: usize, g0: i32, g1: i32): void {
  const shK = p;
  const stK = p + (<usize>kr << 2);
  const shR = p + (<usize>(2 * kr) << 2);
  const stR = shR + (<usize>rr << 2);
  const nK = load<i32>(shK + (<usize>(kr - 1) << 2));
  const nR = load<i32>(shR + (<usize>(rr - 1) << 2));
  const sR = load<i32>(stR + (<usize>(rr - 1) << 2));
  let rows = 1;
  for (let d = 0; d < rr - 1; d++) rows *= load<i32>(shR + (<usize>d << 2));
  for (let g = g0; g < g1; g++) {
    const rowBase = x + (<usize>rowOffset(g, kr, shK, stK) << 2);
    const dst = out + ((<usize>g * <usize>nK) << 2);
    let j = 0;
    for (; j + 4 <= nK; j += 4) {
      const b = rowBase + (<usize>j << 2);
      if (op == R_SUM) {
        let lo = f64x2.splat(0);
        let hi = f64x2.splat(0);
        for (let rw = 0; rw < rows; rw++) {
          const rp = b + (<usize>rowOffset(rw, rr, shR, stR) << 2);
          for (let i = 0; i < nR; i++) {
            const v = v128.load(rp + <usize>(i * sR) * 4);
            lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
            hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
          }
        }
        store<f32>(dst + (<usize>j << 2), <f32>f64x2.extract_lane(lo, 0));
        store<f32>(dst + (<usize>j << 2), <f32>f64x2.extract_lane(lo, 1), 4);
        store<f32>(dst + (<usize>j << 2), <f32>f64x2.extract_lane(hi, 0), 8);
        store<f32>(dst + (<usize>j << 2), <f32>f64x2.extract_lane(hi, 1), 12);
      } else {
        let a = f32x4.splat(op == R_MAX ? -Infinity : Infinity);
        for (let rw = 0; rw < rows; rw++) {
          const rp = b + (<usize>rowOffset(rw, rr, shR, stR) << 2);
          if (op == R_MAX) for (let i = 0; i < nR; i++) a = f32x4.max(a, v128.load(rp + <usize>(i * sR) * 4));
          else for (let i = 0; i < nR; i++) a = f32x4.min(a, v128.load(rp + <usize>(i * sR) * 4));
        }
        v128.store(dst + (<usize>j << 2), a);
      }
    }
    for (; j < nK; j++) {
      const b = rowBase + (<usize>j << 2);
      let acc: f64 = op == R_SUM ? 0 : op == R_MAX ? -Infinity : Infinity;
      for (let rw = 0; rw < rows; rw++) {
        const rp = b + (<usize>rowOffset(rw, rr, shR, stR) << 2);
        for (let i = 0; i < nR; i++) {
          const v = <f64>load<f32>(rp + <usize>(i * sR) * 4);
          acc = op == R_SUM ? acc + v : op == R_MAX ? max(acc, v) : min(acc, v);
        }
      }
      store<f32>(dst + (<usize>j << 2), <f32>acc);
    }
  }
}

/**
 * Inclusive scan along the last dim; p = [shape[rank], xStrides[rank], outStrides[rank]].
 * Floats accumulate in float64 (as PyTorch's CPU kernels do), ints in int32 (wrapping).
 */
export function scanK(op: i32, inKind: i32, outKind: i32, rank: i32, p: usize, x: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const xs = p + (<usize>rank << 2);
  const os = p + (<usize>(2 * rank) << 2);
  const sx = load<i32>(xs + (<usize>(rank - 1) << 2));
  const so = load<i32>(os + (<usize>(rank - 1) << 2));
  const ie: usize = inKind == K_U8 ? 1 : 4;
  const oe: usize = outKind == K_U8 ? 1 : 4;
  for (let r = r0; r < r1; r++) {
    const xp = x + <usize>rowOffset(r, rank, p, xs) * ie;
    const op_ = out + <usize>rowOffset(r, rank, p, os) * oe;
    if (inKind == K_F32) {
      let acc: f64 = op == S_CUMPROD ? 1 : op == S_CUMMAX ? -Infinity : op == S_CUMMIN ? Infinity : 0;
      for (let i = 0; i < n; i++) {
        const v = <f64>load<f32>(xp + <usize>(i * sx) * 4);
        if (op == S_CUMSUM) acc += v;
        else if (op == S_CUMPROD) acc *= v;
        else if (op == S_CUMMAX) acc = max(acc, v);
        else acc = min(acc, v);
        storeResult(outKind, op_ + <usize>(i * so) * oe, acc);
      }
    } else {
      let acc: i32 = op == S_CUMPROD ? 1 : op == S_CUMMAX ? i32.MIN_VALUE : op == S_CUMMIN ? i32.MAX_VALUE : 0;
      for (let i = 0; i < n; i++) {
        const v = loadAsI32(inKind, xp + <usize>(i * sx) * ie);
        if (op == S_CUMSUM) acc += v;
        else if (op == S_CUMPROD) acc *= v;
        else if (op == S_CUMMAX) acc = max(acc, v);
        else acc = min(acc, v);
        const dp = op_ + <usize>(i * so) * oe;
        if (outKind == K_I32) store<i32>(dp, acc);
        else if (outKind == K_F32) store<f32>(dp, <f32>acc);
        else store<u8>(dp, acc != 0 ? 1 : 0);
      }
    }
  }
}
