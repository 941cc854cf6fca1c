import type { BenchCase } from '../harness/case.js';
import { opCase } from './op-case.js';

/**
 * Softmax over the last axis of a [256, 1000] float32 tensor (a classifier's logits).
 *
 * @example
 * ```ts
 * softmaxCases()[0]!.name; // 'softmax [256,1000]'
 * ```
 */
export function softmaxCases(): BenchCase[] {
  return [
    opCase({
      name: 'softmax [256,1000]',
      group: 'softmax',
      bytes: 8 * 256 * 1000,
      inputs: [{ shape: [256, 1000], seed: 6 }],
      kiln: (kt, [x]) => kt.softmax(x!, -1),
      tfjs: (t, [x]) => t.softmax(x!),
    }),
  ];
}
