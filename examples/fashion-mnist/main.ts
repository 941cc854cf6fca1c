// Trains an MLP (784 → 256 → 10) or a small CNN on Fashion-MNIST with Kiln, then writes a
// safetensors checkpoint and an SVG plot of the loss and test accuracy.
//
//   pnpm start                                         # the shipped 3,000-image subset, MLP
//   pnpm start -- --data ../shared/data/fashion-mnist  # the full 60,000 images
//   pnpm start -- --model cnn --epochs 3 --backend wasm
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BackendChoice } from './src/backend.js';
import { DataFolderError } from './src/load-data.js';
import type { ModelName } from './src/models.js';
import { run } from './src/train.js';

export { run };

const HELP = `Usage: main.ts [options]

  --data DIR          folder with the four Fashion-MNIST IDX files
                      (default: the subset shipped in examples/fashion-mnist/data)
  --epochs N          passes over the training set (default 10)
  --batch-size N      samples per batch (default 128)
  --lr X              Adam's initial learning rate (default 0.001)
  --model mlp|cnn     network to train (default mlp)
  --backend cpu|wasm|auto
                      auto: wasm when it loads, else cpu (default auto)
  --out DIR           where the checkpoint and the plot go (default runs)
  --seed N            seed for initialisation and shuffling (default 0)
  -h, --help          this text`;

class UsageError extends Error {}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer (got '${text}')`);
  return n;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got '${text}')`);
  }
  return text as T;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string', default: fileURLToPath(new URL('./data', import.meta.url)) },
      epochs: { type: 'string', default: '10' },
      'batch-size': { type: 'string', default: '128' },
      lr: { type: 'string', default: '0.001' },
      model: { type: 'string', default: 'mlp' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'runs' },
      seed: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const lr = Number(values.lr);
  if (!(lr > 0)) throw new UsageError(`--lr must be a positive number (got '${values.lr}')`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got '${values.seed}')`);
  await run({
    data: values.data,
    out: values.out,
    epochs: positiveInt('--epochs', values.epochs),
    batchSize: positiveInt('--batch-size', values['batch-size']),
    lr,
    seed,
    model: oneOf<ModelName>('--model', values.model, ['mlp', 'cnn']),
    backend: oneOf<BackendChoice>('--backend', values.backend, ['cpu', 'wasm', 'auto']),
  });
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof DataFolderError || e instanceof UsageError) {
        console.error(`error: ${e.message}`);
        if (e instanceof UsageError) console.error('run with --help for the options');
        process.exitCode = e instanceof UsageError ? 2 : 1;
      } else {
        console.error(e);
        process.exitCode = 1;
      }
    },
  );
}
