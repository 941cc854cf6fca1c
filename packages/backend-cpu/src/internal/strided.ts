/**
 * A shape with one stride list per operand, after dropping size-1 dims and merging dims that
 * every operand walks contiguously (so a contiguous tensor becomes one long row).
 *
 * @example
 * ```ts
 * const l: CollapsedLayout = { shape: [6], strides: [[1], [1]] };
 * ```
 */
export interface CollapsedLayout {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * Drops size-1 dims and merges each dim into the next one where every operand allows it, which
 * turns same-shape contiguous operands into a single flat row and broadcasts into stride-0 runs.
 *
 * @example
 * ```ts
 * collapse([2, 3], [[3, 1], [3, 1]]); // { shape: [6], strides: [[1], [1]] }
 * ```
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): CollapsedLayout {
  const k = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let j = 0; j < k; j++) outStrides.push([]);
  // Walk from the innermost dim outwards, merging the current dim into the last kept one.
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    if (mergeable) {
      const inner = outShape[last]!;
      for (let j = 0; j < k; j++) {
        if (strides[j]![d] !== outStrides[j]![last]! * inner) {
          mergeable = false;
          break;
        }
      }
    }
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
    } else {
      outShape.push(n);
      for (let j = 0; j < k; j++) outStrides[j]!.push(strides[j]![d]!);
    }
  }
  outShape.reverse();
  for (const s of outStrides) s.reverse();
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls `body` once per innermost row of `shape`, with every operand's element offset at the
 * row's start, the row length and each operand's innermost stride. The outer dims are walked
 * with an odometer that updates offsets incrementally, so the per-element work stays in the
 * body's tight loop. `offs` is reused between calls: read it, do not keep it.
 *
 * @example
 * ```ts
 * forEachRow([2, 3], [[3, 1]], [0], (offs, n, inner) => console.log(offs[0], n, inner[0]));
 * ```
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  body: (offs: number[], n: number, inner: number[]) => void,
): void {
  for (const n of shape) if (n === 0) return;
  const k = strides.length;
  const c = collapse(shape, strides);
  const rank = c.shape.length;
  const offs = offsets.slice();
  if (rank === 0) {
    body(offs, 1, new Array<number>(k).fill(0));
    return;
  }
  const n = c.shape[rank - 1]!;
  const inner = c.strides.map((s) => s[rank - 1]!);
  if (rank === 1) {
    body(offs, n, inner);
    return;
  }
  const outer = rank - 1;
  const idx = new Array<number>(outer).fill(0);
  for (;;) {
    body(offs, n, inner);
    let d = outer - 1;
    for (; d >= 0; d--) {
      const size = c.shape[d]!;
      idx[d]!++;
      if (idx[d]! < size) {
        for (let j = 0; j < k; j++) offs[j]! += c.strides[j]![d]!;
        break;
      }
      idx[d] = 0;
      for (let j = 0; j < k; j++) offs[j]! -= c.strides[j]![d]! * (size - 1);
    }
    if (d < 0) return;
  }
}
