// Trains a tiny character-level Transformer language model with Kiln and prints generated text
// as it learns.
//
//   pnpm --filter @kiln/example-char-transformer start                  # all Markdown under docs/
//   pnpm --filter @kiln/example-char-transformer start -- --steps 300
//   pnpm --filter @kiln/example-char-transformer start -- some.txt --context 128 --layers 4
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readText, run, TextFileError } from './src/train.js';

export { readText, run, TextFileError };

const DOCS = fileURLToPath(new URL('../../docs', import.meta.url));

const HELP = `Usage: main.ts [options] [file]

  file                a UTF-8 text file to train on
                      (default: every Markdown file under the repository's docs/, except docs/api)
  --steps N           optimisation steps (default 500)
  --context N         block size: characters the model sees (default 64)
  --d-model N         embedding and Transformer width (default 64)
  --heads N           attention heads (default 4)
  --layers N          Transformer layers (default 2)
  --batch-size N      sequences per batch (default 16)
  --lr X              AdamW's learning rate (default 0.003)
  --sample-every N    log the loss and a sample every N steps (default 100)
  --seed N            seed for initialisation, batches and sampling (default 0)
  -h, --help          this text`;

class UsageError extends Error {}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer (got '${text}')`);
  return n;
}

/** Every `.md` file under `dir` (sorted), skipping `api` at the top and `node_modules` anywhere. */
async function markdownFiles(dir: string, top = true): Promise<string[]> {
  const files: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || (top && e.name === 'api') || e.name.startsWith('.')) continue;
      files.push(...(await markdownFiles(join(dir, e.name), false)));
    } else if (e.isFile() && e.name.endsWith('.md')) {
      files.push(join(dir, e.name));
    }
  }
  return files;
}

/**
 * The repository's docs/ Markdown, concatenated.
 *
 * @example
 * ```ts
 * const text = await docsText();
 * ```
 */
export async function docsText(dir = DOCS): Promise<string> {
  const files = await markdownFiles(dir);
  if (files.length === 0) throw new TextFileError(`no Markdown files under '${dir}'`);
  const parts = await Promise.all(files.map((f) => readFile(f, 'utf8')));
  return parts.join('\n\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string', default: '500' },
      context: { type: 'string', default: '64' },
      'd-model': { type: 'string', default: '64' },
      heads: { type: 'string', default: '4' },
      layers: { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '16' },
      lr: { type: 'string', default: '0.003' },
      'sample-every': { type: 'string', default: '100' },
      seed: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 1)
    throw new UsageError(`expected at most one text file (got ${positionals.length})`);
  const lr = Number(values.lr);
  if (!(lr > 0)) throw new UsageError(`--lr must be a positive number (got '${values.lr}')`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer (got '${values.seed}')`);
  const dModel = positiveInt('--d-model', values['d-model']);
  const heads = positiveInt('--heads', values.heads);
  if (dModel % heads !== 0)
    throw new UsageError(`--d-model (${dModel}) must be divisible by --heads (${heads})`);
  const settings = {
    steps: positiveInt('--steps', values.steps),
    context: positiveInt('--context', values.context),
    dModel,
    heads,
    layers: positiveInt('--layers', values.layers),
    batchSize: positiveInt('--batch-size', values['batch-size']),
    lr,
    sampleEvery: positiveInt('--sample-every', values['sample-every']),
    seed,
  };
  const file = positionals[0];
  const text = file === undefined ? await docsText() : await readText(file);
  console.log(`training on ${file ?? 'docs/**/*.md'}`);
  await run({ text, ...settings });
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // NOTE: `pnpm start -- --steps 100` passes the `--` through; drop it so the flags stay flags.
  const argv = process.argv.slice(2);
  main(argv[0] === '--' ? argv.slice(1) : argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof TextFileError || e instanceof UsageError) {
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
