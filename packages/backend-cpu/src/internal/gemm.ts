import type { Elems } from './elems.js';

// Register tile of the micro-kernel and cache blocks. 4x4 keeps the 16 accumulators plus the
// operands close to V8's 16 double registers on x64; KC*NR and KC*MR panels (8 KiB each, as
// float64) stay in L1 while an MC x KC block of A (192 KiB) stays in L2.
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 96;
const NC = 1024;
/** Below this many multiply-adds the packing overhead outweighs the blocking. */
const SMALL = 32768;

/**
 * Packed-panel scratch kept per backend and grown on demand. Panels are float64 for both
 * float32 and float64 inputs: converting once while packing keeps the micro-kernel's loads
 * free of float32 to float64 conversions, and keeps it monomorphic.
 *
 * @example
 * ```ts
 * const scratch = new GemmScratch();
 * ```
 */
export class GemmScratch {
  a = new Float64Array(MC * KC);
  b = new Float64Array(KC * NC);
  /** Extra scratch other kernels (im2col) borrow; grown on demand. */
  private extra32 = new Float32Array(0);
  private extra64 = new Float64Array(0);

  /**
   * A scratch array of at least `n` elements of the given float type, reused between calls.
   *
   * @example
   * ```ts
   * const col = new GemmScratch().borrow(false, 1024);
   * ```
   */
  borrow(f64: boolean, n: number): Float32Array | Float64Array {
    if (f64) {
      if (this.extra64.length < n) this.extra64 = new Float64Array(n);
      return this.extra64;
    }
    if (this.extra32.length < n) this.extra32 = new Float32Array(n);
    return this.extra32;
  }
}

/**
 * `C = A·B` (or `C += A·B` when `accumulate`) for one matrix: `A` is m×k at `aOff` with strides
 * (`sam`, `sak`), `B` is k×n at `bOff` with strides (`sbk`, `sbn`), `C` is m×n with row stride
 * `ldc` and unit column stride. Strides may be anything (transposes and broadcasts are read in
 * place by the packing), so no operand is ever materialised.
 *
 * @example
 * ```ts
 * const c = new Float32Array(4);
 * gemm(2, 2, 1, new Float32Array([1, 2]), 0, 1, 1, new Float32Array([3, 4]), 0, 2, 1, c, 0, 2, false, new GemmScratch());
 * // c = [3, 4, 6, 8]
 * ```
 */
export function gemm(
  m: number,
  n: number,
  k: number,
  A: Elems,
  aOff: number,
  sam: number,
  sak: number,
  B: Elems,
  bOff: number,
  sbk: number,
  sbn: number,
  C: Elems,
  cOff: number,
  ldc: number,
  accumulate: boolean,
  scratch: GemmScratch,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + n);
    return;
  }
  if (m * n * k < SMALL) {
    gemmSmall(m, n, k, A, aOff, sam, sak, B, bOff, sbk, sbn, C, cOff, ldc, accumulate);
    return;
  }
  const Ap = scratch.a;
  const Bp = scratch.b;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      const add = accumulate || pc > 0;
      packB(B, bOff + pc * sbk + jc * sbn, sbk, sbn, kc, nc, Bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(A, aOff + ic * sam + pc * sak, sam, sak, mc, kc, Ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bp = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            micro4x4(kc, Ap, ir * kc, Bp, bp, C, cOff + (ic + ir) * ldc + jc + jr, ldc, mr, nr, add);
          }
        }
      }
    }
  }
}

/** Direct dot products for small problems, summing each in a float64 local. */
function gemmSmall(
  m: number,
  n: number,
  k: number,
  A: Elems,
  aOff: number,
  sam: number,
  sak: number,
  B: Elems,
  bOff: number,
  sbk: number,
  sbn: number,
  C: Elems,
  cOff: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * sam;
    const ci = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      let s = 0;
      let ap = ai;
      let bp = bOff + j * sbn;
      for (let p = 0; p < k; p++) {
        s += A[ap] * B[bp];
        ap += sak;
        bp += sbk;
      }
      C[ci + j] = accumulate ? C[ci + j] + s : s;
    }
  }
}

/**
 * Packs an mc×kc block of A into MR-row panels, each stored k-major (`MR` values per k),
 * zero-padding the last panel so the micro-kernel never branches on edges.
 */
function packA(
  A: Elems,
  off: number,
  sam: number,
  sak: number,
  mc: number,
  kc: number,
  Ap: Float64Array,
): void {
  let dst = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = Math.min(MR, mc - i0);
    const r0 = off + i0 * sam;
    if (rows === MR) {
      let a0 = r0;
      if (sak === 1) {
        for (let p = 0; p < kc; p++) {
          Ap[dst] = A[a0 + p];
          Ap[dst + 1] = A[a0 + sam + p];
          Ap[dst + 2] = A[a0 + 2 * sam + p];
          Ap[dst + 3] = A[a0 + 3 * sam + p];
          dst += MR;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          Ap[dst] = A[a0];
          Ap[dst + 1] = A[a0 + sam];
          Ap[dst + 2] = A[a0 + 2 * sam];
          Ap[dst + 3] = A[a0 + 3 * sam];
          a0 += sak;
          dst += MR;
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) Ap[dst + r] = r < rows ? A[r0 + r * sam + p * sak] : 0;
        dst += MR;
      }
    }
  }
}

/** Packs a kc×nc block of B into NR-column panels, each stored k-major, zero-padded. */
function packB(
  B: Elems,
  off: number,
  sbk: number,
  sbn: number,
  kc: number,
  nc: number,
  Bp: Float64Array,
): void {
  let dst = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = Math.min(NR, nc - j0);
    const c0 = off + j0 * sbn;
    if (cols === NR) {
      let b0 = c0;
      for (let p = 0; p < kc; p++) {
        Bp[dst] = B[b0];
        Bp[dst + 1] = B[b0 + sbn];
        Bp[dst + 2] = B[b0 + 2 * sbn];
        Bp[dst + 3] = B[b0 + 3 * sbn];
        b0 += sbk;
        dst += NR;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let q = 0; q < NR; q++) Bp[dst + q] = q < cols ? B[c0 + q * sbn + p * sbk] : 0;
        dst += NR;
      }
    }
  }
}

/** The 4×4 register tile: sixteen float64 accumulators over kc, then one pass into C. */
function micro4x4(
  kc: number,
  Ap: Float64Array,
  ap: number,
  Bp: Float64Array,
  bp: number,
  C: Elems,
  c: number,
  ldc: number,
  mr: number,
  nr: number,
  add: boolean,
): void {
  let c00 = 0;
  let c01 = 0;
  let c02 = 0;
  let c03 = 0;
  let c10 = 0;
  let c11 = 0;
  let c12 = 0;
  let c13 = 0;
  let c20 = 0;
  let c21 = 0;
  let c22 = 0;
  let c23 = 0;
  let c30 = 0;
  let c31 = 0;
  let c32 = 0;
  let c33 = 0;
  const end = ap + kc * MR;
  while (ap < end) {
    const a0 = Ap[ap]!;
    const a1 = Ap[ap + 1]!;
    const a2 = Ap[ap + 2]!;
    const a3 = Ap[ap + 3]!;
    const b0 = Bp[bp]!;
    const b1 = Bp[bp + 1]!;
    const b2 = Bp[bp + 2]!;
    const b3 = Bp[bp + 3]!;
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ap += MR;
    bp += NR;
  }
  if (mr === MR && nr === NR) {
    const r1 = c + ldc;
    const r2 = r1 + ldc;
    const r3 = r2 + ldc;
    if (add) {
      C[c] += c00;
      C[c + 1] += c01;
      C[c + 2] += c02;
      C[c + 3] += c03;
      C[r1] += c10;
      C[r1 + 1] += c11;
      C[r1 + 2] += c12;
      C[r1 + 3] += c13;
      C[r2] += c20;
      C[r2 + 1] += c21;
      C[r2 + 2] += c22;
      C[r2 + 3] += c23;
      C[r3] += c30;
      C[r3 + 1] += c31;
      C[r3 + 2] += c32;
      C[r3 + 3] += c33;
    } else {
      C[c] = c00;
      C[c + 1] = c01;
      C[c + 2] = c02;
      C[c + 3] = c03;
      C[r1] = c10;
      C[r1 + 1] = c11;
      C[r1 + 2] = c12;
      C[r1 + 3] = c13;
      C[r2] = c20;
      C[r2 + 1] = c21;
      C[r2 + 2] = c22;
      C[r2 + 3] = c23;
      C[r3] = c30;
      C[r3 + 1] = c31;
      C[r3 + 2] = c32;
      C[r3 + 3] = c33;
    }
    return;
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) {
    for (let q = 0; q < nr; q++) {
      const i = c + r * ldc + q;
      C[i] = add ? C[i] + t[r * NR + q]! : t[r * NR + q]!;
    }
  }
}
