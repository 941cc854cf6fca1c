import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '@kiln/autograd';
import { compose, DataLoader, normalize, toTensor } from '@kiln/data';
import { FashionMNIST } from '@kiln/data/node';
import { CrossEntropyLoss, Linear, ReLU, Sequential } from '@kiln/nn';
import { Adam } from '@kiln/optim';
import type { Tensor } from '@kiln/tensor';
import { requireAutograd } from '../harness/autograd.js';
import type { BenchCase, KilnEnv } from '../harness/case.js';
import { failed } from '../harness/measure.js';
import type { Measurement } from '../harness/types.js';

const [MEAN, STD] = [0.286, 0.353] as const;
const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function run(env: KilnEnv): Promise<Measurement> {
  const { kt, device } = env;
  const missing = FILES.filter((f) => !existsSync(join(env.dataDir, f)));
  if (missing.length > 0) return { ok: false, reason: `no ${missing.join(', ')} in ${env.dataDir}` };
  try {
    await requireAutograd(kt);
    const transform = compose([toTensor(), normalize([MEAN], [STD])]);
    const [train, test] = await Promise.all([
      FashionMNIST.create({ root: env.dataDir, train: true, transform }),
      FashionMNIST.create({ root: env.dataDir, train: false, transform }),
    ]);
    const trainLoader = new DataLoader(train, { batchSize: 128, shuffle: true });
    const testLoader = new DataLoader(test, { batchSize: 1000 });
    const model = new Sequential(
      new Linear(784, 256, { device }),
      new ReLU(),
      new Linear(256, 10, { device }),
    );
    const opt = new Adam(model.parameters(), { lr: 1e-3 });
    const lossFn = new CrossEntropyLoss();
    const onDevice = (t: Tensor): Tensor => (t.device === device ? t : t.to(device));
    const epochs = env.quick ? 1 : 3;
    const seconds: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const t0 = performance.now();
      for (const [x, y] of trainLoader) {
        opt.zeroGrad();
        lossFn.forward(model.forward(onDevice(x).reshape([-1, 784])), onDevice(y)).backward();
        opt.step();
        // NOTE: one event-loop turn per batch, as a PyTorch-style loop over a loader gives, so
        // storages released by the step are finalised.
        await nextTurn();
      }
      seconds.push((performance.now() - t0) / 1000);
    }
    model.eval();
    let correct = 0;
    let total = 0;
    for (const [x, y] of testLoader) {
      correct += noGrad(() =>
        Number(
          model
            .forward(onDevice(x).reshape([-1, 784]))
            .argmax(1)
            .eq(onDevice(y))
            .sum()
            .item(),
        ),
      );
      total += y.shape[0] ?? 0;
      await nextTurn();
    }
    const accuracy = total === 0 ? 0 : correct / total;
    return {
      ok: true,
      value: median(seconds),
      unit: 's',
      samples: epochs,
      reps: 1,
      note: `test accuracy ${accuracy.toFixed(4)} after ${epochs} epoch${epochs === 1 ? '' : 's'}; epochs ${seconds.map((s) => s.toFixed(1)).join(', ')} s`,
    };
  } catch (error) {
    return failed(error);
  }
}

/**
 * Fashion-MNIST training end to end (issue 9): MLP 784→256→10 (nn.Sequential Linear/ReLU/Linear),
 * Adam 1e-3, batch 128, shuffled, the full 60,000-image training set through `@kiln/data`'s
 * `FashionMNIST` + `DataLoader`, 3 epochs (1 with `--quick`). The value is seconds per epoch (the
 * median over the epochs); the note holds the test accuracy afterwards. PyTorch does the same with
 * a `TensorDataset` over the same IDX files.
 *
 * @example
 * ```ts
 * fashionMnistTrainCases()[0]!.name; // 'fashion-mnist train mlp 784-256-10 adam (s/epoch)'
 * ```
 */
export function fashionMnistTrainCases(): BenchCase[] {
  return [
    {
      name: 'fashion-mnist train mlp 784-256-10 adam (s/epoch)',
      group: 'training end to end (issue 9)',
      torch: true,
      kilnKinds: ['cpu', 'wasm'],
      kiln: run,
    },
  ];
}
