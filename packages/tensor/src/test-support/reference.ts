// Test-only: plain-JavaScript references (float64) that op tests compare against.
import { expect } from 'vitest';
import type { Tensor } from '../core/tensor.js';

/** Deterministic pseudo-random values in [-scale, scale) (a small LCG; tests need no quality). */
export function randomValues(n: number, seed: number, scale = 2): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround(((s / 2 ** 32) * 2 - 1) * scale));
  }
  return out;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Multi-index of flat position `k` in `shape`. */
export function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = k % shape[i]!;
    k = Math.floor(k / shape[i]!);
  }
  return idx;
}

/**
 * Groups the elements of a row-major array by their position outside `axes`: one list per
 * output element (row-major over the kept dims), each list in row-major order of the reduced dims.
 */
export function groupsOver(
  values: ArrayLike<number>,
  shape: readonly number[],
  axes: readonly number[],
): number[][] {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => shape[i]!);
  const outStrides = stridesOf(outShape);
  const outN = outShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: outN }, () => []);
  const n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, shape);
    let o = 0;
    kept.forEach((d, j) => {
      o += idx[d]! * outStrides[j]!;
    });
    groups[o]!.push(values[k]!);
  }
  return groups;
}

/** Asserts elementwise closeness of a tensor's values to a flat reference. */
export function expectCloseTo(got: Tensor, want: readonly number[], rtol = 1e-5, atol = 1e-6): void {
  const values = Array.from(got.dataSync() as ArrayLike<number>);
  expect(values.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = values[i]!;
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `element ${i}: ${g} (expected NaN)`).toBe(true);
      continue;
    }
    if (!Number.isFinite(w)) {
      expect(g, `element ${i}`).toBe(w);
      continue;
    }
    expect(Math.abs(g - w) <= atol + rtol * Math.abs(w), `element ${i}: ${g} (expected ${w})`).toBe(true);
  }
}
