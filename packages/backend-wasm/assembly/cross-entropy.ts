// Softmax cross-entropy of contiguous logits [N, C] against int32 class indices, and its gradient.

import { expV, logV } from './simd-math';

/** The max of the C floats at p (0 when it is ±Infinity, so that x − max stays finite). */
function rowMax(p: usize, C: i32): f32 {
  let mv = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= C; i += 4) mv = f32x4.max(mv, v128.load(p + (<usize>i << 2)));
  let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  for (; i < C; i++) m = max(m, load<f32>(p + (<usize>i << 2)));
  return m == -Infinity || m == Infinity ? 0 : m;
}

/** Σ exp(x − m) over the C floats at p. */
function rowSumExp(p: usize, C: i32, m: f32): f32 {
  const mm = f32x4.splat(m);
  let sv = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= C; i += 4) sv = f32x4.add(sv, expV(f32x4.sub(v128.load(p + (<usize>i << 2)), mm)));
  // The tail in one vector padded with −Infinity (whose exp is 0).
  if (i < C) {
    let t = f32x4.splat(-Infinity);
    t = f32x4.replace_lane(t, 0, load<f32>(p + (<usize>i << 2)));
    if (i + 1 < C) t = f32x4.replace_lane(t, 1, load<f32>(p + (<usize>(i + 1) << 2)));
    if (i + 2 < C) t = f32x4.replace_lane(t, 2, load<f32>(p + (<usize>(i + 2) << 2)));
    sv = f32x4.add(sv, expV(f32x4.sub(t, mm)));
  }
  return f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
}

/**
 * Rows [r0, r1): out[i] = logsumexp(x[i]) − x[i, t[i]], 0 where t[i] == ignore. `t` is int32
 * with element stride `ts`.
 */
export function crossEntropyK(x: usize, C: i32, t: usize, ts: i32, ignore: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const target = load<i32>(t + (<usize>(r * ts) << 2));
    const row = x + ((<usize>r * <usize>C) << 2);
    let loss: f32 = 0;
    if (target != ignore) {
      // (max − x[t]) + log Σ: no large logsumexp is formed and then cancelled.
      const m = rowMax(row, C);
      loss = m - load<f32>(row + (<usize>target << 2)) + f32x4.extract_lane(logV(f32x4.splat(rowSumExp(row, C, m))), 0);
    }
    store<f32>(out + (<usize>r << 2), loss);
  }
}

/**
 * Rows [r0, r1): out[i, j] = g[i]·(softmax(x[i])[j] − (j == t[i])), zeros where t[i] == ignore.
 * `g` has element stride `gs`.
 */
export function crossEntropyBackwardK(x: usize, C: i32, t: usize, ts: i32, g: usize, gs: i32, ignore: i32, out: usize, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    const target = load<i32>(t + (<usize>(r * ts) << 2));
    const row = x + ((<usize>r * <usize>C) << 2);
    const orow = out + ((<usize>r * <usize>C) << 2);
    if (target == ignore) {
      memory.fill(orow, 0, <usize>C << 2);
      continue;
    }
    const gr = load<f32>(g + (<usize>(r * gs) << 2));
    // softmax as exp(x − max) / Σ: exp(x − logsumexp) would carry the rounding of a large
    // logsumexp into every probability.
    const m = rowMax(row, C);
    const scale = gr / rowSumExp(row, C, m);
    const mm = f32x4.splat(m);
    const sv = f32x4.splat(scale);
    let i = 0;
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      v128.store(orow + o, f32x4.mul(sv, expV(f32x4.sub(v128.load(row + o), mm))));
    }
    for (; i < C; i++) {
      const o = <usize>i << 2;
      store<f32>(orow + o, scale * f32x4.extract_lane(expV(f32x4.splat(load<f32>(row + o) - m)), 0));
    }
    const at = orow + (<usize>target << 2);
    store<f32>(at, load<f32>(at) - gr);
  }
}
