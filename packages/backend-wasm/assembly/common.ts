// Shared helpers for the kernels: element kinds, strided vector loads and stores, row offsets.
// Element kinds: 0 = f32, 1 = i32, 2 = u8 (bool).

export const K_F32: i32 = 0;
export const K_I32: i32 = 1;
export const K_U8: i32 = 2;

/** Bytes per element of a kind. */
@inline export function esize(kind: i32): usize {
  return kind == K_U8 ? 1 : 4;
}

/**
 * Element offset of row `r` of an N-d walk: the rows are all but the last of the `rank` dims whose
 * sizes start at `shape`; `strides` holds one operand's strides (elements, i32 each).
 */
@inline export function rowOffset(r: i32, rank: i32, shape: usize, strides: usize): i32 {
  let off = 0;
  for (let d = rank - 2; d >= 0; d--) {
    const s = load<i32>(shape + (<usize>d << 2));
    const q = r / s;
    off += (r - q * s) * load<i32>(strides + (<usize>d << 2));
    r = q;
  }
  return off;
}

/** Four f32 at stride `s` (elements) from `p`. */
@inline export function gatherF(p: usize, s: i32): v128 {
  const b = <usize>(s << 2);
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + b));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * b));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * b));
}

/** Loads four f32 at stride `s` (1: one vector load, 0: a splat). */
@inline export function loadF(p: usize, s: i32): v128 {
  if (s == 1) return v128.load(p);
  if (s == 0) return v128.load32_splat(p);
  return gatherF(p, s);
}

/** Loads `c` (< 4) f32 at stride `s`, the other lanes zero. */
export function loadPartialF(p: usize, s: i32, c: i32): v128 {
  const b = <usize>(s << 2);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (c > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + b));
  if (c > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * b));
  return v;
}

/** Loads four i32 (kind I32) or four u8 widened to i32 (kind U8) at stride `s`. */
@inline export function loadI(kind: i32, p: usize, s: i32): v128 {
  if (kind == K_U8) {
    if (s == 1) return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
    if (s == 0) return i32x4.splat(<i32>load<u8>(p));
    const b = <usize>s;
    let v = i32x4.splat(<i32>load<u8>(p));
    v = i32x4.replace_lane(v, 1, <i32>load<u8>(p + b));
    v = i32x4.replace_lane(v, 2, <i32>load<u8>(p + 2 * b));
    return i32x4.replace_lane(v, 3, <i32>load<u8>(p + 3 * b));
  }
  if (s == 1) return v128.load(p);
  if (s == 0) return v128.load32_splat(p);
  const b = <usize>(s << 2);
  let v = i32x4.splat(load<i32>(p));
  v = i32x4.replace_lane(v, 1, load<i32>(p + b));
  v = i32x4.replace_lane(v, 2, load<i32>(p + 2 * b));
  return i32x4.replace_lane(v, 3, load<i32>(p + 3 * b));
}

/** Loads `c` (< 4) ints of `kind` at stride `s`, the other lanes zero. */
export function loadPartialI(kind: i32, p: usize, s: i32, c: i32): v128 {
  let v = i32x4.splat(0);
  if (kind == K_U8) {
    const b = <usize>s;
    v = i32x4.replace_lane(v, 0, <i32>load<u8>(p));
    if (c > 1) v = i32x4.replace_lane(v, 1, <i32>load<u8>(p + b));
    if (c > 2) v = i32x4.replace_lane(v, 2, <i32>load<u8>(p + 2 * b));
    return v;
  }
  const b = <usize>(s << 2);
  v = i32x4.replace_lane(v, 0, load<i32>(p));
  if (c > 1) v = i32x4.replace_lane(v, 1, load<i32>(p + b));
  if (c > 2) v = i32x4.replace_lane(v, 2, load<i32>(p + 2 * b));
  return v;
}

/** Packs the truth (nonzero) of four i32 lanes into four bytes (0 or 1) at `p`. */
@inline export function storeBool4(p: usize, v: v128): void {
  const t = v128.and(i32x4.ne(v, i32x4.splat(0)), i32x4.splat(1));
  const n = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(t, t), i16x8.narrow_i32x4_u(t, t));
  v128.store32_lane(p, n, 0);
}

/**
 * Stores a float-domain vector to element `i` of a contiguous output of `outKind`:
 * F32 as is, I32 truncated toward zero, U8 as the truth of the lanes' bits (a mask).
 */
@inline export function storeFromF(outKind: i32, out: usize, i: i32, v: v128): void {
  if (outKind == K_F32) v128.store(out + (<usize>i << 2), v);
  else if (outKind == K_I32) v128.store(out + (<usize>i << 2), i32x4.trunc_sat_f32x4_s(v));
  else storeBool4(out + <usize>i, v);
}

/** Stores an int-domain vector: I32 as is, F32 converted, U8 as truth. */
@inline export function storeFromI(outKind: i32, out: usize, i: i32, v: v128): void {
  if (outKind == K_I32) v128.store(out + (<usize>i << 2), v);
  else if (outKind == K_F32) v128.store(out + (<usize>i << 2), f32x4.convert_i32x4_s(v));
  else storeBool4(out + <usize>i, v);
}

/** Stores the first `c` (< 4) lanes of a float-domain vector. */
export function storePartialFromF(outKind: i32, out: usize, i: i32, v: v128, c: i32): void {
  if (outKind == K_F32) {
    const p = out + (<usize>i << 2);
    store<f32>(p, f32x4.extract_lane(v, 0));
    if (c > 1) store<f32>(p + 4, f32x4.extract_lane(v, 1));
    if (c > 2) store<f32>(p + 8, f32x4.extract_lane(v, 2));
  } else if (outKind == K_I32) {
    storePartialFromI(K_I32, out, i, i32x4.trunc_sat_f32x4_s(v), c);
  } else {
    storePartialFromI(K_U8, out, i, v, c);
  }
}

/** Stores the first `c` (< 4) lanes of an int-domain vector. */
export function storePartialFromI(outKind: i32, out: usize, i: i32, v: v128, c: i32): void {
  if (outKind == K_F32) {
    storePartialFromF(K_F32, out, i, f32x4.convert_i32x4_s(v), c);
  } else if (outKind == K_I32) {
    const p = out + (<usize>i << 2);
    store<i32>(p, i32x4.extract_lane(v, 0));
    if (c > 1) store<i32>(p + 4, i32x4.extract_lane(v, 1));
    if (c > 2) store<i32>(p + 8, i32x4.extract_lane(v, 2));
  } else {
    const p = out + <usize>i;
    store<u8>(p, i32x4.extract_lane(v, 0) != 0 ? 1 : 0);
    if (c > 1) store<u8>(p + 1, i32x4.extract_lane(v, 1) != 0 ? 1 : 0);
    if (c > 2) store<u8>(p + 2, i32x4.extract_lane(v, 2) != 0 ? 1 : 0);
  }
}
