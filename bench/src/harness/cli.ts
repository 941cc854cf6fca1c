import { parseArgs } from 'node:util';

/** The bench's command-line options. */
export interface CliOptions {
  /** Comma-separated substrings; a case runs when its name or group contains one. */
  readonly filter: string | null;
  readonly quick: boolean;
  readonly torchThreads: readonly number[];
  readonly wasmThreads: readonly number[];
  readonly python: string;
  readonly dataDir: string | null;
  readonly out: string | null;
  readonly list: boolean;
  readonly help: boolean;
}

/** The usage text printed by `--help` and after a bad option. */
export const USAGE = `usage: pnpm bench [-- options]
  --filter, -f <a,b>     run only cases whose name or group contains one of these (case-insensitive)
  --quick, -q            fewer repetitions (about a quarter of the time), 1,000 memory steps
  --torch-threads <1,2>  PyTorch thread counts, one column each (default 1,2)
  --wasm-threads <1,2>   Kiln wasm backends to create, one row each (default 1,2)
  --python <path>        interpreter with torch (default /usr/bin/python3)
  --data <dir>           Fashion-MNIST folder (default ../shared/data/fashion-mnist from the repo root)
  --out <file>           JSON output (default bench/results/latest.json)
  --list                 print the case names and exit
  --help, -h             this text`;

function numbers(text: string, flag: string): number[] {
  const out = text.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new TypeError(`${flag}: expected positive integers separated by commas, got '${text}'`);
  }
  return out;
}

/**
 * Parses the bench's arguments with `node:util`'s `parseArgs` (a leading `--`, which `pnpm bench --
 * …` may pass through, is dropped). Throws a `TypeError` on an unknown option or a bad value.
 *
 * @example
 * ```ts
 * parseCli(['--filter', 'matmul', '--quick']).filter; // 'matmul'
 * ```
 */
export function parseCli(argv: readonly string[]): CliOptions {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      filter: { type: 'string', short: 'f' },
      quick: { type: 'boolean', short: 'q', default: false },
      'torch-threads': { type: 'string', default: '1,2' },
      'wasm-threads': { type: 'string', default: '1,2' },
      python: { type: 'string', default: '/usr/bin/python3' },
      data: { type: 'string' },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    filter: values.filter ?? null,
    quick: values.quick,
    torchThreads: numbers(values['torch-threads'], '--torch-threads'),
    wasmThreads: numbers(values['wasm-threads'], '--wasm-threads'),
    python: values.python,
    dataDir: values.data ?? null,
    out: values.out ?? null,
    list: values.list,
    help: values.help,
  };
}

/**
 * Whether a case passes the filter (no filter passes everything).
 *
 * @example
 * ```ts
 * matchesFilter('matmul 64', 'matmul', 'mat,conv'); // true
 * ```
 */
export function matchesFilter(name: string, group: string, filter: string | null): boolean {
  if (filter === null) return true;
  const hay = `${name} ${group}`.toLowerCase();
  return filter
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
    .some((s) => hay.includes(s));
}
