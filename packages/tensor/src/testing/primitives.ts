import type { UnaryOp } from '../backend/contract.js';
import { getBackend } from '../backend/registry.js';
import type { DType } from '../core/dtype.js';
import { tidy } from '../core/memory.js';
import { contiguousStrides, shapeSize } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import * as K from '../index.js';
import { philoxFill } from '../random/philox.js';
import type { ConformanceCase } from './conformance.js';

/** Deterministic values in [-2, 2) for a case (not the generator under test). */
function values(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed * 7919 + 17;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 4 - 2;
  }
  return out;
}

function make(device: string, shape: readonly number[], dtype: DType, seed: number): Tensor {
  const v = values(shapeSize(shape), seed);
  const arr =
    dtype === 'float32'
      ? Float32Array.from(v)
      : dtype === 'float64'
        ? Float64Array.from(v)
        : dtype === 'int32'
          ? Int32Array.from(v, (x) => Math.round(x * 3))
          : Uint8Array.from(v, (x) => (x > 0 ? 1 : 0));
  return K.fromTypedArray(arr, shape, { device });
}

/** Reads any tensor (any layout) in logical row-major order on the host. */
function host(t: Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** Logical element `index` (row-major over `shape`) read through `strides` of a host array. */
function strided(data: readonly number[], shape: readonly number[], strides: readonly number[]): number[] {
  const n = shapeSize(shape);
  const out = new Array<number>(n);
  const cs = contiguousStrides(shape);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < shape.length; d++) off += (Math.floor(i / cs[d]!) % shape[d]!) * strides[d]!;
    out[i] = data[off]!;
  }
  return out;
}

function close(label: string, got: readonly number[], want: readonly number[], tol: number): void {
  if (got.length !== want.length)
    throw new Error(`${label}: ${got.length} elements (expected ${want.length})`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    if (!(Math.abs(g - w) <= tol * (1 + Math.abs(w)))) {
      throw new Error(`${label}: element ${i} is ${g} (expected ${w}, tolerance ${tol})`);
    }
  }
}

const erfRef = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse for a reference; integrate the series instead.
  let sum = x;
  let term = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

const UNARY_REF: Partial<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: (x) => Math.sign(x),
  square: (x) => x * x,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(x, 0),
  erf: erfRef,
  floor: Math.floor,
  ceil: Math.ceil,
  trunc: Math.trunc,
};

/**
 * Checks of the required primitives through the public ops on contiguous, strided (transposed),
 * broadcast and zero-size inputs, for every dtype the device's backend claims, against host
 * references computed here.
 *
 * @example
 * ```ts
 * import { primitiveCases } from '@kiln/tensor/testing';
 * primitiveCases('cpu').length > 0; // true
 * ```
 */
export function primitiveCases(device: string): ConformanceCase[] {
  const backend = getBackend(device);
  const floats = backend.dtypes.filter((d): d is 'float32' | 'float64' => d === 'float32' || d === 'float64');
  const cases: ConformanceCase[] = [];
  const add = (name: string, run: () => void): void => {
    cases.push({ name: `primitive ${name}`, group: 'primitive', run: () => tidy(run) });
  };
  for (const dtype of floats) {
    const tol = dtype === 'float32' ? 2e-6 : 1e-12;
    for (const [op, ref] of Object.entries(UNARY_REF) as [UnaryOp, (x: number) => number][]) {
      add(`${op} ${dtype} contiguous and transposed`, () => {
        const positive = op === 'log' || op === 'sqrt' || op === 'rsqrt' || op === 'log1p';
        let x = make(device, [5, 7], dtype, 1);
        if (positive) x = x.abs().add(0.1);
        const fn = (K as unknown as Record<string, (t: Tensor) => Tensor>)[op]!;
        const xs = host(x);
        close(`${op} contiguous`, host(fn(x)), xs.map(ref), tol * 4);
        const xt = x.t();
        close(`${op} transposed`, host(fn(xt)), host(xt).map(ref), tol * 4);
        const empty = fn(K.zeros([0, 3], { device, dtype }));
        if (empty.numel() !== 0 || empty.shape[1] !== 3)
          throw new Error(`${op}: zero-size input gave shape ${empty.shape}`);
      });
    }
    add(`round half to even ${dtype}`, () => {
      const x = K.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6], { device, dtype });
      close('round', host(K.round(x)), [0, 2, 2, -0, -2, 2, 3], 0);
    });
  }
  const binaryRef: Record<string, (a: number, b: number) => number> = {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    maximum: Math.max,
    minimum: Math.min,
  };
  for (const dtype of [...floats, 'int32'] as DType[]) {
    for (const [op, ref] of Object.entries(binaryRef)) {
      add(`${op} ${dtype} broadcast and strided`, () => {
        const fn = (K as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[op]!;
        const a = make(device, [4, 1, 3], dtype, 2);
        const b = make(device, [5, 3], dtype, 3);
        const y = fn(a, b);
        const av = host(a);
        const bv = host(b);
        const want: number[] = [];
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 5; j++)
            for (let k = 0; k < 3; k++) want.push(ref(av[i * 3 + k]!, bv[j * 3 + k]!));
        close(`${op} broadcast`, host(y), want, dtype === 'float32' ? 1e-6 : 1e-12);
        const p = make(device, [3, 4], dtype, 4).t();
        const q = make(device, [4, 3], dtype, 5);
        const want2 = host(p).map((v, i) => ref(v, host(q)[i]!));
        close(`${op} strided`, host(fn(p, q)), want2, dtype === 'float32' ? 1e-6 : 1e-12);
      });
    }
    add(`comparisons ${dtype}`, () => {
      const a = make(device, [6], dtype, 6);
      const b = make(device, [6], dtype, 7);
      const av = host(a);
      const bv = host(b);
      close(
        'lt',
        host(K.lt(a, b)),
        av.map((v, i) => (v < bv[i]! ? 1 : 0)),
        0,
      );
      close(
        'ge',
        host(K.ge(a, b)),
        av.map((v, i) => (v >= bv[i]! ? 1 : 0)),
        0,
      );
      close(
        'eq self',
        host(K.eq(a, a)),
        av.map(() => 1),
        0,
      );
    });
  }
  add('cast between every dtype pair', () => {
    const src = K.tensor([-2.7, -0.5, 0, 0.5, 3.9], { device, dtype: floats[0]! });
    const expected: Record<DType, number[]> = {
      float32: [-2.7, -0.5, 0, 0.5, 3.9],
      float64: [-2.7, -0.5, 0, 0.5, 3.9],
      int32: [-2, 0, 0, 0, 3],
      bool: [1, 1, 0, 1, 1],
    };
    for (const dtype of backend.dtypes)
      close(`cast to ${dtype}`, host(K.cast(src, dtype)), expected[dtype], 1e-6);
  });
  add('where with broadcasting', () => {
    const c = K.tensor([[true], [false]], { device });
    const y = K.where(
      c,
      K.tensor([1, 2, 3], { device, dtype: 'float32' }),
      K.tensor(-1, { device, dtype: 'float32' }),
    );
    close('where', host(y), [1, 2, 3, -1, -1, -1], 0);
  });
  add('copy and fill of strided views', () => {
    const x = make(device, [3, 4], 'float32', 8);
    const c = x.t().contiguous();
    close('copy', host(c), strided(host(x), [4, 3], [1, 4]), 0);
    const z = K.zeros([3, 4], { device });
    z.select(1, 2).fill_(5);
    close('fill', host(z), [0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 5, 0], 0);
  });
  add('arange and linspace', () => {
    close('arange', host(K.arange(0, 2, 0.5, { device })), [0, 0.5, 1, 1.5], 0);
    close('arange int', host(K.arange(0, 5, 1, { device })), [0, 1, 2, 3, 4], 0);
  });
  add('random matches the Philox reference', () => {
    for (const dist of ['uniform', 'normal'] as const) {
      const g = new K.Generator(1234);
      g.reserve(10);
      const t =
        dist === 'uniform' ? K.rand([7], { device, generator: g }) : K.randn([7], { device, generator: g });
      const ref = new Float32Array(7);
      philoxFill(ref, dist, 1234, 10);
      close(`random ${dist}`, host(t), Array.from(ref), 1e-6);
    }
  });
  return cases;
}
