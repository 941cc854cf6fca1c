import type { BenchCase } from '../harness/case.js';
import { timeWorkload } from '../harness/measure.js';
import { kilnTensor } from '../peers/kiln.js';
import { tfjsTensor } from '../peers/tfjs.js';

const OPS = 100_000;

/**
 * Per-op overhead: a 1-element add through the public API, in µs per op over a loop of 100,000
 * (each result disposed, as a caller that keeps nothing would).
 *
 * @example
 * ```ts
 * overheadCases()[0]!.name; // 'add 1-element (per op)'
 * ```
 */
export function overheadCases(): BenchCase[] {
  return [
    {
      name: 'add 1-element (per op)',
      group: 'overhead',
      torch: true,
      kiln: (env) =>
        timeWorkload(
          () => {
            const { kt, device } = env;
            const a = kilnTensor(kt, device, new Float32Array([1.5]), [1]);
            const b = kilnTensor(kt, device, new Float32Array([2.5]), [1]);
            const backend = kt.getBackend(device);
            return {
              run() {
                for (let i = 0; i < OPS; i++) kt.add(a, b).dispose();
              },
              async sync() {
                if (backend.synchronize !== undefined) await backend.synchronize();
              },
              dispose() {
                a.dispose();
                b.dispose();
              },
            };
          },
          { options: env.timing, opsPerRun: OPS, unit: 'us/op' },
        ),
      tfjs: (env) =>
        timeWorkload(
          () => {
            const a = tfjsTensor(new Float32Array([1.5]), [1]);
            const b = tfjsTensor(new Float32Array([2.5]), [1]);
            return {
              run() {
                for (let i = 0; i < OPS; i++) env.tf.add(a, b).dispose();
              },
              sync() {},
              dispose() {
                a.dispose();
                b.dispose();
              },
            };
          },
          { options: env.timing, opsPerRun: OPS, unit: 'us/op' },
        ),
    },
  ];
}
