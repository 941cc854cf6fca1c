// The contract's required primitives on top of the kernel module.

import { type Collapsed, collapse, contiguousStrides, isContiguous, sizeOf } from '../internal/layout.js';
import {
  BINARY_CODES,
  bytesOf,
  KIND_F32,
  kindOf,
  REDUCE_CODES,
  SCAN_CODES,
  U_IDENTITY,
  U_NONZERO,
  UNARY_CODES,
} from '../internal/op-codes.js';
import {
  type BinaryOp,
  type Out,
  philoxFill,
  type RandomDistribution,
  type ReduceOp,
  type ScanOp,
  type UnaryOp,
  type View,
} from '../internal/tensor-types.js';
import type { WasmContext } from './context.js';

const FLAT_1 = [1];
const FLAT_0 = [0];

/**
 * The walk of an elementwise op: a single flat row when every input is contiguous (or a
 * broadcast scalar), else the general merge of dims.
 */
function walkOf(
  shape: readonly number[],
  n: number,
  inputs: readonly { shape: readonly number[]; strides: readonly number[] }[],
  threads = 1,
): Collapsed {
  let flat = true;
  const strides: number[][] = [];
  for (const v of inputs) {
    if (isContiguous(v.shape, v.strides)) strides.push(FLAT_1);
    else if (v.strides.every((s) => s === 0)) strides.push(FLAT_0);
    else {
      flat = false;
      break;
    }
  }
  if (flat) {
    // One flat row; on several threads, cut it into equal rows so the range can be split.
    if (threads > 1 && n >= 1 << 16) {
      for (const r of [threads * 8, threads * 4, threads * 2, threads]) {
        if (n % r === 0) {
          const len = n / r;
          return { shape: [r, len], strides: strides.map((s) => (s === FLAT_1 ? [len, 1] : [0, 0])) };
        }
      }
    }
    return { shape: [n], strides };
  }
  return collapse(
    shape,
    inputs.map((v) => v.strides),
  );
}

/** Rows of a collapsed walk: every dim but the last. */
function rowsOf(shape: readonly number[]): number {
  let r = 1;
  for (let d = 0; d < shape.length - 1; d++) r *= shape[d]!;
  return r;
}

/** Runs a unary-shaped kernel (`unaryF`/`unaryI`) with the given op code. */
function runUnary(ctx: WasmContext, code: number, x: View, out: Out): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const c = walkOf(out.shape, n, [x], ctx.runner.threads);
  const p = ctx.params(c.shape, c.strides[0]!);
  const rank = c.shape.length;
  const inKind = kindOf(x.storage.dtype);
  const outKind = kindOf(out.storage.dtype);
  const cost = code === UNARY_CODES.exp || code >= UNARY_CODES.sin ? 20 : 2;
  if (inKind === KIND_F32) {
    ctx.runner.range(
      'unaryF',
      [code, outKind, rank, p, ctx.addr(x), ctx.addr(out)],
      rowsOf(c.shape),
      cost * c.shape[rank - 1]!,
    );
  } else {
    ctx.runner.range(
      'unaryI',
      [code, inKind, outKind, rank, p, ctx.addr(x), ctx.addr(out)],
      rowsOf(c.shape),
      cost * c.shape[rank - 1]!,
    );
  }
}

export function unary(ctx: WasmContext, op: UnaryOp, x: View, out: Out): void {
  runUnary(ctx, UNARY_CODES[op], x, out);
}

/** Internal unary ops (gelu) by code. */
export function unaryCode(ctx: WasmContext, code: number, x: View, out: Out): void {
  runUnary(ctx, code, x, out);
}

export function cast(ctx: WasmContext, x: View, out: Out): void {
  if (x.storage.dtype === out.storage.dtype) {
    copy(ctx, x, {
      storage: out.storage,
      shape: out.shape,
      strides: contiguousStrides(out.shape),
      offset: out.offset,
    });
    return;
  }
  runUnary(ctx, out.storage.dtype === 'bool' ? U_NONZERO : U_IDENTITY, x, out);
}

export function binary(ctx: WasmContext, op: BinaryOp, a: View, b: View, out: Out): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const c = walkOf(out.shape, n, [a, b], ctx.runner.threads);
  const p = ctx.params(c.shape, c.strides[0]!, c.strides[1]!);
  const rank = c.shape.length;
  const code = BINARY_CODES[op];
  const inKind = kindOf(a.storage.dtype);
  const outKind = kindOf(out.storage.dtype);
  const cost = op === 'pow' || op === 'atan2' || op === 'fmod' || op === 'remainder' ? 30 : 2;
  const rows = rowsOf(c.shape);
  const work = cost * c.shape[rank - 1]!;
  if (inKind === KIND_F32) {
    ctx.runner.range(
      'binaryF',
      [code, outKind, rank, p, ctx.addr(a), ctx.addr(b), ctx.addr(out)],
      rows,
      work,
    );
  } else {
    ctx.runner.range(
      'binaryI',
      [code, inKind, outKind, rank, p, ctx.addr(a), ctx.addr(b), ctx.addr(out)],
      rows,
      work,
    );
  }
}

export function where(ctx: WasmContext, cond: View, a: View, b: View, out: Out): void {
  if (sizeOf(out.shape) === 0) return;
  const c = collapse(out.shape, [cond.strides, a.strides, b.strides]);
  const p = ctx.params(c.shape, c.strides[0]!, c.strides[1]!, c.strides[2]!);
  const rank = c.shape.length;
  const kind = kindOf(out.storage.dtype);
  ctx.runner.range(
    'whereK',
    [kind, rank, p, ctx.addr(cond), ctx.addr(a), ctx.addr(b), ctx.addr(out)],
    rowsOf(c.shape),
    2 * c.shape[rank - 1]!,
  );
}

export function copy(ctx: WasmContext, src: View, dst: View): void {
  if (sizeOf(dst.shape) === 0) return;
  const c = collapse(dst.shape, [src.strides, dst.strides]);
  const p = ctx.params(c.shape, c.strides[0]!, c.strides[1]!);
  const rank = c.shape.length;
  ctx.runner.range(
    'copyK',
    [bytesOf(dst.storage.dtype), rank, p, ctx.addr(src), ctx.addr(dst)],
    rowsOf(c.shape),
    c.shape[rank - 1]!,
  );
}

const bitsBuf = new DataView(new ArrayBuffer(4));

export function fill(ctx: WasmContext, dst: View, value: number): void {
  if (sizeOf(dst.shape) === 0) return;
  const dtype = dst.storage.dtype;
  let bits: number;
  if (dtype === 'float32') {
    bitsBuf.setFloat32(0, value, true);
    bits = bitsBuf.getInt32(0, true);
  } else if (dtype === 'int32') {
    bits = value | 0;
  } else {
    bits = value !== 0 ? 1 : 0;
  }
  const c = collapse(dst.shape, [dst.strides]);
  const p = ctx.params(c.shape, c.strides[0]!);
  const rank = c.shape.length;
  ctx.runner.range(
    'fillK',
    [bytesOf(dtype), bits, rank, p, ctx.addr(dst)],
    rowsOf(c.shape),
    c.shape[rank - 1]!,
  );
}

export function arange(ctx: WasmContext, out: Out, start: number, step: number): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  const dtype = out.storage.dtype;
  if (dtype === 'float32') ctx.k.arangeF(ctx.addr(out), n, start, step);
  else if (dtype === 'int32') ctx.k.arangeI(ctx.addr(out), n, start, step);
  else ctx.k.arangeB(ctx.addr(out), n, start, step);
}

/** Splits dims into (kept, reduced) groups and merges each; returns the kernel params. */
function reduceLayout(
  x: View,
  axes: readonly number[],
): { kShape: number[]; kStrides: number[]; rShape: number[]; rStrides: number[] } {
  const isReduced = new Array<boolean>(x.shape.length).fill(false);
  for (const a of axes) isReduced[a] = true;
  const kS: number[] = [];
  const kSt: number[] = [];
  const rS: number[] = [];
  const rSt: number[] = [];
  for (let d = 0; d < x.shape.length; d++) {
    if (isReduced[d]) {
      rS.push(x.shape[d]!);
      rSt.push(x.strides[d]!);
    } else {
      kS.push(x.shape[d]!);
      kSt.push(x.strides[d]!);
    }
  }
  const k = collapse(kS, [kSt]);
  const r = collapse(rS, [rSt]);
  // An empty reduced dim reduces nothing: keep its 0 so the kernel writes the identity.
  if (rS.some((s) => s === 0))
    return { kShape: k.shape, kStrides: k.strides[0]!, rShape: [0], rStrides: [0] };
  return { kShape: k.shape, kStrides: k.strides[0]!, rShape: r.shape, rStrides: r.strides[0]! };
}

export function reduce(ctx: WasmContext, op: ReduceOp, x: View, axes: readonly number[], out: Out): void {
  const nOut = sizeOf(out.shape);
  if (nOut === 0) return;
  const L = reduceLayout(x, axes);
  const kr = L.kShape.length;
  const rr = L.rShape.length;
  const p = ctx.params(L.kShape, L.kStrides, L.rShape, L.rStrides);
  const inKind = kindOf(x.storage.dtype);
  const outKind = kindOf(out.storage.dtype);
  const nRed = sizeOf(L.rShape);
  const innerK = L.kShape[kr - 1]!;
  if (
    inKind === KIND_F32 &&
    (op === 'sum' || op === 'max' || op === 'min') &&
    nRed > 0 &&
    L.kStrides[kr - 1] === 1 &&
    innerK >= 4 &&
    L.rStrides[rr - 1] !== 1
  ) {
    const groups = nOut / innerK;
    ctx.runner.range(
      'reduceColsF',
      [REDUCE_CODES[op], kr, rr, p, ctx.addr(x), ctx.addr(out)],
      groups,
      innerK * nRed,
    );
    return;
  }
  ctx.runner.range(
    'reduceK',
    [REDUCE_CODES[op], inKind, outKind, kr, rr, p, ctx.addr(x), ctx.addr(out)],
    nOut,
    Math.max(1, nRed) * 2,
  );
}

export function scan(ctx: WasmContext, op: ScanOp, x: View, axis: number, out: Out): void {
  if (sizeOf(out.shape) === 0) return;
  const oStrides = contiguousStrides(out.shape);
  const outerShape: number[] = [];
  const xs: number[] = [];
  const os: number[] = [];
  for (let d = 0; d < x.shape.length; d++) {
    if (d === axis) continue;
    outerShape.push(x.shape[d]!);
    xs.push(x.strides[d]!);
    os.push(oStrides[d]!);
  }
  const c = collapse(outerShape, [xs, os]);
  const shape = [...c.shape, x.shape[axis]!];
  const p = ctx.params(shape, [...c.strides[0]!, x.strides[axis]!], [...c.strides[1]!, oStrides[axis]!]);
  ctx.runner.range(
    'scanK',
    [
      SCAN_CODES[op],
      kindOf(x.storage.dtype),
      kindOf(out.storage.dtype),
      shape.length,
      p,
      ctx.addr(x),
      ctx.addr(out),
    ],
    rowsOf(shape),
    2 * x.shape[axis]!,
  );
}

/** Largest shared packed-B panel of a threaded GEMM (bytes); wider B is done in column blocks. */
const PANEL_LIMIT = 16 * 1024 * 1024;
/** GEMM tasks per thread when one GEMM is split (room for stealing and uneven threads). */
const GEMM_TASKS_PER_THREAD = 16;
/** Smallest GEMM task worth handing to another thread, in flops (about 0.25 ms). */
const GEMM_TASK_FLOPS = 8e6;
/** Rows of C per GEMM task (the kernel's MC block). */
const GEMM_ROWS = 64;

/**
 * Runs GEMM for one matrix. On several threads: B is packed once into a shared panel (the strips
 * split across threads), then tasks of up to 64 rows × a column range compute C against it, each
 * packing only its own rows of A.
 */
export function gemm(
  ctx: WasmContext,
  m: number,
  n: number,
  k: number,
  a: number,
  rsa: number,
  csa: number,
  b: number,
  rsb: number,
  csb: number,
  c: number,
  ldc: number,
  accumulate: boolean,
): void {
  const threads = ctx.runner.threads;
  if (threads <= 1 || 2 * m * n * k < 4e6 || k === 0) {
    ctx.k.gemm(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate ? 1 : 0, ctx.gemmScratch());
    return;
  }
  const width = Math.max(8, Math.floor(PANEL_LIMIT / (4 * k) / 8) * 8);
  for (let jc = 0; jc < n; jc += width) {
    const nc = Math.min(width, n - jc);
    const ncPad = Math.ceil(nc / 8) * 8;
    const bp = ctx.panel(k * ncPad * 4, 'matmul');
    const strips = ncPad / 8;
    ctx.runner.range('gemmPackB', [b + jc * csb * 4, rsb, csb, k, nc, bp], strips, 8 * k);
    packedTasks(ctx, m, nc, k, a, rsa, csa, bp, c + jc * 4, ldc, accumulate);
  }
}

/** The compute half of a threaded GEMM: C[m × nc] (+)= A · (panel at bp). */
function packedTasks(
  ctx: WasmContext,
  m: number,
  nc: number,
  k: number,
  a: number,
  rsa: number,
  csa: number,
  bp: number,
  c: number,
  ldc: number,
  accumulate: boolean,
): void {
  const ncPad = Math.ceil(nc / 8) * 8;
  const strips = ncPad / 8;
  const rowBlocks = Math.ceil(m / GEMM_ROWS);
  // Tasks of at least GEMM_TASK_FLOPS (so that packing A and the hand-off stay small next to the
  // work), between one and GEMM_TASKS_PER_THREAD per thread (room for stealing).
  const threads = ctx.runner.threads;
  const want = Math.min(
    threads * GEMM_TASKS_PER_THREAD,
    Math.max(threads, Math.floor((2 * m * nc * k) / GEMM_TASK_FLOPS)),
  );
  const colParts = Math.max(1, Math.min(strips, Math.ceil(want / rowBlocks)));
  const tasks = [];
  for (let rb = 0; rb < rowBlocks; rb++) {
    const i0 = rb * GEMM_ROWS;
    const rows = Math.min(GEMM_ROWS, m - i0);
    for (let cp = 0; cp < colParts; cp++) {
      const j0 = Math.floor((strips * cp) / colParts) * 8;
      const j1 = Math.min(nc, Math.floor((strips * (cp + 1)) / colParts) * 8);
      if (j1 <= j0) continue;
      tasks.push({
        name: 'gemmPacked' as const,
        args: [
          rows,
          k,
          a + i0 * rsa * 4,
          rsa,
          csa,
          bp,
          ncPad,
          j0,
          j1,
          c + i0 * ldc * 4,
          ldc,
          accumulate ? 1 : 0,
          -1,
        ],
      });
    }
  }
  ctx.runner.tasks(tasks);
}

/**
 * Implicit-GEMM convolution of one image: C[m×n] = A · im2col(x), with the im2col matrix packed
 * straight from the image (`cp`: its geometry in the parameter area). On several threads the
 * panel is packed once (split across threads) and shared, as in {@link gemm}.
 */
export function gemmConv(
  ctx: WasmContext,
  m: number,
  n: number,
  k: number,
  a: number,
  rsa: number,
  csa: number,
  x: number,
  cp: number,
  c: number,
  ldc: number,
): void {
  const threads = ctx.runner.threads;
  if (threads <= 1 || 2 * m * n * k < 4e6 || n < 16 * threads || k * Math.ceil(n / 8) * 32 > PANEL_LIMIT) {
    ctx.k.gemmConv(m, n, k, a, rsa, csa, x, cp, 0, c, ldc, 0, ctx.gemmScratch());
    return;
  }
  const ncPad = Math.ceil(n / 8) * 8;
  const bp = ctx.panel(k * ncPad * 4, 'conv2d');
  ctx.runner.range('gemmPackBConv', [x, cp, k, n, bp], ncPad / 8, 8 * k * 4);
  packedTasks(ctx, m, n, k, a, rsa, csa, bp, c, ldc, false);
}

export function matmul(ctx: WasmContext, a: View, b: View, out: Out): void {
  const r = out.shape.length;
  const m = out.shape[r - 2]!;
  const n = out.shape[r - 1]!;
  const k = a.shape[r - 1]!;
  if (m === 0 || n === 0) return;
  const batchShape = out.shape.slice(0, r - 2);
  const batches = sizeOf(batchShape);
  const rsa = a.strides[r - 2]!;
  const csa = a.strides[r - 1]!;
  const rsb = b.strides[r - 2]!;
  const csb = b.strides[r - 1]!;
  const a0 = ctx.addr(a);
  const b0 = ctx.addr(b);
  const c0 = ctx.addr(out);
  // Many matrices on several threads: one task per matrix (each a single-threaded GEMM).
  const perBatch =
    ctx.runner.threads > 1 && batches >= 2 * ctx.runner.threads && 2 * m * n * k * batches >= 4e6;
  const tasks = [];
  for (let bi = 0; bi < batches; bi++) {
    let rem = bi;
    let ao = 0;
    let bo = 0;
    for (let d = batchShape.length - 1; d >= 0; d--) {
      const s = batchShape[d]!;
      const idx = rem % s;
      rem = (rem - idx) / s;
      ao += idx * a.strides[d]!;
      bo += idx * b.strides[d]!;
    }
    const ab = a0 + ao * 4;
    const bb = b0 + bo * 4;
    const cb = c0 + bi * m * n * 4;
    if (perBatch) {
      tasks.push({ name: 'gemm' as const, args: [m, n, k, ab, rsa, csa, bb, rsb, csb, cb, n, 0, -1] });
    } else {
      gemm(ctx, m, n, k, ab, rsa, csa, bb, rsb, csb, cb, n, false);
    }
  }
  if (perBatch) ctx.runner.tasks(tasks);
}

/** gather and indexSelect: out[pos] = x[pos with axis coordinate idx[idxPos(pos)]]. */
function gatherWalk(
  ctx: WasmContext,
  x: View,
  axis: number,
  idxPtr: number,
  idxStrides: readonly number[],
  out: Out,
): void {
  if (sizeOf(out.shape) === 0) return;
  const xs = x.strides.slice();
  const xAxisStride = xs[axis]!;
  xs[axis] = 0;
  const c = collapse(out.shape, [idxStrides, xs]);
  const p = ctx.params(c.shape, c.strides[0]!, c.strides[1]!);
  const rank = c.shape.length;
  ctx.runner.range(
    'gatherK',
    [bytesOf(out.storage.dtype), rank, p, ctx.addr(x), xAxisStride, idxPtr, ctx.addr(out)],
    rowsOf(c.shape),
    2 * c.shape[rank - 1]!,
  );
}

export function gather(ctx: WasmContext, x: View, axis: number, index: View, out: Out): void {
  gatherWalk(ctx, x, axis, ctx.addr(index), index.strides, out);
}

export function indexSelect(ctx: WasmContext, x: View, axis: number, index: View, out: Out): void {
  const idxStrides = out.shape.map((_, d) => (d === axis ? index.strides[0]! : 0));
  gatherWalk(ctx, x, axis, ctx.addr(index), idxStrides, out);
}

export function scatterAdd(ctx: WasmContext, dst: Out, axis: number, index: View, src: View): void {
  if (sizeOf(index.shape) === 0) return;
  const ds = contiguousStrides(dst.shape);
  const dAxis = ds[axis]!;
  ds[axis] = 0;
  const c = collapse(index.shape, [index.strides, src.strides, ds]);
  const p = ctx.params(c.shape, c.strides[0]!, c.strides[1]!, c.strides[2]!);
  // NOTE: single-threaded on purpose: two positions may add into the same element.
  ctx.k.scatterAddK(
    kindOf(dst.storage.dtype),
    c.shape.length,
    p,
    ctx.addr(dst),
    dAxis,
    ctx.addr(index),
    ctx.addr(src),
  );
}

export function random(
  ctx: WasmContext,
  out: Out,
  distribution: RandomDistribution,
  seed: number,
  offset: number,
): void {
  const n = sizeOf(out.shape);
  if (n === 0) return;
  // NOTE: generated on the host with the reference Philox so every backend agrees bit for bit.
  const target = new Float32Array(ctx.heap.memory.buffer, ctx.addr(out), n);
  philoxFill(target, distribution, seed, offset);
}
