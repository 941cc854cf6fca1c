import { type Elems, elemsOf } from './elems.js';
import { contiguousStrides, sizeOf } from './shape.js';
import { collapse, forEachRow } from './strided.js';
import type { Out, ReduceOp, View } from './tensor-types.js';

type AccOp = Exclude<ReduceOp, 'argmax' | 'argmin'>;

const IDENTITY: Record<AccOp, number> = {
  sum: 0,
  prod: 1,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
  any: 0,
  all: 1,
};

/**
 * Reduces `x` over the sorted, unique `axes` into `out` (the kept axes, contiguous).
 *
 * Three paths: kept elements contiguous in `x` (reducing leading axes) accumulate whole rows into
 * a float64 buffer, which walks memory in order; otherwise each output element reduces its
 * (collapsed) run, with a multi-accumulator loop when the run is contiguous (row sums). Sums and
 * products accumulate in float64 and are rounded once on store.
 *
 * @example
 * ```ts
 * reduce('sum', xView, [1], out);
 * ```
 */
export function reduce(op: ReduceOp, x: View, axes: readonly number[], out: Out): void {
  const xd = elemsOf(x);
  const od = elemsOf(out);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  for (let d = 0; d < x.shape.length; d++) {
    if (axes.includes(d)) {
      redShape.push(x.shape[d]!);
      redStrides.push(x.strides[d]!);
    } else {
      keptShape.push(x.shape[d]!);
      keptStrides.push(x.strides[d]!);
    }
  }
  const outSize = sizeOf(keptShape);
  if (outSize === 0) return;
  if (op === 'argmax' || op === 'argmin') {
    argReduce(
      op === 'argmax',
      xd,
      x.offset,
      keptShape,
      keptStrides,
      redShape[0]!,
      redStrides[0]!,
      od,
      out.offset,
    );
    return;
  }
  if (sizeOf(redShape) === 0) {
    od.fill(IDENTITY[op], out.offset, out.offset + outSize);
    return;
  }
  const red = collapse(redShape, [redStrides]);
  const kept = collapse(keptShape, [keptStrides]);
  if (kept.shape.length === 1 && kept.strides[0]![0] === 1 && outSize >= 8) {
    columnReduce(op, xd, x.offset, outSize, red.shape, red.strides[0]!, od, out.offset);
    return;
  }
  const rs = red.strides[0]!;
  const rank = red.shape.length;
  // All reduced dims of size 1 collapse away: each output then reduces a run of one.
  const run = rank === 0 ? 1 : red.shape[rank - 1]!;
  const runStride = rank === 0 ? 0 : rs[rank - 1]!;
  const outerShape = red.shape.slice(0, Math.max(0, rank - 1));
  const outerStrides = rs.slice(0, Math.max(0, rank - 1));
  forEachRow(
    keptShape,
    [contiguousStrides(keptShape), keptStrides],
    [out.offset, x.offset],
    (offs, n, inner) => {
      let o = offs[0]!;
      let base = offs[1]!;
      const step = inner[1]!;
      for (let i = 0; i < n; i++, o++, base += step) {
        let acc = IDENTITY[op];
        if (outerShape.length === 0) acc = reduceRun(op, xd, base, run, runStride);
        else
          forEachRow(outerShape, [outerStrides], [base], (ro, rn, rinner) => {
            for (let r = 0, p = ro[0]!; r < rn; r++, p += rinner[0]!) {
              acc = combine(op, acc, reduceRun(op, xd, p, run, runStride));
            }
          });
        od[o] = acc;
      }
    },
  );
}

function combine(op: AccOp, acc: number, v: number): number {
  switch (op) {
    case 'sum':
      return acc + v;
    case 'prod':
      return acc * v;
    case 'max':
      return v > acc || Number.isNaN(v) ? v : acc;
    case 'min':
      return v < acc || Number.isNaN(v) ? v : acc;
    case 'any':
      return acc !== 0 || v !== 0 ? 1 : 0;
    case 'all':
      return acc !== 0 && v !== 0 ? 1 : 0;
  }
}

/** Reduces `n` elements starting at `p`, `s` apart. */
function reduceRun(op: AccOp, x: Elems, p: number, n: number, s: number): number {
  switch (op) {
    case 'sum': {
      // Four float64 partial sums: shorter dependency chains and smaller rounding error growth.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      if (s === 1) {
        for (; i + 3 < n; i += 4, p += 4) {
          s0 += x[p];
          s1 += x[p + 1];
          s2 += x[p + 2];
          s3 += x[p + 3];
        }
      }
      for (; i < n; i++, p += s) s0 += x[p];
      return s0 + s1 + (s2 + s3);
    }
    case 'prod': {
      let acc = 1;
      for (let i = 0; i < n; i++, p += s) acc *= x[p];
      return acc;
    }
    case 'max': {
      let acc = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++, p += s) {
        const v = x[p];
        if (v > acc || Number.isNaN(v)) acc = v;
        if (Number.isNaN(acc)) break;
      }
      return acc;
    }
    case 'min': {
      let acc = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++, p += s) {
        const v = x[p];
        if (v < acc || Number.isNaN(v)) acc = v;
        if (Number.isNaN(acc)) break;
      }
      return acc;
    }
    case 'any':
      for (let i = 0; i < n; i++, p += s) if (x[p] !== 0) return 1;
      return 0;
    case 'all':
      for (let i = 0; i < n; i++, p += s) if (x[p] === 0) return 0;
      return 1;
  }
}

/** Reduces leading axes: adds whole contiguous rows of `k` kept elements into a float64 buffer. */
function columnReduce(
  op: AccOp,
  x: Elems,
  xOff: number,
  k: number,
  redShape: readonly number[],
  redStrides: readonly number[],
  o: Elems,
  oOff: number,
): void {
  const acc = new Float64Array(k).fill(IDENTITY[op]);
  forEachRow(redShape, [redStrides], [xOff], (offs, n, inner) => {
    for (let r = 0, p = offs[0]!; r < n; r++, p += inner[0]!) {
      switch (op) {
        case 'sum':
          for (let j = 0; j < k; j++) acc[j]! += x[p + j];
          break;
        case 'prod':
          for (let j = 0; j < k; j++) acc[j]! *= x[p + j];
          break;
        case 'max':
          for (let j = 0; j < k; j++) {
            const v = x[p + j];
            if (v > acc[j]! || Number.isNaN(v)) acc[j] = v;
          }
          break;
        case 'min':
          for (let j = 0; j < k; j++) {
            const v = x[p + j];
            if (v < acc[j]! || Number.isNaN(v)) acc[j] = v;
          }
          break;
        case 'any':
          for (let j = 0; j < k; j++) if (x[p + j] !== 0) acc[j] = 1;
          break;
        case 'all':
          for (let j = 0; j < k; j++) if (x[p + j] === 0) acc[j] = 0;
          break;
      }
    }
  });
  for (let j = 0; j < k; j++) o[oOff + j] = acc[j];
}

/** First index of the extreme along one axis; NaN counts as the extreme (PyTorch). */
function argReduce(
  isMax: boolean,
  x: Elems,
  xOff: number,
  keptShape: readonly number[],
  keptStrides: readonly number[],
  len: number,
  stride: number,
  o: Elems,
  oOff: number,
): void {
  forEachRow(keptShape, [contiguousStrides(keptShape), keptStrides], [oOff, xOff], (offs, n, inner) => {
    for (let i = 0, oi = offs[0]!, base = offs[1]!; i < n; i++, oi++, base += inner[1]!) {
      let best = x[base];
      let idx = 0;
      if (!Number.isNaN(best)) {
        for (let r = 1, p = base + stride; r < len; r++, p += stride) {
          const v = x[p];
          if (Number.isNaN(v)) {
            idx = r;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            idx = r;
          }
        }
      }
      o[oi] = idx;
    }
  });
}
