import type { Tensor } from '@kiln/tensor';
import { requireAutograd } from '../harness/autograd.js';
import type { BenchCase } from '../harness/case.js';
import { timeWorkload } from '../harness/measure.js';

const CHAIN = 1000;

/**
 * Autograd bookkeeping per recorded op: a 0-d float32 tensor that requires grad, a chain of 1000
 * adds, then `backward()`; the time divided by 1000 (µs/op). PyTorch runs the same loop.
 *
 * @example
 * ```ts
 * autogradCases()[0]!.name; // 'autograd chain of 1000 adds (per op)'
 * ```
 */
export function autogradCases(): BenchCase[] {
  return [
    {
      name: 'autograd chain of 1000 adds (per op)',
      group: 'autograd (issue 3)',
      torch: true,
      kiln: (env) =>
        timeWorkload(
          async () => {
            const { kt, device } = env;
            await requireAutograd(kt);
            const x = kt.tensor(1, { dtype: 'float32', device, requiresGrad: true });
            const c = kt.tensor(1, { dtype: 'float32', device });
            return {
              run() {
                x.grad = null;
                kt.tidy(() => {
                  let y: Tensor = x;
                  for (let i = 0; i < CHAIN; i++) y = kt.add(y, c);
                  y.backward();
                });
              },
              sync() {},
              dispose() {
                x.dispose();
                c.dispose();
              },
            };
          },
          { options: env.timing, opsPerRun: CHAIN, unit: 'us/op' },
        ),
    },
  ];
}
