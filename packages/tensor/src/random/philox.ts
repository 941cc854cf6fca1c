import type { RandomDistribution } from '../backend/contract.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_NEG_24 = 1 / 16777216;
const TWO_PI = 2 * Math.PI;

const scratch = new Uint32Array(4);

/** High and low 32-bit halves of a 32×32 → 64-bit unsigned product. */
function mulhilo(a: number, b: number, out: Uint32Array, hiIndex: number, loIndex: number): void {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const bHi = b >>> 16;
  const bLo = b & 0xffff;
  const lolo = aLo * bLo;
  const hilo = aHi * bLo;
  const lohi = aLo * bHi;
  const hihi = aHi * bHi;
  const mid = (lolo >>> 16) + (hilo & 0xffff) + (lohi & 0xffff);
  out[loIndex] = ((mid & 0xffff) << 16) | (lolo & 0xffff);
  out[hiIndex] = hihi + (hilo >>> 16) + (lohi >>> 16) + (mid >>> 16);
}

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): maps a 128-bit
 * counter and a 64-bit key to four random 32-bit words, writing them to `out[0..3]`.
 *
 * This is the generator every backend must reproduce (see `Backend.random`).
 *
 * @example
 * ```ts
 * import { philox4x32 } from '@kiln/tensor';
 * const words = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, 42, 0, words);
 * ```
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  const p = scratch;
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < 10; round++) {
    mulhilo(M0, x0, p, 0, 1);
    mulhilo(M1, x2, p, 2, 3);
    const y0 = (p[2]! ^ x1 ^ key0) >>> 0;
    const y1 = p[3]!;
    const y2 = (p[0]! ^ x3 ^ key1) >>> 0;
    const y3 = p[1]!;
    x0 = y0;
    x1 = y1;
    x2 = y2;
    x3 = y3;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/**
 * The reference implementation of `Backend.random`: fills `target` with the contract's stream for
 * `seed` and `offset`. Backends on the host call it directly; device backends port it and check
 * themselves against it in the conformance suite.
 *
 * @example
 * ```ts
 * import { philoxFill } from '@kiln/tensor';
 * const a = new Float32Array(4);
 * philoxFill(a, 'uniform', 42, 0);
 * ```
 */
export function philoxFill(
  target: Float32Array | Float64Array,
  distribution: RandomDistribution,
  seed: number,
  offset: number,
  start = 0,
  length = target.length - start,
): void {
  const words = new Uint32Array(4);
  const k0 = (seed % 4294967296) >>> 0;
  const k1 = Math.floor(seed / 4294967296) >>> 0;
  for (let i = 0; i < length; i++) {
    const c = offset + i;
    philox4x32((c % 4294967296) >>> 0, Math.floor(c / 4294967296) >>> 0, 0, 0, k0, k1, words);
    if (distribution === 'uniform') {
      target[start + i] = (words[0]! >>> 8) * TWO_NEG_24;
    } else {
      const u1 = ((words[0]! >>> 8) + 1) * TWO_NEG_24;
      const u2 = (words[1]! >>> 8) * TWO_NEG_24;
      target[start + i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(TWO_PI * u2);
    }
  }
}
