import type { Tensor } from '@kiln/tensor';
import { requireAutograd } from '../harness/autograd.js';
import type { BenchCase } from '../harness/case.js';
import { normalData } from '../harness/data.js';
import { timeWorkload } from '../harness/measure.js';
import { exported, requireOptional } from '../harness/optional.js';
import { kilnTensor } from '../peers/kiln.js';
import { tfjsBarrier, tfjsTensor } from '../peers/tfjs.js';

const N = 1 << 20;

type AdamCtor = new (params: readonly Tensor[], options: { lr: number }) => { step(): void };

/**
 * One Adam step over 1M parameters with a fixed gradient (issue 5): `@kiln/optim`'s `Adam`
 * against `torch.optim.Adam(foreach=True)` and tfjs `train.adam().applyGradients`.
 *
 * @example
 * ```ts
 * adamCases()[0]!.name; // 'adam step 1M params'
 * ```
 */
export function adamCases(): BenchCase[] {
  return [
    {
      name: 'adam step 1M params',
      group: 'optim (issue 5)',
      torch: true,
      bytes: N * 4 * 7, // read p, g, m, v; write p, m, v
      kiln: (env) =>
        timeWorkload(
          async () => {
            const { kt, device } = env;
            await requireAutograd(kt);
            const Adam = exported<AdamCtor>(await requireOptional('@kiln/optim'), 'Adam', '@kiln/optim');
            const p = kilnTensor(kt, device, normalData(N, 41), [N]).requiresGrad_(true);
            p.grad = kilnTensor(kt, device, normalData(N, 42), [N]);
            const opt = new Adam([p], { lr: 1e-3 });
            return {
              run: () => opt.step(),
              sync() {},
              dispose() {
                p.grad?.dispose();
                p.dispose();
              },
            };
          },
          { options: env.timing },
        ),
      tfjs: (env) =>
        timeWorkload(
          () => {
            const { tf } = env;
            const init = tfjsTensor(normalData(N, 41), [N]);
            const p = tf.variable(init);
            init.dispose();
            const g = tfjsTensor(normalData(N, 42), [N]);
            const opt = tf.train.adam(1e-3);
            return {
              run: () => opt.applyGradients([{ name: p.name, tensor: g }]),
              sync: () => tfjsBarrier(p),
              dispose() {
                opt.dispose();
                tf.dispose([p, g]);
              },
            };
          },
          { options: env.timing },
        ),
    },
  ];
}
