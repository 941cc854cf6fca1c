// Helpers for this package's tests (not exported): logical tensors laid out in wasm memory as
// contiguous, permuted, padded or broadcast views, and a reference reader.

import type { Backend, DType, Out, Storage, View } from './tensor-types.js';

/** A deterministic PRNG for tests (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Layout = 'contiguous' | 'permuted' | 'padded' | 'broadcast';
export const LAYOUTS: readonly Layout[] = ['contiguous', 'permuted', 'padded', 'broadcast'];

export interface TestTensor {
  view: View;
  /** Logical values, row-major over `view.shape`. */
  values: number[];
  storage: Storage;
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function hostArray(dtype: DType, n: number): Float32Array | Int32Array | Uint8Array {
  return dtype === 'float32'
    ? new Float32Array(n)
    : dtype === 'int32'
      ? new Int32Array(n)
      : new Uint8Array(n);
}

/** A random value of a dtype: floats in [-3, 3), ints in [-9, 9], bools. */
export function randomValue(dtype: DType, r: () => number, range = 3): number {
  if (dtype === 'float32' || dtype === 'float64') return Math.fround((r() * 2 - 1) * range);
  if (dtype === 'int32') return Math.floor(r() * 19) - 9;
  return r() < 0.5 ? 1 : 0;
}

/**
 * Creates a tensor of `shape` with the given physical layout. `gen` produces values (default:
 * random for the dtype). For 'broadcast', every other dim (and any size-1 dim) has stride 0.
 */
export function makeTensor(
  be: Backend,
  dtype: DType,
  shape: readonly number[],
  layout: Layout,
  r: () => number,
  gen: () => number = () => randomValue(dtype, r),
): TestTensor {
  const rank = shape.length;
  const bdims = new Set<number>();
  if (layout === 'broadcast') for (let d = 0; d < rank; d += 2) bdims.add(d);
  const phys = [...Array(rank).keys()].filter((d) => !bdims.has(d));
  if (layout === 'permuted' || layout === 'padded') phys.reverse();
  const pad = layout === 'padded' ? 1 : 0;
  const strides = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = phys.length - 1; i >= 0; i--) {
    const d = phys[i]!;
    strides[d] = acc;
    acc *= shape[d]! + pad;
  }
  const offset = layout === 'padded' ? 3 : layout === 'broadcast' ? 1 : 0;
  const length = offset + acc;
  const host = hostArray(dtype, length);
  for (let i = 0; i < length; i++) host[i] = gen();
  const storage = be.alloc(dtype, length);
  be.write(storage, host);
  const n = size(shape);
  const values = new Array<number>(n);
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let at = offset;
    for (let d = 0; d < rank; d++) at += idx[d]! * strides[d]!;
    values[i] = host[at]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { view: { storage, shape, strides, offset }, values, storage };
}

/** A fresh output of `shape` at offset 2 in its storage (so kernels must honour the offset). */
export function makeOut(be: Backend, dtype: DType, shape: readonly number[]): Out & { storage: Storage } {
  const storage = be.alloc(dtype, size(shape) + 4);
  return { storage, shape, offset: 2 };
}

/** Reads an output's elements. */
export function readOut(be: Backend, out: Out): number[] {
  return Array.from(be.readSync!(out.storage, out.offset, size(out.shape)));
}

/** Unravels a flat index into coordinates. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    c[d] = i % s;
    i = Math.floor(i / s);
  }
  return c;
}

/** Flat row-major index of coordinates. */
export function ravel(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d]! + c[d]!;
  return i;
}

/** Asserts two arrays agree elementwise within |a - b| <= atol + rtol·|b| (NaNs must match). */
export function expectClose(
  got: readonly number[],
  want: readonly number[],
  rtol = 1e-5,
  atol = 1e-6,
  label = '',
): void {
  if (got.length !== want.length) throw new Error(`${label}: length ${got.length} != ${want.length}`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * Math.abs(w)) continue;
    throw new Error(`${label}: element ${i}: got ${g}, want ${w} (rtol ${rtol}, atol ${atol})`);
  }
}
