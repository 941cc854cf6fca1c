import type { BenchCase } from '../harness/case.js';
import { opCase } from './op-case.js';

/**
 * Square float32 matmuls, n × n by n × n (2n³ flops).
 *
 * @example
 * ```ts
 * matmulCases().map((c) => c.name); // ['matmul 64', 'matmul 256', 'matmul 1024']
 * ```
 */
export function matmulCases(): BenchCase[] {
  return [64, 256, 1024].map((n) =>
    opCase({
      name: `matmul ${n}`,
      group: 'matmul',
      flops: 2 * n * n * n,
      inputs: [
        { shape: [n, n], seed: 1 },
        { shape: [n, n], seed: 2 },
      ],
      kiln: (kt, [a, b]) => kt.matmul(a!, b!),
      tfjs: (t, [a, b]) => t.matMul(a!, b!),
    }),
  );
}
