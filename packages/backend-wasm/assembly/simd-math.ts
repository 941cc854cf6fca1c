// Vectorised transcendental functions on f32x4: exp, log, tanh, sigmoid, erf.
// Range reduction and polynomials after Cephes' single-precision routines (about 1 ulp for exp and
// log, ~2e-7 relative for tanh/sigmoid, ~3e-7 for erf).

// Every constant of these functions lives in a table in memory, loaded with v128.load32_splat
// (one load µop). As v128.const operands, V8 rebuilds each constant from immediates inside the
// loop on every use (3-4 instructions each), which made exp about 40% slower.
const MATH_K: usize = memory.data<u32>([
  0xc2d00000, // 0: -104.0
  0x42b20000, // 1: 89.0
  0x3fb8aa3b, // 2: 1.44269504088896341
  0x4b400000, // 3: 12582912.0
  0x3f318000, // 4: 0.693359375
  0xb95e8083, // 5: -2.12194440e-4
  0x3c08312d, // 6: 0.008312505669891834
  0x3d2b94f3, // 7: 0.04189009591937065
  0x3e2aabd7, // 8: 0.16667114198207855
  0x3efffefe, // 9: 0.499992311000824
  0x3f800000, // 10: 1.0
  0x00800000, // 11: 1.17549435e-38
  0x4b000000, // 12: 8388608.0
  0x3fb504f3, // 13: 1.41421356
  0x3f000000, // 14: 0.5
  0x3d9021bb, // 15: 7.0376836292e-2
  0xbdebd1b8, // 16: -1.1514610310e-1
  0x3def251a, // 17: 1.1676998740e-1
  0xbdfe5d4f, // 18: -1.2420140846e-1
  0x3e11e9bf, // 19: 1.4249322787e-1
  0xbe2aae50, // 20: -1.6668057665e-1
  0x3e4cceac, // 21: 2.0000714765e-1
  0xbe7ffffc, // 22: -2.4999993993e-1
  0x3eaaaaaa, // 23: 3.3333331174e-1
  0xff800000, // 24: -Infinity
  0x7fc00000, // 25: NaN
  0x7f800000, // 26: Infinity
  0xc0fcf84f, // 27: -7.90531110763549805
  0x40fcf84f, // 28: 7.90531110763549805
  0xa59f25c0, // 29: -2.76076847742355e-16
  0x2a61337e, // 30: 2.00018790482477e-13
  0xaebd37ff, // 31: -8.60467152213735e-11
  0x335c0041, // 32: 5.12229709037114e-8
  0x3779434a, // 33: 1.48572235717979e-5
  0x3a270ded, // 34: 6.37261928875436e-4
  0x3ba059dc, // 35: 4.89352455891786e-3
  0x35a0d3d8, // 36: 1.19825839466702e-6
  0x38f895d6, // 37: 1.18534705686654e-4
  0x3b14aa05, // 38: 2.26843463243900e-3
  0x3ba059dd, // 39: 4.89352518554385e-3
  0x3f906ebb, // 40: 1.1283791670955126
  0x3ea7ba05, // 41: 0.3275911
  0x3f87dc22, // 42: 1.061405429
  0xbfba00e3, // 43: -1.453152027
  0x3fb5f0e3, // 44: 1.421413741
  0xbe91a98e, // 45: -0.284496736
  0x3e827906, // 46: 0.254829592
  0x3f3504f3, // 47: 0.7071067811865476
  0x3f4c422a, // 48: 0.7978845608028654
  0x3d372713, // 49: 0.044715
  0x0000007f, // 50: 127 (i32)
  0x00000017, // 51: 23 (i32)
  0x007fffff, // 52: 0x7fffff (i32)
  0x80000000, // 53: 0x80000000 (i32)
  0x38e00e01, // 54: 1.0 / 9360.0
  0x3a46980c, // 55: 1.0 / 1320.0
  0x3b97b426, // 56: 1.0 / 216.0
  0x3cc30c31, // 57: 1.0 / 42.0
  0x3dcccccd, // 58: 1.0 / 10.0
  0x3eaaaaab, // 59: 1.0 / 3.0
  0x42ac0000, // 60: 86.0 (exp's fast-path bound)
  0x7fffffff, // 61: abs mask (i32)
  0x41100000, // 62: 9.0 (tanh is ±1 in float32 beyond)
]);

/**
 * a·b + c per lane: one fused multiply-add in the relaxed-SIMD build (the host's FMA module),
 * else a multiply and an add.
 */
// @ts-ignore: decorator
@inline function fmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c − a·b per lane (fused in the relaxed-SIMD build). */
// @ts-ignore: decorator
@inline function fnmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** Constant `i` of the table, in four lanes. */
// @ts-ignore: decorator
@inline function kc(i: i32): v128 {
  return v128.load32_splat(MATH_K + (<usize>i << 2));
}

/**
 * e^x for four lanes; overflow gives +Inf, deep underflow 0 (subnormals kept), NaN stays NaN.
 * When every lane has |x| <= 86 (the usual case) the result is normal and 2^n is put into its
 * exponent with one integer add, with no clamping; otherwise the general path below runs.
 */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  // |x| > 86 or NaN, as integers: the bits of |x| above those of 86.0 (NaN's are above +Inf's).
  if (v128.any_true(i32x4.gt_s(v128.and(x, kc(61)), kc(60)))) return expWideV(x);
  // n = round(x·log2(e)) with the 1.5·2^23 trick: t's low mantissa bits hold n.
  const t = fmadd(x, kc(2), kc(3));
  const n = f32x4.sub(t, kc(3));
  const ni = i32x4.sub(t, kc(3));
  // r = x - n·ln2 in two parts (Cody–Waite), |r| <= ln2/2.
  let r = fnmadd(n, kc(4), x);
  r = fnmadd(n, kc(5), r);
  let p = kc(6);
  p = fmadd(p, r, kc(7));
  p = fmadd(p, r, kc(8));
  p = fmadd(p, r, kc(9));
  const y = f32x4.add(fmadd(f32x4.mul(r, r), p, r), kc(10));
  // y in [0.7, 1.42] and n in [-125, 125]: y·2^n is normal, so adding n to the exponent is exact.
  return i32x4.add(y, i32x4.shl(ni, 23));
}

/** e^x for any lanes (clamped range reduction, 2^n applied in two halves). */
function expWideV(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, kc(0)), kc(1));
  // Round x·log2(e) to an integer with the 1.5·2^23 trick: t's low mantissa bits hold n.
  const t = fmadd(xc, kc(2), kc(3));
  const n = f32x4.sub(t, kc(3));
  const ni = i32x4.sub(t, kc(3));
  // r = x - n·ln2 in two parts (Cody–Waite), |r| <= ln2/2.
  let r = fnmadd(n, kc(4), xc);
  r = fnmadd(n, kc(5), r);
  // e^r = 1 + r + r²·P(r), P fitted for minimax relative error (1.6e-7 evaluated in float32).
  let p = kc(6);
  p = fmadd(p, r, kc(7));
  p = fmadd(p, r, kc(8));
  p = fmadd(p, r, kc(9));
  const y = f32x4.add(fmadd(f32x4.mul(r, r), p, r), kc(10));
  // 2^n as two halves so that every n in [-150, 129] is representable (or overflows to Inf).
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, kc(50)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, kc(50)), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** Natural log for four lanes: log(0) = -Inf, log(x<0) = NaN, log(+Inf) = +Inf. */
@inline export function logV(x: v128): v128 {
  // Scale subnormals into the normal range first.
  const sub = f32x4.lt(x, kc(11));
  const xs = v128.bitselect(f32x4.mul(x, kc(12)), x, sub);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), kc(50));
  e = i32x4.sub(e, v128.and(sub, kc(51)));
  let m = v128.or(v128.and(xs, kc(52)), kc(10));
  const big = f32x4.gt(m, kc(13));
  m = v128.bitselect(f32x4.mul(m, kc(14)), m, big);
  e = i32x4.sub(e, big); // big lanes are -1
  const f = f32x4.sub(m, kc(10));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = kc(15);
  p = fmadd(p, f, kc(16));
  p = fmadd(p, f, kc(17));
  p = fmadd(p, f, kc(18));
  p = fmadd(p, f, kc(19));
  p = fmadd(p, f, kc(20));
  p = fmadd(p, f, kc(21));
  p = fmadd(p, f, kc(22));
  p = fmadd(p, f, kc(23));
  let y = f32x4.mul(f32x4.mul(f, z), p);
  y = fmadd(ef, kc(5), y);
  y = fnmadd(z, kc(14), y);
  let r = f32x4.add(f, y);
  r = fmadd(ef, kc(4), r);
  // Special values.
  r = v128.bitselect(kc(24), r, f32x4.eq(x, f32x4.splat(0)));
  r = v128.bitselect(kc(25), r, f32x4.lt(x, f32x4.splat(0)));
  r = v128.bitselect(x, r, f32x4.eq(x, kc(26)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

/**
 * Hyperbolic tangent for four lanes: a 13/6 rational approximation on [-7.9053, 7.9053] (the
 * coefficients Eigen uses; 3.7e-7 relative error in float32), ±(1 − 2.4e-7) up to |x| = 9 and ±1 beyond.
 */
@inline export function tanhV(x: v128): v128 {
  const xc = f32x4.pmin(f32x4.pmax(x, kc(27)), kc(28));
  const x2 = f32x4.mul(xc, xc);
  let p = kc(29);
  p = fmadd(p, x2, kc(30));
  p = fmadd(p, x2, kc(31));
  p = fmadd(p, x2, kc(32));
  p = fmadd(p, x2, kc(33));
  p = fmadd(p, x2, kc(34));
  p = fmadd(p, x2, kc(35));
  p = f32x4.mul(p, xc);
  let q = kc(36);
  q = fmadd(q, x2, kc(37));
  q = fmadd(q, x2, kc(38));
  q = fmadd(q, x2, kc(39));
  // Beyond |x| = 9 float32 tanh is exactly ±1 (the clamped rational function gives 1 − 2.4e-7,
  // which 1 + tanh(x) in GELU's tail would turn into a visible error).
  const one = v128.or(kc(10), v128.and(x, kc(53)));
  return v128.bitselect(one, f32x4.div(p, q), f32x4.gt(f32x4.abs(x), kc(62)));
}

/** Logistic sigmoid 1 / (1 + e^-x) for four lanes. */
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(kc(10), f32x4.add(kc(10), expV(f32x4.neg(x))));
}

/** Error function for four lanes: Taylor series below 0.5, Abramowitz–Stegun 7.1.26 above. */
@inline export function erfV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  // 2/sqrt(pi) * (x - x^3/3 + x^5/10 - x^7/42 + x^9/216 - x^11/1320 + x^13/9360)
  let p = kc(54);
  p = f32x4.sub(f32x4.mul(p, z), kc(55));
  p = fmadd(p, z, kc(56));
  p = f32x4.sub(f32x4.mul(p, z), kc(57));
  p = fmadd(p, z, kc(58));
  p = f32x4.sub(f32x4.mul(p, z), kc(59));
  p = fmadd(p, z, kc(10));
  const small = f32x4.mul(f32x4.mul(p, x), kc(40));
  const t = f32x4.div(kc(10), fmadd(ax, kc(41), kc(10)));
  let q = kc(42);
  q = fmadd(q, t, kc(43));
  q = fmadd(q, t, kc(44));
  q = fmadd(q, t, kc(45));
  q = fmadd(q, t, kc(46));
  q = f32x4.mul(q, t);
  const l = f32x4.sub(kc(10), f32x4.mul(q, expV(f32x4.neg(z))));
  const large = v128.or(l, v128.and(x, kc(53)));
  const r = v128.bitselect(small, large, f32x4.lt(ax, kc(14)));
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

/** GELU with the exact erf form. */
@inline export function geluV(x: v128): v128 {
  const e = erfV(f32x4.mul(x, kc(47)));
  return f32x4.mul(f32x4.mul(x, kc(14)), f32x4.add(kc(10), e));
}

/** GELU with the tanh approximation. */
@inline export function geluTanhV(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const inner = f32x4.mul(kc(48), fmadd(x3, kc(49), x));
  return f32x4.mul(f32x4.mul(x, kc(14)), f32x4.add(kc(10), tanhV(inner)));
}
