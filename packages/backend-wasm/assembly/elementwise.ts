// Elementwise kernels: unary, binary, where, cast, copy, fill, arange.
// Every N-d kernel walks "rows": all dims but the last index a row, the last dim is walked inside
// with each operand's own stride, so contiguous, broadcast (stride 0) and strided rows all run
// through the same f32x4 / i32x4 code. `p` points at i32 params: shape[rank], then each input's
// strides[rank] (elements). Outputs are contiguous. [r0, r1) is the row range (for threads).

import {
  K_F32,
  K_I32,
  K_U8,
  esize,
  gatherF,
  loadI,
  loadPartialF,
  loadPartialI,
  rowOffset,
  storeFromF,
  storeFromI,
  storePartialFromF,
  storePartialFromI,
} from './common';
import { erfV, expV, geluTanhV, geluV, logV, sigmoidV, tanhV } from './simd-math';

// Unary op codes (keep in sync with src/internal/op-codes.ts).
export const U_NEG: i32 = 0;
export const U_ABS: i32 = 1;
export const U_SIGN: i32 = 2;
export const U_SQUARE: i32 = 3;
export const U_EXP: i32 = 4;
export const U_EXPM1: i32 = 5;
export const U_LOG: i32 = 6;
export const U_LOG1P: i32 = 7;
export const U_SQRT: i32 = 8;
export const U_RSQRT: i32 = 9;
export const U_RECIPROCAL: i32 = 10;
export const U_SIN: i32 = 11;
export const U_COS: i32 = 12;
export const U_TAN: i32 = 13;
export const U_ASIN: i32 = 14;
export const U_ACOS: i32 = 15;
export const U_ATAN: i32 = 16;
export const U_SINH: i32 = 17;
export const U_COSH: i32 = 18;
export const U_TANH: i32 = 19;
export const U_SIGMOID: i32 = 20;
export const U_RELU: i32 = 21;
export const U_ERF: i32 = 22;
export const U_FLOOR: i32 = 23;
export const U_CEIL: i32 = 24;
export const U_ROUND: i32 = 25;
export const U_TRUNC: i32 = 26;
export const U_LOGICAL_NOT: i32 = 27;
export const U_ISNAN: i32 = 28;
export const U_ISINF: i32 = 29;
export const U_ISFINITE: i32 = 30;
export const U_IDENTITY: i32 = 31;
export const U_NONZERO: i32 = 32;
export const U_GELU: i32 = 33;
export const U_GELU_TANH: i32 = 34;

// Binary op codes.
export const B_ADD: i32 = 0;
export const B_SUB: i32 = 1;
export const B_MUL: i32 = 2;
export const B_DIV: i32 = 3;
export const B_POW: i32 = 4;
export const B_MAX: i32 = 5;
export const B_MIN: i32 = 6;
export const B_ATAN2: i32 = 7;
export const B_FMOD: i32 = 8;
export const B_REMAINDER: i32 = 9;
export const B_EQ: i32 = 10;
export const B_NE: i32 = 11;
export const B_LT: i32 = 12;
export const B_LE: i32 = 13;
export const B_GT: i32 = 14;
export const B_GE: i32 = 15;
export const B_AND: i32 = 16;
export const B_OR: i32 = 17;
export const B_XOR: i32 = 18;

function scalarUF(op: i32, x: f32): f32 {
  switch (op) {
    case U_EXPM1:
      return Mathf.expm1(x);
    case U_LOG1P:
      return Mathf.log1p(x);
    case U_SIN:
      return Mathf.sin(x);
    case U_COS:
      return Mathf.cos(x);
    case U_TAN:
      return Mathf.tan(x);
    case U_ASIN:
      return Mathf.asin(x);
    case U_ACOS:
      return Mathf.acos(x);
    case U_ATAN:
      return Mathf.atan(x);
    case U_SINH:
      return Mathf.sinh(x);
    case U_COSH:
      return Mathf.cosh(x);
    default:
      return NaN;
  }
}

function lanesUF(op: i32, v: v128): v128 {
  let r = f32x4.splat(scalarUF(op, f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, scalarUF(op, f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, scalarUF(op, f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, scalarUF(op, f32x4.extract_lane(v, 3)));
}

/** One unary op on four f32 lanes. Bool-valued ops return a lane mask. */
function applyUF(op: i32, x: v128): v128 {
  if (op == U_NEG) {
    return f32x4.neg(x);
  }
  if (op == U_ABS) {
    return f32x4.abs(x);
  }
  if (op == U_SIGN) {
    const one = f32x4.splat(1.0);
    const pos = v128.and(f32x4.gt(x, f32x4.splat(0)), one);
    const neg = v128.and(f32x4.lt(x, f32x4.splat(0)), one);
    const s = f32x4.sub(pos, neg);
    return v128.bitselect(x, s, f32x4.ne(x, x));
  }
  if (op == U_SQUARE) {
    return f32x4.mul(x, x);
  }
  if (op == U_EXP) {
    return expV(x);
  }
  if (op == U_LOG) {
    return logV(x);
  }
  if (op == U_SQRT) {
    return f32x4.sqrt(x);
  }
  if (op == U_RSQRT) {
    return f32x4.div(f32x4.splat(1.0), f32x4.sqrt(x));
  }
  if (op == U_RECIPROCAL) {
    return f32x4.div(f32x4.splat(1.0), x);
  }
  if (op == U_TANH) {
    return tanhV(x);
  }
  if (op == U_SIGMOID) {
    return sigmoidV(x);
  }
  if (op == U_RELU) {
    return v128.bitselect(x, f32x4.max(x, f32x4.splat(0)), f32x4.ne(x, x));
  }
  if (op == U_ERF) {
    return erfV(x);
  }
  if (op == U_FLOOR) {
    return f32x4.floor(x);
  }
  if (op == U_CEIL) {
    return f32x4.ceil(x);
  }
  if (op == U_ROUND) {
    return f32x4.nearest(x);
  }
  if (op == U_TRUNC) {
    return f32x4.trunc(x);
  }
  if (op == U_LOGICAL_NOT) {
    return f32x4.eq(x, f32x4.splat(0));
  }
  if (op == U_ISNAN) {
    return f32x4.ne(x, x);
  }
  if (op == U_ISINF) {
    return f32x4.eq(f32x4.abs(x), f32x4.splat(Infinity));
  }
  if (op == U_ISFINITE) {
    return f32x4.lt(f32x4.abs(x), f32x4.splat(Infinity));
  }
  if (op == U_IDENTITY) {
    return x;
  }
  if (op == U_NONZERO) {
    return f32x4.ne(x, f32x4.splat(0));
  }
  if (op == U_GELU) {
    return geluV(x);
  }
  if (op == U_GELU_TANH) {
    return geluTanhV(x);
  }
  return lanesUF(op, x);
}

/** One unary op on four i32 lanes (int32 or bool inputs). Bool-valued ops return a lane mask. */
@inline function applyUI(op: i32, x: v128): v128 {
  if (op == U_NEG) {
    return i32x4.neg(x);
  }
  if (op == U_ABS) {
    return i32x4.abs(x);
  }
  if (op == U_SIGN) {
    return i32x4.sub(i32x4.neg(i32x4.gt_s(x, i32x4.splat(0))), i32x4.neg(i32x4.lt_s(x, i32x4.splat(0))));
  }
  if (op == U_SQUARE) {
    return i32x4.mul(x, x);
  }
  if (op == U_RELU) {
    return i32x4.max_s(x, i32x4.splat(0));
  }
  if (op == U_LOGICAL_NOT) {
    return i32x4.eq(x, i32x4.splat(0));
  }
  if (op == U_ISNAN || op == U_ISINF) {
    return i32x4.splat(0);
  }
  if (op == U_ISFINITE) {
    return i32x4.splat(-1);
  }
  if (op == U_NONZERO) {
    return i32x4.ne(x, i32x4.splat(0));
  }
  // floor, ceil, round, trunc, identity: integers are unchanged.
  return x;
}


// Compile-time specialisation. Kernels are generic over marker classes; `idof<T>()` comparisons
// are constants, so the compiler keeps only the taken branch and every hot (op, stride, output)
// combination gets a loop of its own. (A constant argument of an @inline function is not enough:
// the optimiser folds such copies back into one loop with a runtime switch.)
class Dyn {}
class MExp {}
class MLog {}
class MTanh {}
class MSigmoid {}
class MErf {}
class MRelu {}
class MNeg {}
class MAbs {}
class MSqrt {}
class MSquare {}
class MRecip {}
class MId {}
class MGelu {}
class MAdd {}
class MSub {}
class MMul {}
class MDiv {}
class MMax {}
class MMin {}
/** Stride markers: unit stride, broadcast (0), any. */
class S1 {}
class S0 {}
/** Output marker: contiguous float32. */
class OF32 {}

@inline function uT<T>(op: i32, x: v128): v128 {
  if (idof<T>() == idof<MExp>()) return expV(x);
  if (idof<T>() == idof<MLog>()) return logV(x);
  if (idof<T>() == idof<MTanh>()) return tanhV(x);
  if (idof<T>() == idof<MSigmoid>()) return sigmoidV(x);
  if (idof<T>() == idof<MErf>()) return erfV(x);
  if (idof<T>() == idof<MRelu>()) return v128.bitselect(x, f32x4.max(x, f32x4.splat(0)), f32x4.ne(x, x));
  if (idof<T>() == idof<MNeg>()) return f32x4.neg(x);
  if (idof<T>() == idof<MAbs>()) return f32x4.abs(x);
  if (idof<T>() == idof<MSqrt>()) return f32x4.sqrt(x);
  if (idof<T>() == idof<MSquare>()) return f32x4.mul(x, x);
  if (idof<T>() == idof<MRecip>()) return f32x4.div(f32x4.splat(1.0), x);
  if (idof<T>() == idof<MId>()) return x;
  if (idof<T>() == idof<MGelu>()) return geluV(x);
  return applyUF(op, x);
}

@inline function bT<T>(op: i32, a: v128, b: v128): v128 {
  if (idof<T>() == idof<MAdd>()) return f32x4.add(a, b);
  if (idof<T>() == idof<MSub>()) return f32x4.sub(a, b);
  if (idof<T>() == idof<MMul>()) return f32x4.mul(a, b);
  if (idof<T>() == idof<MDiv>()) return f32x4.div(a, b);
  if (idof<T>() == idof<MMax>()) return f32x4.max(a, b);
  if (idof<T>() == idof<MMin>()) return f32x4.min(a, b);
  return applyBF(op, a, b);
}

/** Four f32 at stride s, specialised on the stride marker. */
@inline function ldT<S>(p: usize, s: i32): v128 {
  if (idof<S>() == idof<S1>()) return v128.load(p);
  if (idof<S>() == idof<S0>()) return v128.load32_splat(p);
  return gatherF(p, s);
}

@inline function stT<O>(outKind: i32, out: usize, i: i32, v: v128): void {
  if (idof<O>() == idof<OF32>()) v128.store(out + (<usize>i << 2), v);
  else storeFromF(outKind, out, i, v);
}

@inline function rowUF<T, S, O>(op: i32, outKind: i32, x: usize, sx: i32, out: usize, n: i32): void {
  let i = 0;
  if (idof<S>() == idof<S0>()) {
    const v = uT<T>(op, v128.load32_splat(x));
    for (; i + 4 <= n; i += 4) stT<O>(outKind, out, i, v);
  } else {
    // Two vectors per step: their (long, independent) dependency chains overlap.
    for (; i + 8 <= n; i += 8) {
      const a = uT<T>(op, ldT<S>(x + <usize>(i * sx) * 4, sx));
      const b = uT<T>(op, ldT<S>(x + <usize>((i + 4) * sx) * 4, sx));
      stT<O>(outKind, out, i, a);
      stT<O>(outKind, out, i + 4, b);
    }
    for (; i + 4 <= n; i += 4) stT<O>(outKind, out, i, uT<T>(op, ldT<S>(x + <usize>(i * sx) * 4, sx)));
  }
  if (i < n) {
    const v = uT<T>(op, loadPartialF(x + <usize>(i * sx) * 4, sx, n - i));
    storePartialFromF(outKind, out, i, v, n - i);
  }
}

function walkUF<T, O>(op: i32, outKind: i32, rank: i32, p: usize, x: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const xs = p + (<usize>rank << 2);
  const sx = load<i32>(xs + (<usize>(rank - 1) << 2));
  const oe = esize(outKind);
  for (let r = r0; r < r1; r++) {
    const xp = x + (<usize>rowOffset(r, rank, p, xs) << 2);
    const op_ = out + <usize>r * <usize>n * oe;
    if (sx == 1) rowUF<T, S1, O>(op, outKind, xp, 1, op_, n);
    else if (sx == 0) rowUF<T, S0, O>(op, outKind, xp, 0, op_, n);
    else rowUF<T, Dyn, O>(op, outKind, xp, sx, op_, n);
  }
}

/**
 * Unary op on a float32 input: `out` (contiguous, kind `outKind`) = op(x).
 */
export function unaryF(op: i32, outKind: i32, rank: i32, p: usize, x: usize, out: usize, r0: i32, r1: i32): void {
  if (outKind != K_F32) {
    walkUF<Dyn, Dyn>(op, outKind, rank, p, x, out, r0, r1);
    return;
  }
  switch (op) {
    case U_EXP:
      walkUF<MExp, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_LOG:
      walkUF<MLog, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_TANH:
      walkUF<MTanh, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_SIGMOID:
      walkUF<MSigmoid, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_ERF:
      walkUF<MErf, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_RELU:
      walkUF<MRelu, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_NEG:
      walkUF<MNeg, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_ABS:
      walkUF<MAbs, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_SQRT:
      walkUF<MSqrt, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_SQUARE:
      walkUF<MSquare, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_RECIPROCAL:
      walkUF<MRecip, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_IDENTITY:
      walkUF<MId, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    case U_GELU:
      walkUF<MGelu, OF32>(op, K_F32, rank, p, x, out, r0, r1);
      break;
    default:
      walkUF<Dyn, OF32>(op, K_F32, rank, p, x, out, r0, r1);
  }
}

/** Unary op on an int32 (`inKind` 1) or bool (`inKind` 2) input. */
export function unaryI(op: i32, inKind: i32, outKind: i32, rank: i32, p: usize, x: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const xs = p + (<usize>rank << 2);
  const sx = load<i32>(xs + (<usize>(rank - 1) << 2));
  const ie = esize(inKind);
  const oe = esize(outKind);
  for (let r = r0; r < r1; r++) {
    const xp = x + <usize>rowOffset(r, rank, p, xs) * ie;
    const op_ = out + <usize>r * <usize>n * oe;
    let i = 0;
    for (; i + 4 <= n; i += 4) storeFromI(outKind, op_, i, applyUI(op, loadI(inKind, xp + <usize>(i * sx) * ie, sx)));
    if (i < n) {
      const v = applyUI(op, loadPartialI(inKind, xp + <usize>(i * sx) * ie, sx, n - i));
      storePartialFromI(outKind, op_, i, v, n - i);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Binary

function lanesBF(op: i32, a: v128, b: v128): v128 {
  let r = f32x4.splat(scalarBF(op, f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)));
  r = f32x4.replace_lane(r, 1, scalarBF(op, f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)));
  r = f32x4.replace_lane(r, 2, scalarBF(op, f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)));
  return f32x4.replace_lane(r, 3, scalarBF(op, f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
}

function scalarBF(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case B_POW:
      return <f32>Math.pow(<f64>a, <f64>b);
    case B_ATAN2:
      return Mathf.atan2(a, b);
    case B_FMOD:
      return a % b;
    case B_REMAINDER: {
      let r = a % b;
      if (r != 0 && r < 0 != b < 0) r += b;
      return r;
    }
    default:
      return NaN;
  }
}

function applyBF(op: i32, a: v128, b: v128): v128 {
  if (op == B_ADD) {
    return f32x4.add(a, b);
  }
  if (op == B_SUB) {
    return f32x4.sub(a, b);
  }
  if (op == B_MUL) {
    return f32x4.mul(a, b);
  }
  if (op == B_DIV) {
    return f32x4.div(a, b);
  }
  if (op == B_MAX) {
    return f32x4.max(a, b);
  }
  if (op == B_MIN) {
    return f32x4.min(a, b);
  }
  if (op == B_EQ) {
    return f32x4.eq(a, b);
  }
  if (op == B_NE) {
    return f32x4.ne(a, b);
  }
  if (op == B_LT) {
    return f32x4.lt(a, b);
  }
  if (op == B_LE) {
    return f32x4.le(a, b);
  }
  if (op == B_GT) {
    return f32x4.gt(a, b);
  }
  if (op == B_GE) {
    return f32x4.ge(a, b);
  }
  if (op == B_AND) {
    return v128.and(f32x4.ne(a, f32x4.splat(0)), f32x4.ne(b, f32x4.splat(0)));
  }
  if (op == B_OR) {
    return v128.or(f32x4.ne(a, f32x4.splat(0)), f32x4.ne(b, f32x4.splat(0)));
  }
  if (op == B_XOR) {
    return v128.xor(f32x4.ne(a, f32x4.splat(0)), f32x4.ne(b, f32x4.splat(0)));
  }
  return lanesBF(op, a, b);
}

function scalarBI(op: i32, a: i32, b: i32): i32 {
  switch (op) {
    case B_DIV:
      return b == 0 ? 0 : a == i32.MIN_VALUE && b == -1 ? a : a / b;
    case B_POW: {
      if (b < 0) return a == 1 ? 1 : a == -1 ? (b & 1 ? -1 : 1) : 0;
      let r = 1;
      let base = a;
      let e = b;
      while (e > 0) {
        if (e & 1) r *= base;
        base *= base;
        e >>= 1;
      }
      return r;
    }
    case B_ATAN2:
      return <i32>Math.atan2(<f64>a, <f64>b);
    case B_FMOD:
      return b == 0 || b == -1 ? 0 : a % b;
    case B_REMAINDER: {
      if (b == 0 || b == -1) return 0;
      let r = a % b;
      if (r != 0 && r < 0 != b < 0) r += b;
      return r;
    }
    default:
      return 0;
  }
}

function lanesBI(op: i32, a: v128, b: v128): v128 {
  let r = i32x4.splat(scalarBI(op, i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)));
  r = i32x4.replace_lane(r, 1, scalarBI(op, i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)));
  r = i32x4.replace_lane(r, 2, scalarBI(op, i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)));
  return i32x4.replace_lane(r, 3, scalarBI(op, i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)));
}

@inline function applyBI(op: i32, a: v128, b: v128): v128 {
  if (op == B_ADD) {
    return i32x4.add(a, b);
  }
  if (op == B_SUB) {
    return i32x4.sub(a, b);
  }
  if (op == B_MUL) {
    return i32x4.mul(a, b);
  }
  if (op == B_MAX) {
    return i32x4.max_s(a, b);
  }
  if (op == B_MIN) {
    return i32x4.min_s(a, b);
  }
  if (op == B_EQ) {
    return i32x4.eq(a, b);
  }
  if (op == B_NE) {
    return i32x4.ne(a, b);
  }
  if (op == B_LT) {
    return i32x4.lt_s(a, b);
  }
  if (op == B_LE) {
    return i32x4.le_s(a, b);
  }
  if (op == B_GT) {
    return i32x4.gt_s(a, b);
  }
  if (op == B_GE) {
    return i32x4.ge_s(a, b);
  }
  if (op == B_AND) {
    return v128.and(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)));
  }
  if (op == B_OR) {
    return v128.or(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)));
  }
  if (op == B_XOR) {
    return v128.xor(i32x4.ne(a, i32x4.splat(0)), i32x4.ne(b, i32x4.splat(0)));
  }
  return lanesBI(op, a, b);
}

@inline function rowBF<T, SA, SB, O>(op: i32, outKind: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const va = ldT<SA>(a + <usize>(i * sa) * 4, sa);
    const vb = ldT<SB>(b + <usize>(i * sb) * 4, sb);
    stT<O>(outKind, out, i, bT<T>(op, va, vb));
  }
  if (i < n) {
    const va = loadPartialF(a + <usize>(i * sa) * 4, sa, n - i);
    const vb = loadPartialF(b + <usize>(i * sb) * 4, sb, n - i);
    storePartialFromF(outKind, out, i, bT<T>(op, va, vb), n - i);
  }
}

function walkBF<T, O>(op: i32, outKind: i32, rank: i32, p: usize, a: usize, b: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const as = p + (<usize>rank << 2);
  const bs = p + (<usize>(2 * rank) << 2);
  const sa = load<i32>(as + (<usize>(rank - 1) << 2));
  const sb = load<i32>(bs + (<usize>(rank - 1) << 2));
  const oe = esize(outKind);
  for (let r = r0; r < r1; r++) {
    const ap = a + (<usize>rowOffset(r, rank, p, as) << 2);
    const bp = b + (<usize>rowOffset(r, rank, p, bs) << 2);
    const o = out + <usize>r * <usize>n * oe;
    if (sa == 1 && sb == 1) rowBF<T, S1, S1, O>(op, outKind, ap, 1, bp, 1, o, n);
    else if (sa == 1 && sb == 0) rowBF<T, S1, S0, O>(op, outKind, ap, 1, bp, 0, o, n);
    else if (sa == 0 && sb == 1) rowBF<T, S0, S1, O>(op, outKind, ap, 0, bp, 1, o, n);
    else rowBF<T, Dyn, Dyn, O>(op, outKind, ap, sa, bp, sb, o, n);
  }
}

/** Binary op on float32 inputs; p: shape, a strides, b strides. */
export function binaryF(op: i32, outKind: i32, rank: i32, p: usize, a: usize, b: usize, out: usize, r0: i32, r1: i32): void {
  if (outKind != K_F32) {
    walkBF<Dyn, Dyn>(op, outKind, rank, p, a, b, out, r0, r1);
    return;
  }
  switch (op) {
    case B_ADD:
      walkBF<MAdd, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
      break;
    case B_SUB:
      walkBF<MSub, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
      break;
    case B_MUL:
      walkBF<MMul, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
      break;
    case B_DIV:
      walkBF<MDiv, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
      break;
    case B_MAX:
      walkBF<MMax, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
      break;
    case B_MIN:
      walkBF<MMin, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
      break;
    default:
      walkBF<Dyn, OF32>(op, K_F32, rank, p, a, b, out, r0, r1);
  }
}

/** Binary op on int32 or bool inputs (`inKind`), writing `outKind`. */
export function binaryI(op: i32, inKind: i32, outKind: i32, rank: i32, p: usize, a: usize, b: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const as = p + (<usize>rank << 2);
  const bs = p + (<usize>(2 * rank) << 2);
  const sa = load<i32>(as + (<usize>(rank - 1) << 2));
  const sb = load<i32>(bs + (<usize>(rank - 1) << 2));
  const ie = esize(inKind);
  const oe = esize(outKind);
  for (let r = r0; r < r1; r++) {
    const ap = a + <usize>rowOffset(r, rank, p, as) * ie;
    const bp = b + <usize>rowOffset(r, rank, p, bs) * ie;
    const o = out + <usize>r * <usize>n * oe;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const va = loadI(inKind, ap + <usize>(i * sa) * ie, sa);
      const vb = loadI(inKind, bp + <usize>(i * sb) * ie, sb);
      storeFromI(outKind, o, i, applyBI(op, va, vb));
    }
    if (i < n) {
      const va = loadPartialI(inKind, ap + <usize>(i * sa) * ie, sa, n - i);
      const vb = loadPartialI(inKind, bp + <usize>(i * sb) * ie, sb, n - i);
      storePartialFromI(outKind, o, i, applyBI(op, va, vb), n - i);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// where, copy, fill, arange

/** out = cond ? a : b; p: shape, cond strides, a strides, b strides; `ek` the element kind of a/b/out. */
export function whereK(ek: i32, rank: i32, p: usize, c: usize, a: usize, b: usize, out: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const cs = p + (<usize>rank << 2);
  const as = p + (<usize>(2 * rank) << 2);
  const bs = p + (<usize>(3 * rank) << 2);
  const sc = load<i32>(cs + (<usize>(rank - 1) << 2));
  const sa = load<i32>(as + (<usize>(rank - 1) << 2));
  const sb = load<i32>(bs + (<usize>(rank - 1) << 2));
  if (ek == K_U8) {
    for (let r = r0; r < r1; r++) {
      const cp = c + <usize>rowOffset(r, rank, p, cs);
      const ap = a + <usize>rowOffset(r, rank, p, as);
      const bp = b + <usize>rowOffset(r, rank, p, bs);
      const o = out + <usize>r * <usize>n;
      for (let i = 0; i < n; i++) {
        const v = load<u8>(cp + <usize>(i * sc)) != 0 ? load<u8>(ap + <usize>(i * sa)) : load<u8>(bp + <usize>(i * sb));
        store<u8>(o + <usize>i, v);
      }
    }
    return;
  }
  for (let r = r0; r < r1; r++) {
    const cp = c + <usize>rowOffset(r, rank, p, cs);
    const ap = a + (<usize>rowOffset(r, rank, p, as) << 2);
    const bp = b + (<usize>rowOffset(r, rank, p, bs) << 2);
    const o = out + ((<usize>r * <usize>n) << 2);
    let i = 0;
    if (sc == 1 && sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const m = i32x4.ne(loadI(K_U8, cp + <usize>i, 1), i32x4.splat(0));
        v128.store(o + (<usize>i << 2), v128.bitselect(v128.load(ap + (<usize>i << 2)), v128.load(bp + (<usize>i << 2)), m));
      }
    }
    for (; i < n; i++) {
      const v = load<u8>(cp + <usize>(i * sc)) != 0 ? load<i32>(ap + <usize>(i * sa) * 4) : load<i32>(bp + <usize>(i * sb) * 4);
      store<i32>(o + (<usize>i << 2), v);
    }
  }
}

/** Strided copy: p: shape, src strides, dst strides; elements of `es` bytes (1 or 4). */
export function copyK(es: i32, rank: i32, p: usize, src: usize, dst: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const ss = p + (<usize>rank << 2);
  const ds = p + (<usize>(2 * rank) << 2);
  const s1 = load<i32>(ss + (<usize>(rank - 1) << 2));
  const d1 = load<i32>(ds + (<usize>(rank - 1) << 2));
  const e = <usize>es;
  for (let r = r0; r < r1; r++) {
    const sp = src + <usize>rowOffset(r, rank, p, ss) * e;
    const dp = dst + <usize>rowOffset(r, rank, p, ds) * e;
    if (s1 == 1 && d1 == 1) {
      memory.copy(dp, sp, <usize>n * e);
    } else if (es == 4) {
      if (d1 == 1) {
        let i = 0;
        if (s1 == 0) {
          const v = v128.load32_splat(sp);
          for (; i + 4 <= n; i += 4) v128.store(dp + (<usize>i << 2), v);
        } else {
          for (; i + 4 <= n; i += 4) v128.store(dp + (<usize>i << 2), gatherF(sp + <usize>(i * s1) * 4, s1));
        }
        for (; i < n; i++) store<i32>(dp + (<usize>i << 2), load<i32>(sp + <usize>(i * s1) * 4));
      } else {
        for (let i = 0; i < n; i++) store<i32>(dp + <usize>(i * d1) * 4, load<i32>(sp + <usize>(i * s1) * 4));
      }
    } else {
      for (let i = 0; i < n; i++) store<u8>(dp + <usize>(i * d1), load<u8>(sp + <usize>(i * s1)));
    }
  }
}

/** Writes the `es`-byte pattern `bits` to every element of a strided view; p: shape, strides. */
export function fillK(es: i32, bits: i32, rank: i32, p: usize, dst: usize, r0: i32, r1: i32): void {
  const n = load<i32>(p + (<usize>(rank - 1) << 2));
  const ds = p + (<usize>rank << 2);
  const d1 = load<i32>(ds + (<usize>(rank - 1) << 2));
  const e = <usize>es;
  const v = i32x4.splat(bits);
  for (let r = r0; r < r1; r++) {
    const dp = dst + <usize>rowOffset(r, rank, p, ds) * e;
    if (es == 1) {
      if (d1 == 1) memory.fill(dp, <u8>bits, <usize>n);
      else for (let i = 0; i < n; i++) store<u8>(dp + <usize>(i * d1), <u8>bits);
    } else if (d1 == 1) {
      let i = 0;
      for (; i + 4 <= n; i += 4) v128.store(dp + (<usize>i << 2), v);
      for (; i < n; i++) store<i32>(dp + (<usize>i << 2), bits);
    } else {
      for (let i = 0; i < n; i++) store<i32>(dp + <usize>(i * d1) * 4, bits);
    }
  }
}

/** out[i] = start + i * step for a contiguous float32 output, computed in float64. */
export function arangeF(out: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(start + <f64>i * step));
}

/** out[i] = start + i * step for a contiguous int32 output. */
export function arangeI(out: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), <i32>(start + <f64>i * step));
}

/** out[i] = (start + i * step) != 0 for a contiguous bool output. */
export function arangeB(out: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) store<u8>(out + <usize>i, start + <f64>i * step != 0 ? 1 : 0);
}
