// Training-mode batch normalisation over x viewed as [N, C, S] (contiguous).

/** Σ over S floats at p, in f32x4 lanes then float64. */
@inline function segmentSum(p: usize, S: i32): f64 {
  let v = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= S; i += 4) v = f32x4.add(v, v128.load(p + (<usize>i << 2)));
  let s = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
  for (; i < S; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

/** Σ (x − mu)² over S floats at p, in f32x4 lanes then float64. */
@inline function segmentSquares(p: usize, S: i32, mu: f32): f64 {
  const m = f32x4.splat(mu);
  let v = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= S; i += 4) {
    const d = f32x4.sub(v128.load(p + (<usize>i << 2)), m);
    v = f32x4.add(v, f32x4.mul(d, d));
  }
  let s = <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
  for (; i < S; i++) {
    const d = <f64>(load<f32>(p + (<usize>i << 2)) - mu);
    s += d * d;
  }
  return s;
}

/**
 * Channels [c0, c1) of x [N, C, S]: mean and biased variance over N·S values (two passes, each
 * segment summed in f32x4 lanes and the segments in float64), then
 * out = x·scale + shift with scale = w/sqrt(var + eps), shift = b − mean·scale. `w`, `b` may be 0.
 */
export function batchNormK(x: usize, N: i32, C: i32, S: i32, w: usize, b: usize, eps: f32, out: usize, mean: usize, variance: usize, c0: i32, c1: i32): void {
  const count = <f64>N * <f64>S;
  const plane = <usize>C * <usize>S;
  for (let c = c0; c < c1; c++) {
    const first = <usize>c * <usize>S;
    let s: f64 = 0;
    for (let n = 0; n < N; n++) s += segmentSum(x + ((<usize>n * plane + first) << 2), S);
    const mu = <f32>(s / count);
    let q: f64 = 0;
    for (let n = 0; n < N; n++) q += segmentSquares(x + ((<usize>n * plane + first) << 2), S, mu);
    const v = q / count;
    let scale = <f32>(1.0 / Math.sqrt(v + <f64>eps));
    if (w) scale *= load<f32>(w + (<usize>c << 2));
    const shift = (b ? load<f32>(b + (<usize>c << 2)) : <f32>0) - mu * scale;
    const vs = f32x4.splat(scale);
    const vt = f32x4.splat(shift);
    for (let n = 0; n < N; n++) {
      const xp = x + ((<usize>n * plane + first) << 2);
      const op = out + ((<usize>n * plane + first) << 2);
      let i = 0;
      for (; i + 4 <= S; i += 4) {
        const o = <usize>i << 2;
        v128.store(op + o, f32x4.add(f32x4.mul(v128.load(xp + o), vs), vt));
      }
      for (; i < S; i++) store<f32>(op + (<usize>i << 2), load<f32>(xp + (<usize>i << 2)) * scale + shift);
    }
    store<f32>(mean + (<usize>c << 2), mu);
    store<f32>(variance + (<usize>c << 2), <f32>v);
  }
}
