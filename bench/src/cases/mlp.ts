import type { Tensor } from '@kiln/tensor';
import { requireAutograd } from '../harness/autograd.js';
import type { BenchCase, KilnApi } from '../harness/case.js';
import { timeWorkload, withNote } from '../harness/measure.js';
import { exported, loadOptional } from '../harness/optional.js';
import type { Measurement } from '../harness/types.js';
import { ensureTfjsGradients, tfjsBarrier } from '../peers/tfjs.js';
import { kilnMlp, sgdUpdate, tfjsMlp } from './mlp-model.js';

const LR = 0.01;
const [BETA1, BETA2, EPS, ADAM_LR] = [0.9, 0.999, 1e-8, 1e-3] as const;

interface Stepper {
  step(): void;
  readonly how: string;
}

type AdamCtor = new (
  params: readonly Tensor[],
  options: { lr: number },
) => { step(): void; zeroGrad(): void };

/** Adam from @kiln/optim when it exists, else the same update written with tensor ops. */
async function kilnAdam(kt: KilnApi, params: readonly Tensor[], device: string): Promise<Stepper> {
  const optim = await loadOptional('@kiln/optim');
  if (optim.ok) {
    const Adam = exported<AdamCtor>(optim.mod, 'Adam', '@kiln/optim');
    const opt = new Adam(params, { lr: ADAM_LR });
    return {
      how: 'optim.Adam',
      step() {
        opt.step();
        opt.zeroGrad();
      },
    };
  }
  const m = params.map((p) => kt.zeros(p.shape, { device }));
  const v = params.map((p) => kt.zeros(p.shape, { device }));
  let t = 0;
  return {
    how: 'Adam by hand (no @kiln/optim yet)',
    step() {
      t += 1;
      const bc1 = 1 - BETA1 ** t;
      const bc2 = 1 - BETA2 ** t;
      params.forEach((p, i) => {
        const g = p.grad!;
        m[i]!.mul_(BETA1).add_(g, { alpha: 1 - BETA1 });
        v[i]!.mul_(BETA2).addcmul_(g, g, { value: 1 - BETA2 });
        const denom = kt.add(kt.div(kt.sqrt(v[i]!), Math.sqrt(bc2)), EPS);
        p.detach().addcdiv_(m[i]!, denom, { value: -ADAM_LR / bc1 });
        p.grad = null;
      });
    },
  };
}

/**
 * MLP 784→256→10 training steps at batch 128 (ReLU, cross-entropy): with plain SGD written by
 * hand (issue 3; tfjs through `variableGrads`), and with Adam (issue 7; tfjs `train.adam`,
 * PyTorch `optim.Adam(foreach=True)`).
 *
 * @example
 * ```ts
 * mlpCases().length; // 2
 * ```
 */
export function mlpCases(): BenchCase[] {
  const sgd: BenchCase = {
    name: 'mlp 784-256-10 sgd step (batch 128)',
    group: 'training (issues 3, 7)',
    torch: true,
    kiln: (env) =>
      timeWorkload(
        async () => {
          await requireAutograd(env.kt);
          const mlp = kilnMlp(env.kt, env.device);
          return {
            run() {
              env.kt.tidy(() => {
                mlp.loss().backward();
                sgdUpdate(env.kt, mlp.params, LR);
              });
            },
            sync() {},
            dispose: () => mlp.dispose(),
          };
        },
        { options: env.timing },
      ),
    tfjs: (env) =>
      timeWorkload(
        async () => {
          await ensureTfjsGradients();
          const { tf } = env;
          const mlp = tfjsMlp(tf);
          return {
            run() {
              tf.tidy(() => {
                const { grads } = tf.variableGrads(() => mlp.loss(), mlp.vars);
                for (const v of mlp.vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, LR)));
              });
            },
            sync: () => tfjsBarrier(mlp.vars[3]!),
            dispose: () => mlp.dispose(),
          };
        },
        { options: env.timing },
      ),
  };
  const adam: BenchCase = {
    name: 'mlp 784-256-10 adam step (batch 128)',
    group: 'training (issues 3, 7)',
    torch: true,
    async kiln(env): Promise<Measurement> {
      let how = '';
      const m = await timeWorkload(
        async () => {
          await requireAutograd(env.kt);
          const mlp = kilnMlp(env.kt, env.device);
          const opt = await kilnAdam(env.kt, mlp.params, env.device);
          how = opt.how;
          // NOTE: one step outside tidy, so optimizer state created lazily on the first step is
          // not disposed with the step's temporaries.
          mlp.loss().backward();
          opt.step();
          return {
            run() {
              env.kt.tidy(() => {
                mlp.loss().backward();
                opt.step();
              });
            },
            sync() {},
            dispose: () => mlp.dispose(),
          };
        },
        { options: env.timing },
      );
      return withNote(m, how);
    },
    tfjs: (env) =>
      timeWorkload(
        async () => {
          await ensureTfjsGradients();
          const { tf } = env;
          const mlp = tfjsMlp(tf);
          const opt = tf.train.adam(ADAM_LR);
          return {
            run() {
              tf.tidy(() => {
                opt.minimize(() => mlp.loss(), false, mlp.vars);
              });
            },
            sync: () => tfjsBarrier(mlp.vars[3]!),
            dispose() {
              opt.dispose();
              mlp.dispose();
            },
          };
        },
        { options: env.timing },
      ),
  };
  return [sgd, adam];
}
