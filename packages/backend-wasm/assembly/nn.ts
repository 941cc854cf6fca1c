// Optional kernels: softmax, layerNorm, optimizer steps, pooling, im2col/col2im, GEMM epilogues.

import { rowOffset } from './common';
import { expV, geluV, logV } from './simd-math';

@inline function expS(x: f32): f32 {
  return f32x4.extract_lane(expV(f32x4.splat(x)), 0);
}

/**
 * Softmax (or log-softmax when `isLog`) along the last dim of an N-d walk;
 * p = [shape[rank], xStrides[rank], outStrides[rank]].
 */
export function softmaxK(isLog: bool, rank: i32, p: usize, x: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const xs = p + (<usize>rank << 2);
  const os = p + (<usize>(2 * rank) << 2);
  const sx = load<i32>(xs + (<usize>(rank - 1) << 2));
  const so = load<i32>(os + (<usize>(rank - 1) << 2));
  for (let r = r0; r < r1; r++) {
    const xp = x + (<usize>rowOffset(r, rank, p, xs) << 2);
    const op = out + (<usize>rowOffset(r, rank, p, os) << 2);
    if (sx == 1 && so == 1) {
      // max
      let mv = f32x4.splat(-Infinity);
      let i = 0;
      for (; i + 4 <= n; i += 4) mv = f32x4.max(mv, v128.load(xp + (<usize>i << 2)));
      let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
      for (; i < n; i++) m = max(m, load<f32>(xp + (<usize>i << 2)));
      if (m == -Infinity) m = 0;
      const mm = f32x4.splat(m);
      // exp and sum
      let sv = f32x4.splat(0);
      i = 0;
      for (; i + 4 <= n; i += 4) {
        const e = expV(f32x4.sub(v128.load(xp + (<usize>i << 2)), mm));
        if (!isLog) v128.store(op + (<usize>i << 2), e);
        sv = f32x4.add(sv, e);
      }
      let s = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
      for (; i < n; i++) {
        const e = expS(load<f32>(xp + (<usize>i << 2)) - m);
        if (!isLog) store<f32>(op + (<usize>i << 2), e);
        s += e;
      }
      i = 0;
      if (isLog) {
        const sub = f32x4.splat(m + f32x4.extract_lane(logV(f32x4.splat(s)), 0));
        for (; i + 4 <= n; i += 4) v128.store(op + (<usize>i << 2), f32x4.sub(v128.load(xp + (<usize>i << 2)), sub));
        const subS = f32x4.extract_lane(sub, 0);
        for (; i < n; i++) store<f32>(op + (<usize>i << 2), load<f32>(xp + (<usize>i << 2)) - subS);
      } else {
        const inv = f32x4.splat(<f32>1.0 / s);
        for (; i + 4 <= n; i += 4) v128.store(op + (<usize>i << 2), f32x4.mul(v128.load(op + (<usize>i << 2)), inv));
        const invS: f32 = <f32>1.0 / s;
        for (; i < n; i++) store<f32>(op + (<usize>i << 2), load<f32>(op + (<usize>i << 2)) * invS);
      }
    } else {
      let m: f32 = -Infinity;
      for (let i = 0; i < n; i++) m = max(m, load<f32>(xp + <usize>(i * sx) * 4));
      if (m == -Infinity) m = 0;
      let s: f32 = 0;
      for (let i = 0; i < n; i++) {
        const e = expS(load<f32>(xp + <usize>(i * sx) * 4) - m);
        if (!isLog) store<f32>(op + <usize>(i * so) * 4, e);
        s += e;
      }
      if (isLog) {
        const sub = m + f32x4.extract_lane(logV(f32x4.splat(s)), 0);
        for (let i = 0; i < n; i++) store<f32>(op + <usize>(i * so) * 4, load<f32>(xp + <usize>(i * sx) * 4) - sub);
      } else {
        const inv: f32 = <f32>1.0 / s;
        for (let i = 0; i < n; i++) store<f32>(op + <usize>(i * so) * 4, load<f32>(op + <usize>(i * so) * 4) * inv);
      }
    }
  }
}

/**
 * Layer norm over rows of `n` contiguous floats: out = (x - mean) · rstd · w + b.
 * `w`, `b`, `mean`, `rstd` may be 0 (absent).
 */
export function layerNormK(x: usize, rows0: i32, rows1: i32, n: i32, w: usize, b: usize, eps: f32, out: usize, mean: usize, rstd: usize): void {
  for (let r = rows0; r < rows1; r++) {
    const xp = x + ((<usize>r * <usize>n) << 2);
    const op = out + ((<usize>r * <usize>n) << 2);
    let s: f64 = 0;
    for (let i = 0; i < n; i++) s += <f64>load<f32>(xp + (<usize>i << 2));
    const mu = <f32>(s / <f64>n);
    let q: f64 = 0;
    for (let i = 0; i < n; i++) {
      const d = <f64>(load<f32>(xp + (<usize>i << 2)) - mu);
      q += d * d;
    }
    const rs = <f32>(1.0 / Math.sqrt(q / <f64>n + <f64>eps));
    if (mean) store<f32>(mean + (<usize>r << 2), mu);
    if (rstd) store<f32>(rstd + (<usize>r << 2), rs);
    const vm = f32x4.splat(mu);
    const vr = f32x4.splat(rs);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let y = f32x4.mul(f32x4.sub(v128.load(xp + o), vm), vr);
      if (w) y = f32x4.mul(y, v128.load(w + o));
      if (b) y = f32x4.add(y, v128.load(b + o));
      v128.store(op + o, y);
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      let y = (load<f32>(xp + o) - mu) * rs;
      if (w) y *= load<f32>(w + o);
      if (b) y += load<f32>(b + o);
      store<f32>(op + o, y);
    }
  }
}

/** PyTorch's lerp: a + w (b - a) when |w| < 0.5, else b - (b - a)(1 - w). */
@inline function lerpS(a: f32, b: f32, w: f32): f32 {
  return Mathf.abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (<f32>1.0 - w);
}

/** Four-lane lerp with PyTorch's branch on the (uniform) weight. */
@inline function lerpV(a: v128, b: v128, w: f32): v128 {
  const d = f32x4.sub(b, a);
  if (Mathf.abs(w) < 0.5) return f32x4.add(a, f32x4.mul(f32x4.splat(w), d));
  return f32x4.sub(b, f32x4.mul(d, f32x4.splat(<f32>1.0 - w)));
}

/**
 * One Adam / AdamW step over n floats, with PyTorch's single-tensor arithmetic: scalars are
 * computed in float64 and applied in float32, in the same order. Vectorised: f32x4 add, mul, div
 * and sqrt round exactly like their scalar forms, so results are bit-identical.
 */
export function adamK(param: usize, grad: usize, m: usize, v: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64, decoupled: bool, step: f64, maximize: bool): void {
  const decay = <f32>(1.0 - lr * wd);
  const wdF = <f32>wd;
  const w1 = <f32>(1.0 - beta1);
  const b2 = <f32>beta2;
  const omb2 = <f32>(1.0 - beta2);
  const bc1 = 1.0 - Math.pow(beta1, step);
  const bc2 = 1.0 - Math.pow(beta2, step);
  const negStep = <f32>(-(lr / bc1));
  const bc2s = <f32>Math.sqrt(bc2);
  const epsF = <f32>eps;
  const useWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let g = v128.load(grad + o);
    if (maximize) g = f32x4.neg(g);
    let pv = v128.load(param + o);
    if (useWd) {
      if (decoupled) pv = f32x4.mul(pv, f32x4.splat(decay));
      else g = f32x4.add(g, f32x4.mul(f32x4.splat(wdF), pv));
    }
    const mv = lerpV(v128.load(m + o), g, w1);
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), f32x4.splat(b2)), f32x4.mul(f32x4.mul(f32x4.splat(omb2), g), g));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), f32x4.splat(bc2s)), f32x4.splat(epsF));
    v128.store(param + o, f32x4.add(pv, f32x4.div(f32x4.mul(f32x4.splat(negStep), mv), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let g = load<f32>(grad + o);
    if (maximize) g = -g;
    let pv = load<f32>(param + o);
    if (useWd) {
      if (decoupled) pv = pv * decay;
      else g = g + wdF * pv;
    }
    const mv = lerpS(load<f32>(m + o), g, w1);
    const vv = load<f32>(v + o) * b2 + omb2 * g * g;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    const denom = Mathf.sqrt(vv) / bc2s + epsF;
    store<f32>(param + o, pv + (negStep * mv) / denom);
  }
}

/** One SGD step over n floats (PyTorch's arithmetic); `buf` 0 when momentum is 0. */
export function sgdK(param: usize, grad: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64, wd: f64, nesterov: bool, maximize: bool, firstStep: bool): void {
  const wdF = <f32>wd;
  const mom = <f32>momentum;
  const damp = <f32>(1.0 - dampening);
  const negLr = <f32>-lr;
  const useWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let g = v128.load(grad + o);
    if (maximize) g = f32x4.neg(g);
    const pv = v128.load(param + o);
    if (useWd) g = f32x4.add(g, f32x4.mul(f32x4.splat(wdF), pv));
    if (buf) {
      const bv = firstStep ? g : f32x4.add(f32x4.mul(v128.load(buf + o), f32x4.splat(mom)), f32x4.mul(f32x4.splat(damp), g));
      v128.store(buf + o, bv);
      g = nesterov ? f32x4.add(g, f32x4.mul(f32x4.splat(mom), bv)) : bv;
    }
    v128.store(param + o, f32x4.add(pv, f32x4.mul(f32x4.splat(negLr), g)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let g = load<f32>(grad + o);
    if (maximize) g = -g;
    const pv = load<f32>(param + o);
    if (useWd) g = g + wdF * pv;
    if (buf) {
      let bv: f32;
      if (firstStep) bv = g;
      else bv = load<f32>(buf + o) * mom + damp * g;
      store<f32>(buf + o, bv);
      g = nesterov ? g + mom * bv : bv;
    }
    store<f32>(param + o, pv + negLr * g);
  }
}

/**
 * Max pooling over planes [p0, p1) of N·C: x element (plane, h, w) at
 * x + (xPlane(plane) + h·sH + w·sW)·4 where p holds [C, sN, sC, sH, sW] (i32) and planes are
 * numbered n·C + c. Writes contiguous out and, when `ind` is nonzero, int32 indices h·W + w.
 */
export function maxPoolK(p: usize, x: usize, H: i32, W: i32, Ho: i32, Wo: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, out: usize, ind: usize, p0: i32, p1: i32): void {
  const C = load<i32>(p);
  const sN = load<i32>(p, 4);
  const sC = load<i32>(p, 8);
  const sH = load<i32>(p, 12);
  const sW = load<i32>(p, 16);
  for (let pl = p0; pl < p1; pl++) {
    const nn = pl / C;
    const cc = pl - nn * C;
    const xp = x + (<usize>(nn * sN + cc * sC) << 2);
    const op = out + ((<usize>pl * <usize>(Ho * Wo)) << 2);
    const ip = ind + ((<usize>pl * <usize>(Ho * Wo)) << 2);
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        let best: f32 = -Infinity;
        let bi = -1;
        const h0 = oh * sh - ph;
        const w0 = ow * sw - pw;
        for (let i = 0; i < kh; i++) {
          const h = h0 + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = w0 + j * dw;
            if (w < 0 || w >= W) continue;
            const v = load<f32>(xp + (<usize>(h * sH + w * sW) << 2));
            if (bi < 0 || v > best || (v != v && best == best)) {
              best = v;
              bi = h * W + w;
            }
          }
        }
        const o = <usize>(oh * Wo + ow) << 2;
        store<f32>(op + o, best);
        if (ind) store<i32>(ip + o, bi < 0 ? 0 : bi);
      }
    }
  }
}

/**
 * im2col for one image and group: col[(c·kh + i)·kw + j][oh·Wo + ow] =
 * x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] (0 outside), c over `Cg` channels starting at `x`
 * (channel stride sC, row stride sH, column stride sW, in elements). Rows [q0, q1) of col.
 */
export function im2colK(x: usize, sC: i32, sH: i32, sW: i32, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, Ho: i32, Wo: i32, col: usize, q0: i32, q1: i32): void {
  const L = Ho * Wo;
  for (let q = q0; q < q1; q++) {
    const j = q % kw;
    const t = q / kw;
    const i = t % kh;
    const c = t / kh;
    const xc = x + (<usize>(c * sC) << 2);
    const row = col + ((<usize>q * <usize>L) << 2);
    for (let oh = 0; oh < Ho; oh++) {
      const h = oh * sh - ph + i * dh;
      const dst = row + (<usize>(oh * Wo) << 2);
      if (h < 0 || h >= H) {
        memory.fill(dst, 0, <usize>Wo << 2);
        continue;
      }
      const xr = xc + (<usize>(h * sH) << 2);
      const wOff = j * dw - pw;
      if (sw == 1 && sW == 1) {
        // Valid ow range: 0 <= ow + wOff < W.
        const lo = max(0, -wOff);
        const hi = min(Wo, W - wOff);
        if (lo > 0) memory.fill(dst, 0, <usize>min(lo, Wo) << 2);
        if (hi > lo) memory.copy(dst + (<usize>lo << 2), xr + (<usize>(lo + wOff) << 2), <usize>(hi - lo) << 2);
        if (hi < Wo) {
          const from = max(hi, 0);
          memory.fill(dst + (<usize>from << 2), 0, <usize>(Wo - from) << 2);
        }
      } else {
        for (let ow = 0; ow < Wo; ow++) {
          const w = ow * sw + wOff;
          store<f32>(dst + (<usize>ow << 2), w >= 0 && w < W ? load<f32>(xr + (<usize>(w * sW) << 2)) : 0);
        }
      }
    }
  }
}

/**
 * col2im for one image and group, accumulating: dx[c, h, w] += col[...] (the transpose of
 * im2colK); `dx` is contiguous [Cg, H, W]. Channels [c0, c1).
 */
export function col2imK(col: usize, H: i32, W: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, Ho: i32, Wo: i32, dx: usize, c0: i32, c1: i32): void {
  const L = Ho * Wo;
  for (let c = c0; c < c1; c++) {
    const plane = dx + ((<usize>c * <usize>(H * W)) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const q = (c * kh + i) * kw + j;
        const row = col + ((<usize>q * <usize>L) << 2);
        for (let oh = 0; oh < Ho; oh++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          const src = row + (<usize>(oh * Wo) << 2);
          const dr = plane + (<usize>(h * W) << 2);
          for (let ow = 0; ow < Wo; ow++) {
            const w = ow * sw - pw + j * dw;
            if (w < 0 || w >= W) continue;
            const d = dr + (<usize>w << 2);
            store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ow << 2)));
          }
        }
      }
    }
  }
}

/**
 * GEMM epilogue over rows [r0, r1) of a contiguous m×n block c: adds a bias (`biasMode` 0 none,
 * 1 per column bias[j], 2 per row bias[i]) then applies `act` (0 none, 1 relu, 2 gelu).
 */
export function epilogueK(c: usize, n: i32, bias: usize, biasMode: i32, act: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const row = c + ((<usize>r * <usize>n) << 2);
    const rb = biasMode == 2 ? v128.load32_splat(bias + (<usize>r << 2)) : f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      let y = v128.load(row + o);
      if (biasMode == 1) y = f32x4.add(y, v128.load(bias + o));
      else if (biasMode == 2) y = f32x4.add(y, rb);
      if (act == 1) y = f32x4.max(y, f32x4.splat(0));
      else if (act == 2) y = geluV(y);
      v128.store(row + o, y);
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      let y = f32x4.splat(load<f32>(row + o));
      if (biasMode == 1) y = f32x4.add(y, v128.load32_splat(bias + o));
      else if (biasMode == 2) y = f32x4.add(y, rb);
      if (act == 1) y = f32x4.max(y, f32x4.splat(0));
      else if (act == 2) y = geluV(y);
      store<f32>(row + o, f32x4.extract_lane(y, 0));
    }
  }
}

/**
 * Copies images into a zero-bordered buffer for convolution: row r = n·C + c of [r0, r1) writes
 * the (H + 2ph) × (W + 2pw) plane of image n, channel c at dst + r·plane·4, from x (element
 * strides sN, sC, sH, sW). One pass: the borders are zero-filled, the rows copied.
 */
export function padImagesK(x: usize, sN: i32, sC: i32, sH: i32, sW: i32, C: i32, H: i32, W: i32, ph: i32, pw: i32, dst: usize, r0: i32, r1: i32): void {
  const Wp = W + 2 * pw;
  const Hp = H + 2 * ph;
  const rowBytes = <usize>Wp << 2;
  for (let r = r0; r < r1; r++) {
    const n = r / C;
    const c = r - n * C;
    const src = x + (<usize>(n * sN + c * sC) << 2);
    let d = dst + <usize>r * <usize>Hp * rowBytes;
    if (ph > 0) {
      memory.fill(d, 0, <usize>ph * rowBytes);
      d += <usize>ph * rowBytes;
    }
    for (let h = 0; h < H; h++) {
      if (pw > 0) memory.fill(d, 0, <usize>pw << 2);
      const s = src + (<usize>(h * sH) << 2);
      const o = d + (<usize>pw << 2);
      if (sW == 1) memory.copy(o, s, <usize>W << 2);
      else for (let w = 0; w < W; w++) store<f32>(o + (<usize>w << 2), load<f32>(s + (<usize>(w * sW) << 2)));
      if (pw > 0) memory.fill(o + (<usize>W << 2), 0, <usize>pw << 2);
      d += rowBytes;
    }
    if (ph > 0) memory.fill(d, 0, <usize>ph * rowBytes);
  }
}
