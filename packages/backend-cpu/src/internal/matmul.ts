import { elemsOf } from './elems.js';
import { type GemmScratch, gemm } from './gemm.js';
import { contiguousStrides } from './shape.js';
import { forEachRow } from './strided.js';
import type { Out, View } from './tensor-types.js';

/**
 * Batched `out = a @ b`: `a` [...batch, m, k], `b` [...batch, k, n] with any strides (stride 0 on
 * broadcast batch dims), `out` [...batch, m, n] contiguous. Each batch entry is one blocked GEMM
 * reading its operands in place.
 *
 * @example
 * ```ts
 * matmul(aView, bView, out, scratch);
 * ```
 */
export function matmul(a: View, b: View, out: Out, scratch: GemmScratch): void {
  const r = out.shape.length;
  const m = out.shape[r - 2]!;
  const n = out.shape[r - 1]!;
  const k = a.shape[r - 1]!;
  const ad = elemsOf(a);
  const bd = elemsOf(b);
  const od = elemsOf(out);
  const sam = a.strides[r - 2]!;
  const sak = a.strides[r - 1]!;
  const sbk = b.strides[r - 2]!;
  const sbn = b.strides[r - 1]!;
  const batch = out.shape.slice(0, r - 2);
  const outBatchStrides = contiguousStrides(batch).map((s) => s * m * n);
  forEachRow(
    batch,
    [outBatchStrides, a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)],
    [out.offset, a.offset, b.offset],
    (offs, count, inner) => {
      for (let i = 0; i < count; i++) {
        gemm(
          m,
          n,
          k,
          ad,
          offs[1]! + i * inner[1]!,
          sam,
          sak,
          bd,
          offs[2]! + i * inner[2]!,
          sbk,
          sbn,
          od,
          offs[0]! + i * inner[0]!,
          n,
          false,
          scratch,
        );
      }
    },
  );
}
