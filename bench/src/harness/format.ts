import { giga } from './stats.js';
import type { Unit } from './types.js';

/**
 * A value with its unit, short enough for a table cell: times scale between µs, ms and s.
 *
 * @example
 * ```ts
 * formatValue(0.0123, 'ms'); // '12.3 µs'
 * ```
 */
export function formatValue(value: number, unit: Unit): string {
  const fixed = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  switch (unit) {
    case 'ms':
      if (value < 1) return `${fixed(value * 1000)} µs`;
      if (value < 1000) return `${fixed(value)} ms`;
      return `${fixed(value / 1000)} s`;
    case 's':
      return `${fixed(value)} s`;
    case 'us/op':
      return `${fixed(value)} µs/op`;
    case 'KB':
      return `${fixed(value)} KB`;
    case 'x':
      return `${fixed(value)}×`;
  }
}

/**
 * Throughput of a timing in ms: GFLOP/s when the case counts flops, else GB/s when it counts
 * bytes, else an empty string.
 *
 * @example
 * ```ts
 * formatRate(1000, 2e9, undefined); // '2.00 GFLOP/s'
 * ```
 */
export function formatRate(ms: number, flops: number | undefined, bytes: number | undefined): string {
  if (flops !== undefined) return `${giga(flops, ms).toFixed(2)} GFLOP/s`;
  if (bytes !== undefined) return `${giga(bytes, ms).toFixed(2)} GB/s`;
  return '';
}

/**
 * A ratio Kiln/peer with two decimals (two significant digits below 0.1), or an empty string.
 *
 * @example
 * ```ts
 * formatRatio(0.256); // '0.26'
 * ```
 */
export function formatRatio(r: number | null): string {
  if (r === null) return '';
  if (r >= 100) return r.toFixed(0);
  if (r >= 10) return r.toFixed(1);
  return r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}
