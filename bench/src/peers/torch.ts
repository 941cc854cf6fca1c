import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { errorLine } from '../harness/measure.js';
import type { Measurement, TimingOptions, Unit } from '../harness/types.js';

/** What the PyTorch child process reported: per thread count, per case name. */
export interface TorchResults {
  readonly installed: boolean;
  /** Why there are no PyTorch numbers (when not installed or the process failed). */
  readonly reason?: string;
  readonly version?: string;
  /** The BLAS libraries mapped into the process (OpenBLAS-openmp is the fair peer). */
  readonly blas?: string;
  readonly threads: readonly number[];
  readonly results: ReadonlyMap<number, ReadonlyMap<string, Measurement>>;
}

/** Where and how to run PyTorch. */
export interface TorchRequest {
  readonly python: string;
  readonly cases: readonly string[];
  readonly threads: readonly number[];
  readonly timing: TimingOptions;
  /** `--quick`: cases that train for several epochs train for one. */
  readonly quick?: boolean;
  /** Fashion-MNIST folder for the data cases. */
  readonly dataDir: string;
  /** Called with each progress line the script prints. */
  readonly onProgress?: (line: string) => void;
}

const UNITS: readonly Unit[] = ['ms', 'us/op', 's', 'KB', 'x'];

function toMeasurement(raw: unknown): Measurement {
  if (raw === null || typeof raw !== 'object') return { ok: false, reason: 'malformed result' };
  const r = raw as Record<string, unknown>;
  if (r.ok === true && typeof r.value === 'number' && UNITS.includes(r.unit as Unit)) {
    return {
      ok: true,
      value: r.value,
      unit: r.unit as Unit,
      ...(typeof r.samples === 'number' ? { samples: r.samples } : {}),
      ...(typeof r.reps === 'number' ? { reps: r.reps } : {}),
      ...(typeof r.note === 'string' ? { note: r.note } : {}),
    };
  }
  return { ok: false, reason: typeof r.reason === 'string' ? r.reason : 'malformed result' };
}

function parse(stdout: string, threads: readonly number[]): TorchResults {
  const line = stdout.trim().split('\n').pop() ?? '';
  const raw: unknown = JSON.parse(line);
  if (raw === null || typeof raw !== 'object') throw new Error('PyTorch script printed no JSON object');
  const r = raw as Record<string, unknown>;
  if (r.installed !== true) {
    return {
      installed: false,
      reason: typeof r.reason === 'string' ? r.reason : 'not installed',
      threads,
      results: new Map(),
    };
  }
  const results = new Map<number, Map<string, Measurement>>();
  const byThreads = (r.results ?? {}) as Record<string, Record<string, unknown>>;
  for (const [n, cases] of Object.entries(byThreads)) {
    const m = new Map<string, Measurement>();
    for (const [name, value] of Object.entries(cases)) m.set(name, toMeasurement(value));
    results.set(Number(n), m);
  }
  return {
    installed: true,
    ...(typeof r.torch === 'string' ? { version: r.torch } : {}),
    ...(typeof r.blas === 'string' ? { blas: r.blas } : {}),
    threads,
    results,
  };
}

/**
 * Runs `py/torch_cases.py` in a child process with the machine's OpenBLAS tuning variables
 * removed (they force OpenBLAS onto a slower kernel), one pass per thread count. Never throws: a
 * missing Python or torch gives `installed: false` with the reason.
 *
 * @example
 * ```ts
 * const torch = await runTorch({ python: '/usr/bin/python3', cases: ['matmul 64'], threads: [1], timing, dataDir });
 * ```
 */
export async function runTorch(req: TorchRequest): Promise<TorchResults> {
  const script = fileURLToPath(new URL('../../py/torch_cases.py', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const config = JSON.stringify({
    cases: req.cases,
    threads: req.threads,
    budget_s: req.timing.budgetS,
    min_samples: req.timing.minSamples,
    slow_samples: req.timing.slowSamples,
    max_samples: req.timing.maxSamples,
    min_sample_ms: req.timing.minSampleMs,
    cold_limit_ms: req.timing.coldLimitMs,
    data: req.dataDir,
    quick: req.quick === true,
  });
  const none = (reason: string): TorchResults => ({
    installed: false,
    reason,
    threads: req.threads,
    results: new Map(),
  });
  return new Promise((resolve) => {
    let stdout = '';
    let stderrTail = '';
    const child = spawn(req.python, [script, config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-2000);
      for (const line of chunk.split('\n')) if (line.trim() !== '') req.onProgress?.(line.trim());
    });
    child.on('error', (error) => resolve(none(`not installed (${errorLine(error)})`)));
    child.on('close', (code) => {
      try {
        resolve(parse(stdout, req.threads));
      } catch (error) {
        const last = stderrTail.trim().split('\n').pop() ?? '';
        resolve(none(`PyTorch run failed (exit ${String(code)}): ${last || errorLine(error)}`));
      }
    });
  });
}
