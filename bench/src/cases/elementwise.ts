import type { BenchCase } from '../harness/case.js';
import { opCase } from './op-case.js';

const SIZES = [
  ['1M', 1 << 20],
  ['16M', 1 << 24],
] as const;

/**
 * add / mul (two inputs) and exp / relu (one input) over 1M and 16M float32 elements, reported in
 * GB/s of memory traffic (inputs read + output written).
 *
 * @example
 * ```ts
 * elementwiseCases().length; // 8
 * ```
 */
export function elementwiseCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const [label, n] of SIZES) {
    const one = [{ shape: [n], seed: 3 }];
    const two = [...one, { shape: [n], seed: 4 }];
    cases.push(
      opCase({
        name: `add ${label}`,
        group: 'elementwise',
        bytes: 12 * n,
        inputs: two,
        kiln: (kt, [a, b]) => kt.add(a!, b!),
        tfjs: (t, [a, b]) => t.add(a!, b!),
      }),
      opCase({
        name: `mul ${label}`,
        group: 'elementwise',
        bytes: 12 * n,
        inputs: two,
        kiln: (kt, [a, b]) => kt.mul(a!, b!),
        tfjs: (t, [a, b]) => t.mul(a!, b!),
      }),
      opCase({
        name: `exp ${label}`,
        group: 'elementwise',
        bytes: 8 * n,
        inputs: one,
        kiln: (kt, [x]) => kt.exp(x!),
        tfjs: (t, [x]) => t.exp(x!),
      }),
      opCase({
        name: `relu ${label}`,
        group: 'elementwise',
        bytes: 8 * n,
        inputs: one,
        kiln: (kt, [x]) => kt.relu(x!),
        tfjs: (t, [x]) => t.relu(x!),
      }),
    );
  }
  return cases;
}
