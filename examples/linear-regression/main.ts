// The classic first example: fit y = 2x + 1 + noise with one nn.Linear, MSELoss and SGD.
//
//   pnpm --filter @kiln/example-linear-regression start
//   pnpm --filter @kiln/example-linear-regression start -- --epochs 200 --lr 0.05
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { manualSeed, nn, optim, rand, randn } from 'kiln';

/** Options of {@link run}. */
export interface RunOptions {
  /** Full-batch gradient steps (default 100). */
  readonly epochs?: number;
  /** SGD's learning rate (default 0.1). */
  readonly lr?: number;
  /** Number of (x, y) points (default 100). */
  readonly samples?: number;
  /** Standard deviation of the noise added to y (default 0.1). */
  readonly noise?: number;
  /** Seed for the data and the initial weights (default 0). */
  readonly seed?: number;
  /** Where the report lines go (default `console.log`). */
  readonly log?: (line: string) => void;
}

/** The fitted line and the loss after every epoch. */
export interface RunResult {
  readonly weight: number;
  readonly bias: number;
  readonly losses: readonly number[];
}

/**
 * Draws `samples` points x ~ U(-1, 1), y = 2x + 1 + noise, and fits `nn.Linear(1, 1)` to them
 * with full-batch SGD on the mean squared error, logging the loss every 10 epochs.
 *
 * @example
 * ```ts
 * const { weight, bias } = run({ epochs: 100 });
 * // weight ≈ 2, bias ≈ 1
 * ```
 */
export function run(options: RunOptions = {}): RunResult {
  const { epochs = 100, lr = 0.1, samples = 100, noise = 0.1, seed = 0 } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  manualSeed(seed);

  const x = rand([samples, 1]).mul(2).sub(1);
  const y = x
    .mul(2)
    .add(1)
    .add(randn([samples, 1]).mul(noise));

  const model = new nn.Linear(1, 1);
  const lossFn = new nn.MSELoss();
  const optimizer = new optim.SGD(model.parameters(), { lr });

  const losses: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    optimizer.zeroGrad();
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    optimizer.step();
    const value = Number(loss.item());
    losses.push(value);
    if (epoch % 10 === 0 || epoch === epochs) {
      log(`epoch ${String(epoch).padStart(4)}  loss ${value.toFixed(6)}`);
    }
  }

  const weight = Number(model.weight.item());
  const bias = Number(model.bias?.item() ?? 0);
  log(`learned: y = ${weight.toFixed(4)} x + ${bias.toFixed(4)}   (true: y = 2 x + 1)`);
  return { weight, bias, losses };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string', default: '100' },
      lr: { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '0' },
    },
  });
  const epochs = Number(values.epochs);
  const lr = Number(values.lr);
  if (!Number.isInteger(epochs) || epochs < 1 || !(lr > 0)) {
    console.error('error: --epochs must be a positive integer and --lr a positive number');
    process.exitCode = 2;
  } else {
    run({ epochs, lr, seed: Number(values.seed) });
  }
}
