// A complete Kiln backend in one file: float32, int32 and bool storages in plain typed arrays, and
// every required kernel of the contract written as simple strided loops. No optional kernels: the
// core builds conv2d, softmax, layerNorm, Adam and the rest from these primitives. It is meant to be
// read, not to be fast; the real backends tile, vectorise and thread the same loops.
import {
  type Backend,
  BackendError,
  type BinaryOp,
  type DType,
  KERNEL_SPEC_VERSION,
  type Out,
  philoxFill,
  type ReduceOp,
  type ScanOp,
  type Storage,
  type TypedArray,
  type UnaryOp,
  type View,
} from '@kiln/tensor';

type TinyDType = 'float32' | 'int32' | 'bool';
type TinyArray = Float32Array | Int32Array | Uint8Array;

/** The backend's storage handle: the core sees `dtype` and `length`, kernels use `data`. */
interface TinyStorage extends Storage {
  readonly dtype: TinyDType;
  readonly data: TinyArray;
}

/** A strided layout to walk: element `[i0, i1, …]` is at `offset + Σ ik·strides[k]`. */
interface Layout {
  readonly strides: readonly number[];
  readonly offset: number;
}

const data = (s: Storage): TinyArray => (s as TinyStorage).data;

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d]!;
  }
  return strides;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The contiguous layout of a kernel's output. */
const outLayout = (out: Out): Layout => ({ strides: contiguousStrides(out.shape), offset: out.offset });

/** `strides` with the one at `axis` replaced (0 drops the axis from the position). */
const withStride = (strides: readonly number[], axis: number, value: number): number[] =>
  strides.map((s, d) => (d === axis ? value : s));

/**
 * Visits every element of `shape` in row-major order. `pos[k]` is the element's position in
 * layout `k`; the positions are updated incrementally, so a step costs one add per layout.
 */
function walk(
  shape: readonly number[],
  layouts: readonly Layout[],
  visit: (pos: readonly number[]) => void,
): void {
  if (size(shape) === 0) return;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  const pos = layouts.map((l) => l.offset);
  for (;;) {
    visit(pos);
    let d = nd - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < layouts.length; k++) pos[k]! += layouts[k]!.strides[d]!;
      if (idx[d]! < shape[d]!) break;
      for (let k = 0; k < layouts.length; k++) pos[k]! -= layouts[k]!.strides[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Writes a number into a typed array of any of our dtypes (bool: non-zero, NaN included, is true). */
function store(target: TinyArray, i: number, v: number): void {
  if (target instanceof Uint8Array) target[i] = v !== 0 ? 1 : 0;
  else target[i] = v; // Float32Array rounds; Int32Array truncates toward zero and wraps.
}

// erf to double precision: its Taylor series near 0, a continued fraction for erfc further out.
function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
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
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => Math.max(x, 0), // NaN stays NaN, as in PyTorch
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  trunc: Math.trunc,
  logicalNot: (x) => (x === 0 ? 1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

const truthy = (v: number): boolean => v !== 0;

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  max: Math.max, // Math.max and Math.min propagate NaN, as the contract asks
  min: Math.min,
  atan2: Math.atan2,
  fmod: (a, b) => a % b,
  remainder: (a, b) => {
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  },
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (truthy(a) && truthy(b) ? 1 : 0),
  logicalOr: (a, b) => (truthy(a) || truthy(b) ? 1 : 0),
  logicalXor: (a, b) => (truthy(a) !== truthy(b) ? 1 : 0),
};

/** Reductions as (identity, step); argmax/argmin are handled apart because they track an index. */
const REDUCE: Record<Exclude<ReduceOp, 'argmax' | 'argmin'>, [number, (acc: number, v: number) => number]> = {
  sum: [0, (acc, v) => acc + v],
  prod: [1, (acc, v) => acc * v],
  max: [
    -Infinity,
    (acc, v) => (v > acc || Number.isNaN(v) || Number.isNaN(acc) ? (Number.isNaN(acc) ? acc : v) : acc),
  ],
  min: [
    Infinity,
    (acc, v) => (v < acc || Number.isNaN(v) || Number.isNaN(acc) ? (Number.isNaN(acc) ? acc : v) : acc),
  ],
  any: [0, (acc, v) => (acc !== 0 || v !== 0 ? 1 : 0)],
  all: [1, (acc, v) => (acc !== 0 && v !== 0 ? 1 : 0)],
};

const SCAN: Record<ScanOp, (acc: number, v: number) => number> = {
  cumsum: (acc, v) => acc + v,
  cumprod: (acc, v) => acc * v,
  cummax: (acc, v) => (Number.isNaN(acc) ? acc : v > acc || Number.isNaN(v) ? v : acc),
  cummin: (acc, v) => (Number.isNaN(acc) ? acc : v < acc || Number.isNaN(v) ? v : acc),
};

function allocArray(dtype: DType, length: number): TinyArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'bool':
      return new Uint8Array(length);
    default:
      throw new BackendError(
        `alloc: the tiny backend does not store ${dtype}\nhelp: use the 'cpu' device for ${dtype}`,
      );
  }
}

/**
 * Creates the tiny backend under a device name of your choice (`'tiny'` by default).
 *
 * @example
 * ```ts
 * import { registerBackend, tensor } from '@kiln/tensor';
 * registerBackend(createTinyBackend());
 * tensor([1, 2, 3], { device: 'tiny' }).mul(2).toArray(); // [2, 4, 6]
 * ```
 */
export function createTinyBackend(name = 'tiny'): Backend {
  let bytesInUse = 0;
  let buffers = 0;

  return {
    name,
    specVersion: KERNEL_SPEC_VERSION,
    dtypes: ['float32', 'int32', 'bool'],
    kernels: {},

    info: () => ({ name, threads: 1, notes: ['plain typed arrays, one thread, no optional kernels'] }),

    // ---- storage -------------------------------------------------------------------------------
    alloc(dtype, length) {
      const array = allocArray(dtype, length);
      bytesInUse += array.byteLength;
      buffers++;
      const storage: TinyStorage = { dtype: dtype as TinyDType, length, data: array };
      return storage;
    },
    free(storage) {
      bytesInUse -= data(storage).byteLength;
      buffers--;
    },
    write(storage, values: TypedArray, offset = 0) {
      const target = data(storage);
      for (let i = 0; i < values.length; i++) store(target, offset + i, Number(values[i]));
    },
    read(storage, offset, length) {
      return Promise.resolve(data(storage).slice(offset, offset + length));
    },
    readSync(storage, offset, length) {
      return data(storage).slice(offset, offset + length);
    },
    memory: () => ({ bytesInUse, buffers }),

    // ---- elementwise ---------------------------------------------------------------------------
    unary(op, x, out) {
      const f = UNARY[op];
      const src = data(x.storage);
      const dst = data(out.storage);
      walk(out.shape, [x, outLayout(out)], ([px, po]) => store(dst, po!, f(src[px!]!)));
    },
    binary(op, a, b, out) {
      const f = op === 'mul' && a.storage.dtype === 'int32' ? Math.imul : BINARY[op];
      const da = data(a.storage);
      const db = data(b.storage);
      const dst = data(out.storage);
      walk(out.shape, [a, b, outLayout(out)], ([pa, pb, po]) => store(dst, po!, f(da[pa!]!, db[pb!]!)));
    },
    where(cond, a, b, out) {
      const dc = data(cond.storage);
      const da = data(a.storage);
      const db = data(b.storage);
      const dst = data(out.storage);
      walk(out.shape, [cond, a, b, outLayout(out)], ([pc, pa, pb, po]) =>
        store(dst, po!, dc[pc!] !== 0 ? da[pa!]! : db[pb!]!),
      );
    },
    cast(x, out) {
      const src = data(x.storage);
      const dst = data(out.storage);
      walk(out.shape, [x, outLayout(out)], ([px, po]) => store(dst, po!, src[px!]!));
    },

    // ---- reductions and scans ------------------------------------------------------------------
    reduce(op, x, axes, out) {
      const src = data(x.storage);
      const dst = data(out.storage);
      // The output position of an input element: the output's strides on the kept axes, 0 on the
      // reduced ones (so every element of a reduced line lands on the same output element).
      const outStrides = contiguousStrides(out.shape);
      const strides: number[] = [];
      for (let d = 0, k = 0; d < x.shape.length; d++) strides.push(axes.includes(d) ? 0 : outStrides[k++]!);
      const n = size(out.shape);
      if (op === 'argmax' || op === 'argmin') {
        const axis = axes[0]!;
        const best = new Float64Array(n).fill(Number.NaN);
        const at = new Int32Array(n).fill(-1);
        const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
        const along = { strides: withStride(new Array<number>(x.shape.length).fill(0), axis, 1), offset: 0 };
        walk(x.shape, [x, { strides, offset: 0 }, along], ([px, po, i]) => {
          const v = src[px!]!;
          const b = best[po!]!;
          if (at[po!] === -1 || (!Number.isNaN(b) && (Number.isNaN(v) || better(v, b)))) {
            best[po!] = v;
            at[po!] = i!;
          }
        });
        for (let i = 0; i < n; i++) store(dst, out.offset + i, at[i]!);
        return;
      }
      const [identity, step] = REDUCE[op];
      const acc = new Float64Array(n).fill(identity);
      walk(x.shape, [x, { strides, offset: 0 }], ([px, po]) => {
        acc[po!] = step(acc[po!]!, src[px!]!);
      });
      for (let i = 0; i < n; i++) store(dst, out.offset + i, acc[i]!);
    },
    scan(op, x, axis, out) {
      const f = SCAN[op];
      const src = data(x.storage);
      const dst = data(out.storage);
      const outStrides = contiguousStrides(out.shape);
      // Running values in float64, indexed like the output; element i continues element i - stride.
      const running = new Float64Array(size(out.shape));
      const along = { strides: withStride(new Array<number>(x.shape.length).fill(0), axis, 1), offset: 0 };
      walk(x.shape, [x, { strides: outStrides, offset: 0 }, along], ([px, po, i]) => {
        const v = src[px!]!;
        running[po!] = i === 0 ? v : f(running[po! - outStrides[axis]!]!, v);
        store(dst, out.offset + po!, running[po!]!);
      });
    },

    // ---- layout --------------------------------------------------------------------------------
    copy(src, dst) {
      const from = data(src.storage);
      const to = data(dst.storage);
      walk(dst.shape, [src, dst], ([ps, pd]) => {
        to[pd!] = from[ps!]!;
      });
    },
    fill(dst, value) {
      const to = data(dst.storage);
      walk(dst.shape, [dst], ([pd]) => store(to, pd!, value));
    },
    arange(out, start, step) {
      const to = data(out.storage);
      const n = size(out.shape);
      for (let i = 0; i < n; i++) store(to, out.offset + i, start + i * step);
    },

    // ---- linear algebra ------------------------------------------------------------------------
    matmul(a, b, out) {
      const nd = out.shape.length;
      const [m, n] = [out.shape[nd - 2]!, out.shape[nd - 1]!];
      const k = a.shape[nd - 1]!;
      const [as0, as1] = [a.strides[nd - 2]!, a.strides[nd - 1]!];
      const [bs0, bs1] = [b.strides[nd - 2]!, b.strides[nd - 1]!];
      const da = data(a.storage);
      const db = data(b.storage);
      const dst = data(out.storage);
      // Walk the batch dimensions; each visit is one [m, k] × [k, n] product.
      const batch = out.shape.slice(0, -2);
      const batchLayout = (v: View): Layout => ({ strides: v.strides.slice(0, -2), offset: v.offset });
      const outBatch = { strides: batch.map((_, d) => contiguousStrides(out.shape)[d]!), offset: out.offset };
      const visit = ([pa, pb, po]: readonly number[]): void => {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let acc = 0;
            for (let p = 0; p < k; p++) acc += da[pa! + i * as0 + p * as1]! * db[pb! + p * bs0 + j * bs1]!;
            dst[po! + i * n + j] = acc;
          }
        }
      };
      if (batch.length === 0) visit([a.offset, b.offset, out.offset]);
      else walk(batch, [batchLayout(a), batchLayout(b), outBatch], visit);
    },

    // ---- indexing ------------------------------------------------------------------------------
    gather(x, axis, index, out) {
      const src = data(x.storage);
      const idx = data(index.storage);
      const dst = data(out.storage);
      const xOthers = { strides: withStride(x.strides, axis, 0), offset: x.offset };
      walk(out.shape, [index, xOthers, outLayout(out)], ([pi, px, po]) => {
        dst[po!] = src[px! + idx[pi!]! * x.strides[axis]!]!;
      });
    },
    scatterAdd(dst, axis, index, src) {
      const to = data(dst.storage);
      const idx = data(index.storage);
      const from = data(src.storage);
      const dstStrides = contiguousStrides(dst.shape);
      const dstOthers = { strides: withStride(dstStrides, axis, 0), offset: dst.offset };
      walk(index.shape, [index, src, dstOthers], ([pi, ps, pd]) => {
        const at = pd! + idx[pi!]! * dstStrides[axis]!;
        store(to, at, to[at]! + from[ps!]!);
      });
    },
    indexSelect(x, axis, index, out) {
      const src = data(x.storage);
      const idx = data(index.storage);
      const dst = data(out.storage);
      const xOthers = { strides: withStride(x.strides, axis, 0), offset: x.offset };
      const along = { strides: withStride(new Array<number>(out.shape.length).fill(0), axis, 1), offset: 0 };
      walk(out.shape, [xOthers, along, outLayout(out)], ([px, i, po]) => {
        const which = idx[index.offset + i! * index.strides[0]!]!;
        dst[po!] = src[px! + which * x.strides[axis]!]!;
      });
    },

    // ---- random --------------------------------------------------------------------------------
    random(out, distribution, seed, offset) {
      // @kiln/tensor exports the reference Philox4x32-10 the contract specifies, so every backend
      // draws the same numbers for the same seed.
      const n = size(out.shape);
      philoxFill(data(out.storage) as Float32Array, distribution, seed, offset, out.offset, n);
    },
  };
}
