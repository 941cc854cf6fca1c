import { median } from './stats.js';
import type { Measurement, TimingOptions, Unit, Workload } from './types.js';

/**
 * Turns whatever was thrown into one short line for a table cell.
 *
 * @example
 * ```ts
 * errorLine(new Error('matmul: not implemented yet\nhelp: …')); // 'matmul: not implemented yet'
 * ```
 */
export function errorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split('\n')[0] ?? text;
  return first.length > 160 ? `${first.slice(0, 157)}...` : first;
}

/** A measurement that failed, with the reason as one line. */
export function failed(error: unknown): Measurement {
  return { ok: false, reason: errorLine(error) };
}

/**
 * A full collection (with `--expose-gc`) and an event-loop turn before a participant starts, so
 * that the garbage of the one before is not collected — on V8's helper threads, which compete with
 * the worker threads of a multi-threaded backend on a small machine — while this one is timed.
 */
async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

async function timeSample(w: Workload, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) w.run();
  await w.sync();
  return performance.now() - t0;
}

/** What {@link timeWorkload} needs beyond the workload. */
export interface TimeRequest {
  readonly options: TimingOptions;
  /** Units of work in one `run()` (e.g. 100,000 ops); the result is per unit. */
  readonly opsPerRun?: number;
  /** The unit reported: `'ms'` per run, or `'us/op'` with `opsPerRun`. */
  readonly unit?: Unit;
}

/**
 * Times a workload: one warm-up run plus warm-up time, a calibration that picks how many runs go
 * in one sample (so a sample lasts at least `minSampleMs`), then as many samples as the budget
 * allows (between `minSamples` and `maxSamples`). A first run longer than `coldLimitMs` is the
 * result by itself (noted as one cold run). Returns the median per-run time. Any error is a
 * failed measurement, never a crash; the workload is disposed in every case.
 *
 * @example
 * ```ts
 * const m = await timeWorkload(() => workload, { options });
 * ```
 */
export async function timeWorkload(
  make: () => Workload | Promise<Workload>,
  req: TimeRequest,
): Promise<Measurement> {
  const { options } = req;
  const opsPerRun = req.opsPerRun ?? 1;
  let w: Workload | null = null;
  try {
    await settle();
    w = await make();
    // Warm-up: at least one run, then up to a tenth of the budget more.
    const first = await timeSample(w, 1);
    if (first > options.coldLimitMs) {
      const value = (req.unit ?? 'ms') === 'us/op' ? (first * 1000) / opsPerRun : first / opsPerRun;
      return {
        ok: true,
        value,
        unit: req.unit ?? 'ms',
        samples: 1,
        reps: 1,
        note: 'one cold run (too slow to repeat)',
      };
    }
    let warm = first;
    while (warm < options.budgetS * 100 && first < options.budgetS * 100) warm += await timeSample(w, 1);
    // NOTE: a run slower than the whole budget needs no separate calibration run (tfjs-cpu's
    // matmul 1024 takes seconds), and takes the fewest samples.
    const slow = first > options.budgetS * 1000;
    const perRun = slow ? first : Math.max(await timeSample(w, 1), 1e-4);
    const reps = Math.max(1, Math.ceil(options.minSampleMs / perRun));
    const wanted = Math.round((options.budgetS * 1000) / (perRun * reps));
    const fewest = slow ? options.slowSamples : options.minSamples;
    const count = Math.min(options.maxSamples, Math.max(fewest, wanted));
    const samples: number[] = [];
    for (let i = 0; i < count; i++) samples.push((await timeSample(w, reps)) / reps);
    const ms = median(samples);
    const unit = req.unit ?? 'ms';
    const value = unit === 'us/op' ? (ms * 1000) / opsPerRun : ms / opsPerRun;
    return { ok: true, value, unit, samples: count, reps };
  } catch (error) {
    return failed(error);
  } finally {
    try {
      w?.dispose();
    } catch {
      // NOTE: a dispose failure after a failed run must not hide the first error.
    }
  }
}

/**
 * The same measurement with a note appended (failed measurements pass through).
 *
 * @example
 * ```ts
 * withNote(m, 'Adam by hand');
 * ```
 */
export function withNote(m: Measurement, note: string): Measurement {
  if (!m.ok) return m;
  return { ...m, note: m.note === undefined ? note : `${m.note}; ${note}` };
}

/**
 * Times a slow asynchronous task (seconds per call): one warm-up call, then the median of
 * `samples` calls. Errors become a failed measurement.
 *
 * @example
 * ```ts
 * const m = await timeAsync(async () => { await epoch(); }, 3, 's');
 * ```
 */
export async function timeAsync(
  fn: () => Promise<void>,
  samples: number,
  unit: 'ms' | 's',
): Promise<Measurement> {
  try {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    return { ok: true, value: unit === 's' ? ms / 1000 : ms, unit, samples, reps: 1 };
  } catch (error) {
    return failed(error);
  }
}
