// Vectorised transcendental functions on f32x4: exp, log, tanh, sigmoid, erf.
// Range reduction and polynomials after Cephes' single-precision routines (about 1 ulp for exp and
// log, ~2e-7 relative for tanh/sigmoid, ~3e-7 for erf).

/** e^x for four lanes; overflow gives +Inf, deep underflow 0 (subnormals kept), NaN stays NaN. */
@inline export function expV(x: v128): v128 {
  // pmin/pmax are single instructions and keep a NaN in the first operand. Above 89 the final
  // scaling overflows to +Inf by itself; below -104 it underflows to 0.
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  // Round x·log2(e) to an integer with the 1.5·2^23 trick: t's low mantissa bits hold n.
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504088896341)), f32x4.splat(12582912.0));
  const n = f32x4.sub(t, f32x4.splat(12582912.0));
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000));
  // r = x - n·ln2 in two parts (Cody–Waite), |r| <= ln2/2.
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  // e^r = 1 + r + r²·P(r), P fitted for minimax relative error (1.6e-7 evaluated in float32).
  let p = f32x4.splat(0.008312505669891834);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.04189009591937065));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.16667114198207855));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.499992311000824));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(r, r), p), r), f32x4.splat(1.0));
  // 2^n as two halves so that every n in [-150, 129] is representable (or overflows to Inf).
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** Natural log for four lanes: log(0) = -Inf, log(x<0) = NaN, log(+Inf) = +Inf. */
@inline export function logV(x: v128): v128 {
  // Scale subnormals into the normal range first.
  const sub = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, sub);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(127));
  e = i32x4.sub(e, v128.and(sub, i32x4.splat(23)));
  let m = v128.or(v128.and(xs, i32x4.splat(0x7fffff)), i32x4.splat(0x3f800000));
  const big = f32x4.gt(m, f32x4.splat(1.41421356));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1
  const f = f32x4.sub(m, f32x4.splat(1.0));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(f, z), p);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  let r = f32x4.add(f, y);
  r = f32x4.add(r, f32x4.mul(ef, f32x4.splat(0.693359375)));
  // Special values.
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(f32x4.splat(NaN), r, f32x4.lt(x, f32x4.splat(0)));
  r = v128.bitselect(x, r, f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

/**
 * Hyperbolic tangent for four lanes: a 13/6 rational approximation on [-7.9053, 7.9053] (the
 * coefficients Eigen uses; 3.7e-7 relative error in float32), saturating to ±(1 - 2.4e-7) beyond.
 */
@inline export function tanhV(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-7.90531110763549805)), f32x4.splat(7.90531110763549805));
  const x2 = f32x4.mul(xc, xc);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.00018790482477e-13));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-8.60467152213735e-11));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(5.12229709037114e-8));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.48572235717979e-5));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(6.37261928875436e-4));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(4.89352455891786e-3));
  p = f32x4.mul(p, xc);
  let q = f32x4.splat(1.19825839466702e-6);
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(1.18534705686654e-4));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(2.26843463243900e-3));
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(4.89352518554385e-3));
  return f32x4.div(p, q);
}

/** Logistic sigmoid 1 / (1 + e^-x) for four lanes. */
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expV(f32x4.neg(x))));
}

/** Error function for four lanes: Taylor series below 0.5, Abramowitz–Stegun 7.1.26 above. */
@inline export function erfV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320 + x^13/9360)
  let p = f32x4.splat(1.0 / 9360.0);
  p = f32x4.sub(f32x4.mul(p, z), f32x4.splat(1.0 / 1320.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.0 / 216.0));
  p = f32x4.sub(f32x4.mul(p, z), f32x4.splat(1.0 / 42.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.0 / 10.0));
  p = f32x4.sub(f32x4.mul(p, z), f32x4.splat(1.0 / 3.0));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.0));
  const small = f32x4.mul(f32x4.mul(p, x), f32x4.splat(1.1283791670955126));
  const t = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(ax, f32x4.splat(0.3275911))));
  let q = f32x4.splat(1.061405429);
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(-1.453152027));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(1.421413741));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(-0.284496736));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(0.254829592));
  q = f32x4.mul(q, t);
  const l = f32x4.sub(f32x4.splat(1.0), f32x4.mul(q, expV(f32x4.neg(z))));
  const large = v128.or(l, v128.and(x, i32x4.splat(0x80000000)));
  const r = v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.5)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

/** GELU with the exact erf form. */
@inline export function geluV(x: v128): v128 {
  const e = erfV(f32x4.mul(x, f32x4.splat(0.7071067811865476)));
  return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), f32x4.add(f32x4.splat(1.0), e));
}

/** GELU with the tanh approximation. */
@inline export function geluTanhV(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const inner = f32x4.mul(f32x4.splat(0.7978845608028654), f32x4.add(x, f32x4.mul(x3, f32x4.splat(0.044715))));
  return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), f32x4.add(f32x4.splat(1.0), tanhV(inner)));
}
