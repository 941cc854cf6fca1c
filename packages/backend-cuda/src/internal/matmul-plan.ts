import { coalesce } from './layout.js';

/** How one 2-D operand reaches a row-major GEMM: directly (maybe transposed) or after a copy. */
export type OperandPlan =
  | { readonly kind: 'direct'; readonly trans: boolean; readonly ld: number }
  | { readonly kind: 'copy' };

/**
 * Plans a `rows x cols` operand with strides `(rowStride, colStride)` for a row-major GEMM:
 * row-major (`colStride` 1) passes as is, column-major (`rowStride` 1) passes with the transpose
 * flag, anything else (broadcast rows, gaps in both) needs a contiguous copy. The leading
 * dimension is what cuBLAS requires (>= the stored row length, >= 1).
 */
export function planOperand(rows: number, cols: number, rowStride: number, colStride: number): OperandPlan {
  const maxLd = 2 ** 31 - 1;
  if ((cols === 1 || colStride === 1) && (rows === 1 || rowStride >= Math.max(cols, 1))) {
    const ld = rows === 1 ? Math.max(cols, 1) : rowStride;
    if (ld <= maxLd) return { kind: 'direct', trans: false, ld };
  }
  if ((rows === 1 || rowStride === 1) && (cols === 1 || colStride >= Math.max(rows, 1))) {
    const ld = cols === 1 ? Math.max(rows, 1) : colStride;
    if (ld <= maxLd) return { kind: 'direct', trans: true, ld };
  }
  return { kind: 'copy' };
}

/**
 * The single element stride between consecutive batch matrices of an operand, or null when its
 * batch dimensions cannot be walked with one stride (then the operand is copied).
 */
export function batchStride(batchShape: readonly number[], batchStrides: readonly number[]): number | null {
  const merged = coalesce(batchShape, [batchStrides]);
  if (merged.shape.length === 0) return 0;
  if (merged.shape.length === 1) return merged.strides[0]![0]!;
  return null;
}
