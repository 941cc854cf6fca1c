import type { BenchCase } from '../harness/case.js';
import { opCase } from './op-case.js';

const N = 4096;

/**
 * Sums of a [4096, 4096] float32 tensor: over every element, and over the last axis.
 *
 * @example
 * ```ts
 * reduceCases().map((c) => c.name); // ['sum all [4096,4096]', 'sum last axis [4096,4096]']
 * ```
 */
export function reduceCases(): BenchCase[] {
  const inputs = [{ shape: [N, N], seed: 5 }];
  return [
    opCase({
      name: 'sum all [4096,4096]',
      group: 'reduce',
      bytes: 4 * N * N,
      inputs,
      kiln: (kt, [x]) => kt.sum(x!),
      tfjs: (t, [x]) => t.sum(x!),
    }),
    opCase({
      name: 'sum last axis [4096,4096]',
      group: 'reduce',
      bytes: 4 * N * N + 4 * N,
      inputs,
      kiln: (kt, [x]) => kt.sum(x!, -1),
      tfjs: (t, [x]) => t.sum(x!, -1),
    }),
  ];
}
