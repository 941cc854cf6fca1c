import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Measurement } from './types.js';

/** One Kiln row of a case: a variant, its threads, its measurement and its ratios to each peer. */
export interface KilnRow {
  readonly variant: string;
  readonly threads: number;
  readonly result: Measurement;
  /** Kiln / peer (lower-is-better values), null where either side is missing. */
  readonly ratios: Readonly<Record<string, number | null>>;
}

/** Everything measured for one case. */
export interface CaseReport {
  readonly name: string;
  readonly group: string;
  readonly flops?: number;
  readonly bytes?: number;
  readonly kiln: readonly KilnRow[];
  /** Peer column name → measurement; null where the peer has no version of the case. */
  readonly peers: Readonly<Record<string, Measurement | null>>;
}

/** A participant's column and how many threads it computes with. */
export interface Column {
  readonly name: string;
  readonly threads: number;
  readonly detail?: string;
}

/** The whole run, as written to `results/latest.json`. */
export interface RunReport {
  readonly date: string;
  readonly quick: boolean;
  readonly filter: string | null;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    /** `os.loadavg()` when the report was written: above the CPU count, timings are unreliable. */
    readonly loadAverage: readonly number[];
  };
  readonly kilnVariants: readonly Column[];
  readonly peers: readonly Column[];
  readonly notes: readonly string[];
  readonly cases: readonly CaseReport[];
}

/**
 * Writes the report as JSON, atomically (a temp file in the same folder, then a rename), so a
 * reader never sees half a file.
 *
 * @example
 * ```ts
 * await writeReport('bench/results/latest.json', report);
 * ```
 */
export async function writeReport(file: string, report: RunReport): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, file);
}
