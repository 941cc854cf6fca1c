// Single-precision GEMM: C[m×n] (+)= A[m×k] · B[k×n] with arbitrary element strides on A and B
// (so transposed operands are packed, never copied) and a contiguous C with row stride ldc.
// BLIS-style blocking: B is packed into kc×8 strips, A into 4×kc strips, and a 4×8 register tile
// (eight f32x4 accumulators) runs over each pair. KC = 256, MC = 64, NC = 2048.

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 2048;

/**
 * The depth of the K blocks: K split into equal blocks of at most KC, so that no short last block
 * (k = 784: 4 × 196, not 3 × 256 + 16) pays the tile's fixed costs for little work.
 */
// @ts-ignore: decorator
@inline function kBlock(k: i32): i32 {
  const blocks = (k + KC - 1) / KC;
  return (k + blocks - 1) / blocks;
}

/** Bytes of packing scratch one gemm caller needs: A block, B panel and an edge tile. */
export function gemmScratchBytes(): i32 {
  return MC * KC * 4 + KC * NC * 4 + MR * NR * 4;
}

/** Packs rows [0, mc) × cols [0, kc) of A (strides rs, cs) into 4-row strips, zero-padded. */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, ap: usize): void {
  for (let s = 0; s < mc; s += MR) {
    const rows = min(MR, mc - s);
    const dst = ap + <usize>(s * kc) * 4;
    const r0 = a + <usize>(s * rs) * 4;
    if (rows == MR) {
      const r1 = r0 + <usize>rs * 4;
      const r2 = r1 + <usize>rs * 4;
      const r3 = r2 + <usize>rs * 4;
      if (cs == 1) {
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const o = <usize>p << 2;
          const v0 = v128.load(r0 + o);
          const v1 = v128.load(r1 + o);
          const v2 = v128.load(r2 + o);
          const v3 = v128.load(r3 + o);
          // 4×4 transpose.
          const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
          const d = dst + (<usize>p << 4);
          v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
          v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
          v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
          v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
        }
        for (; p < kc; p++) {
          const d = dst + (<usize>p << 4);
          const o = <usize>p << 2;
          store<f32>(d, load<f32>(r0 + o));
          store<f32>(d, load<f32>(r1 + o), 4);
          store<f32>(d, load<f32>(r2 + o), 8);
          store<f32>(d, load<f32>(r3 + o), 12);
        }
      } else if (rs == 1) {
        for (let p = 0; p < kc; p++) {
          const src = r0 + <usize>(p * cs) * 4;
          v128.store(dst + (<usize>p << 4), v128.load(src));
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const o = <usize>(p * cs) * 4;
          const d = dst + (<usize>p << 4);
          store<f32>(d, load<f32>(r0 + o));
          store<f32>(d, load<f32>(r1 + o), 4);
          store<f32>(d, load<f32>(r2 + o), 8);
          store<f32>(d, load<f32>(r3 + o), 12);
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + (<usize>p << 4);
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < rows ? load<f32>(r0 + <usize>(r * rs + p * cs) * 4) : 0;
          store<f32>(d + (<usize>r << 2), v);
        }
      }
    }
  }
}

/** Packs rows [0, kc) × cols [0, nc) of B (strides rs, cs) into 8-column strips, zero-padded. */
function packB(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, bp: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const dst = bp + <usize>(j * kc) * 4;
    const c0 = b + <usize>(j * cs) * 4;
    if (cols == NR && cs == 1) {
      for (let p = 0; p < kc; p++) {
        const src = c0 + <usize>(p * rs) * 4;
        const d = dst + (<usize>p << 5);
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
      }
    } else if (cols == NR) {
      for (let c = 0; c < NR; c++) {
        const src = c0 + <usize>(c * cs) * 4;
        const d = dst + (<usize>c << 2);
        for (let p = 0; p < kc; p++) store<f32>(d + (<usize>p << 5), load<f32>(src + <usize>(p * rs) * 4));
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = dst + (<usize>p << 5);
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < cols ? load<f32>(c0 + <usize>(p * rs + c * cs) * 4) : 0;
          store<f32>(d + (<usize>c << 2), v);
        }
      }
    }
  }
}

/**
 * a·b + c per lane: one fused multiply-add where the module is built with relaxed SIMD (the
 * `gemm-fma` variant), else a multiply and an add.
 */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** The 4×8 register tile: C (row stride ldc elements) (+)= Ap(4×kc) · Bp(kc×8). */
function kernel4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  // kc >= 1 always: a bottom-tested loop with a down-counter.
  const end = ap + (<usize>kc << 4);
  do {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  } while (ap < end);
  const ld = <usize>ldc << 2;
  const r1 = c + ld;
  const r2 = r1 + ld;
  const r3 = r2 + ld;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(r1));
    c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2));
    c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3));
    c31 = f32x4.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(r1, c10);
  v128.store(r1, c11, 16);
  v128.store(r2, c20);
  v128.store(r2, c21, 16);
  v128.store(r3, c30);
  v128.store(r3, c31, 16);
}

/**
 * Packs B for an implicit-GEMM convolution: B(q, j) = x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw]
 * with q = (c·kh + i)·kw + j over rows [p0, p0 + kc) and j = oh·Wo + ow over columns
 * [j0, j0 + nc) (0 outside the image), so no im2col buffer is written. `cp` holds i32
 * [sC, sH, sW, H, W, kh, kw, sh, sw, ph, pw, dh, dw, Wo].
 */
function packBConv(x: usize, cp: usize, p0: i32, kc: i32, j0: i32, nc: i32, bp: usize): void {
  const sC = load<i32>(cp);
  const sH = load<i32>(cp, 4);
  const sW = load<i32>(cp, 8);
  const H = load<i32>(cp, 12);
  const W = load<i32>(cp, 16);
  const kh = load<i32>(cp, 20);
  const kw = load<i32>(cp, 24);
  const sh = load<i32>(cp, 28);
  const sw = load<i32>(cp, 32);
  const ph = load<i32>(cp, 36);
  const pw = load<i32>(cp, 40);
  const dh = load<i32>(cp, 44);
  const dw = load<i32>(cp, 48);
  const Wo = load<i32>(cp, 52);
  for (let jj = 0; jj < nc; jj += NR) {
    const cols = min(NR, nc - jj);
    const j = j0 + jj;
    const oh = j / Wo;
    const ow = j - oh * Wo;
    const oneRow = cols == NR && ow + NR <= Wo;
    const dst = bp + <usize>(jj * kc) * 4;
    // (c, i, jk) of row p0, advanced incrementally.
    let kj = p0 % kw;
    let t = p0 / kw;
    let ki = t % kh;
    let c = t / kh;
    if (oneRow && ph == 0 && pw == 0 && sw == 1 && sW == 1) {
      // No padding (the host pads the image first), unit stride along W: every tap is inside the
      // image and the strip's 8 columns are 8 consecutive floats of one image row.
      const base = x + <usize>(oh * sh * sH + ow) * 4;
      let off = c * sC + ki * dh * sH + kj * dw;
      const stepRow = dh * sH - kw * dw;
      const stepChan = sC - kh * dh * sH;
      for (let p = 0; p < kc; p++) {
        const src = base + (<usize>off << 2);
        const d = dst + (<usize>p << 5);
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        off += dw;
        if (++kj == kw) {
          kj = 0;
          off += stepRow;
          if (++ki == kh) {
            ki = 0;
            off += stepChan;
          }
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      const d = dst + (<usize>p << 5);
      const xc = x + <usize>(c * sC) * 4;
      if (oneRow) {
        const h = oh * sh - ph + ki * dh;
        const w0 = ow * sw - pw + kj * dw;
        if (h < 0 || h >= H) {
          v128.store(d, i32x4.splat(0));
          v128.store(d, i32x4.splat(0), 16);
        } else if (sw == 1 && sW == 1 && w0 >= 0 && w0 + NR <= W) {
          const src = xc + <usize>(h * sH + w0) * 4;
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
        } else {
          const row = xc + <usize>(h * sH) * 4;
          for (let q = 0; q < NR; q++) {
            const w = w0 + q * sw;
            store<f32>(d + (<usize>q << 2), w >= 0 && w < W ? load<f32>(row + <usize>(w * sW) * 4) : 0);
          }
        }
      } else {
        let oh2 = oh;
        let ow2 = ow;
        for (let q = 0; q < NR; q++) {
          let v: f32 = 0;
          if (q < cols) {
            const h = oh2 * sh - ph + ki * dh;
            const w = ow2 * sw - pw + kj * dw;
            if (h >= 0 && h < H && w >= 0 && w < W) v = load<f32>(xc + <usize>(h * sH + w * sW) * 4);
            if (++ow2 == Wo) {
              ow2 = 0;
              oh2++;
            }
          }
          store<f32>(d + (<usize>q << 2), v);
        }
      }
      if (++kj == kw) {
        kj = 0;
        if (++ki == kh) {
          ki = 0;
          c++;
        }
      }
    }
  }
}

/**
 * C[m×n] = A·B (or C += A·B when `accumulate`), A element (i, p) at a + (i·rsa + p·csa)·4,
 * B element (p, j) at b + (p·rsb + j·csb)·4, C element (i, j) at c + (i·ldc + j)·4.
 * `scratch` holds gemmScratchBytes() bytes, 16-byte aligned.
 */
export function gemm(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsa: i32,
  csa: i32,
  b: usize,
  rsb: i32,
  csb: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  gemmCore(m, n, k, a, rsa, csa, b, rsb, csb, 0, c, ldc, accumulate, scratch);
}

/**
 * Convolution as an implicit GEMM: C[m×n] (+)= A · B where B is the im2col matrix of the image
 * at `x`, packed straight from the image (see packBConv; `cp` holds its geometry). Columns
 * start at im2col column `j0` (for splitting across threads); C points at column j0.
 */
export function gemmConv(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsa: i32,
  csa: i32,
  x: usize,
  cp: usize,
  j0: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  gemmCore(m, n, k, a, rsa, csa, x, 0, j0, cp, c, ldc, accumulate, scratch);
}

function gemmCore(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  rsa: i32,
  csa: i32,
  b: usize,
  rsb: i32,
  csb: i32, // with `conv`: the first im2col column
  conv: usize,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc) * 4, 0, <usize>n * 4);
    return;
  }
  const ap = scratch;
  const bp = ap + <usize>(MC * KC) * 4;
  const tmp = bp + <usize>(KC * NC) * 4;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0, kb = kBlock(k); pc < k; pc += kb) {
      const kc = min(kb, k - pc);
      if (conv) packBConv(b, conv, pc, kc, csb + jc, nc, bp);
      else packB(b + <usize>(pc * rsb + jc * csb) * 4, rsb, csb, kc, nc, bp);
      const acc = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + <usize>(ic * rsa + pc * csa) * 4, rsa, csa, mc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bs = bp + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const as = ap + <usize>(ir * kc) * 4;
            const cp = c + <usize>((ic + ir) * ldc + jc + jr) * 4;
            if (rows == MR && cols == NR) {
              kernel4x8(kc, as, bs, cp, ldc, acc);
            } else {
              kernel4x8(kc, as, bs, tmp, NR, false);
              for (let r = 0; r < rows; r++) {
                for (let q = 0; q < cols; q++) {
                  const dst = cp + <usize>(r * ldc + q) * 4;
                  const v = load<f32>(tmp + <usize>(r * NR + q) * 4);
                  store<f32>(dst, acc ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---- Shared packed panels, for splitting one GEMM across threads ----
// The host packs all of B once (gemmPackB / gemmPackBConv, split into strip ranges across
// threads) into a panel laid out as KC-row blocks of 8-column strips: the block of rows
// [pc, pc + kc) starts at bp + pc·ncPad·4 and its strip s at + s·8·kc·4 (ncPad = n rounded up
// to 8). Then gemmPacked computes C rows × a column range against that panel, packing only its
// own rows of A. No thread packs anything twice, and no barrier runs inside wasm.

/** Packs strips [s0, s1) of B (k × nc, strides rsb, csb) into the shared panel `bp`. */
export function gemmPackB(b: usize, rsb: i32, csb: i32, k: i32, nc: i32, bp: usize, s0: i32, s1: i32): void {
  const ncPad = (nc + NR - 1) & ~(NR - 1);
  const j0 = s0 * NR;
  const j1 = min(nc, s1 * NR);
  if (j1 <= j0) return;
  for (let pc = 0, kb = kBlock(k); pc < k; pc += kb) {
    const kc = min(kb, k - pc);
    packB(b + <usize>(pc * rsb + j0 * csb) * 4, rsb, csb, kc, j1 - j0, bp + <usize>(pc * ncPad + j0 * kc) * 4);
  }
}

/** Like gemmPackB for the implicit im2col matrix of a convolution (see packBConv). */
export function gemmPackBConv(x: usize, cp: usize, k: i32, nc: i32, bp: usize, s0: i32, s1: i32): void {
  const ncPad = (nc + NR - 1) & ~(NR - 1);
  const j0 = s0 * NR;
  const j1 = min(nc, s1 * NR);
  if (j1 <= j0) return;
  for (let pc = 0, kb = kBlock(k); pc < k; pc += kb) {
    const kc = min(kb, k - pc);
    packBConv(x, cp, pc, kc, j0, j1 - j0, bp + <usize>(pc * ncPad + j0 * kc) * 4);
  }
}

/**
 * C[m × (j0..j1)] (+)= A[m×k] · Bpanel[:, j0..j1) with the panel packed by gemmPackB for `ncPad`
 * columns; j0 is a multiple of 8. C points at column 0 of row 0. `scratch` as for gemm.
 */
export function gemmPacked(
  m: i32,
  k: i32,
  a: usize,
  rsa: i32,
  csa: i32,
  bp: usize,
  ncPad: i32,
  j0: i32,
  j1: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  if (m <= 0 || j1 <= j0) return;
  if (k <= 0) {
    if (!accumulate)
      for (let i = 0; i < m; i++) memory.fill(c + <usize>(i * ldc + j0) * 4, 0, <usize>(j1 - j0) * 4);
    return;
  }
  const ap = scratch;
  const tmp = ap + <usize>(MC * KC + KC * NC) * 4;
  for (let pc = 0, kb = kBlock(k); pc < k; pc += kb) {
    const kc = min(kb, k - pc);
    const acc = accumulate || pc > 0;
    const block = bp + <usize>(pc * ncPad) * 4;
    for (let ic = 0; ic < m; ic += MC) {
      const mc = min(MC, m - ic);
      packA(a + <usize>(ic * rsa + pc * csa) * 4, rsa, csa, mc, kc, ap);
      for (let jr = j0; jr < j1; jr += NR) {
        const cols = min(NR, j1 - jr);
        const bs = block + <usize>(jr * kc) * 4;
        for (let ir = 0; ir < mc; ir += MR) {
          const rows = min(MR, mc - ir);
          const as = ap + <usize>(ir * kc) * 4;
          const cp = c + <usize>((ic + ir) * ldc + jr) * 4;
          if (rows == MR && cols == NR) {
            kernel4x8(kc, as, bs, cp, ldc, acc);
          } else {
            kernel4x8(kc, as, bs, tmp, NR, false);
            for (let r = 0; r < rows; r++) {
              for (let q = 0; q < cols; q++) {
                const dst = cp + <usize>(r * ldc + q) * 4;
                const v = load<f32>(tmp + <usize>(r * NR + q) * 4);
                store<f32>(dst, acc ? load<f32>(dst) + v : v);
              }
            }
          }
        }
      }
    }
  }
}
