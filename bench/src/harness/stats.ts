/**
 * The median of a non-empty list of numbers (the mean of the two middle ones for even lengths).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Kiln's value divided by a peer's (both lower-is-better): below 1 means Kiln wins. Null when
 * either side is missing or the peer's value is zero.
 *
 * @example
 * ```ts
 * ratio(2, 8); // 0.25 (Kiln 4× faster)
 * ```
 */
export function ratio(kiln: number | null, peer: number | null): number | null {
  if (kiln === null || peer === null || !Number.isFinite(kiln) || !Number.isFinite(peer) || peer === 0)
    return null;
  return kiln / peer;
}

/**
 * Work per second in giga-units: `giga(2e9, 1000)` is 2 (2e9 flops in 1000 ms = 2 GFLOP/s).
 *
 * @example
 * ```ts
 * giga(2e9, 1000); // 2
 * ```
 */
export function giga(amount: number, ms: number): number {
  return amount / (ms * 1e-3) / 1e9;
}
