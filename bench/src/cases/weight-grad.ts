import type { BenchCase } from '../harness/case.js';
import { opCase } from './op-case.js';

const [M, K, N] = [784, 128, 256] as const;

/**
 * The MLP's weight-gradient matmul `xᵀ · dy` ([784,128] · [128,256]) with the left operand a
 * transposed view of a [128,784] tensor, beside the plain matmul of the same size (issue 7 wants
 * the view within 1.2× of the plain one). tfjs uses `matMul(a, b, transposeA=true)`.
 *
 * @example
 * ```ts
 * weightGradCases().length; // 2
 * ```
 */
export function weightGradCases(): BenchCase[] {
  const flops = 2 * M * K * N;
  return [
    opCase({
      name: 'weight-grad matmul [784,128]x[128,256] plain',
      group: 'matmul layouts (issue 7)',
      flops,
      inputs: [
        { shape: [M, K], seed: 21 },
        { shape: [K, N], seed: 22 },
      ],
      kiln: (kt, [a, b]) => kt.matmul(a!, b!),
      tfjs: (t, [a, b]) => t.matMul(a!, b!),
    }),
    opCase({
      name: 'weight-grad matmul [128,784]^T x[128,256] t-view',
      group: 'matmul layouts (issue 7)',
      flops,
      inputs: [
        { shape: [K, M], seed: 21 },
        { shape: [K, N], seed: 22 },
      ],
      kiln: (kt, [a, b]) => kt.matmul(kt.t(a!), b!),
      tfjs: (t, [a, b]) => t.matMul(a!, b!, true, false),
    }),
  ];
}
