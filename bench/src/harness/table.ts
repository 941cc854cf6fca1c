import { formatRate, formatRatio, formatValue } from './format.js';
import type { CaseReport, Column } from './report.js';
import type { Measurement } from './types.js';

const W = { variant: 9, value: 12, rate: 15, peer: 12, ratio: 7 } as const;

function cell(text: string, width: number): string {
  return text.length >= width ? `${text.slice(0, width - 1)} ` : text.padEnd(width);
}

/**
 * Prints the table a case at a time (so long runs show progress), and collects the reasons of
 * cells that have no number as numbered footnotes printed at the end.
 *
 * @example
 * ```ts
 * const t = new TablePrinter(['tfjs-cpu', 'torch/1t'], console.log);
 * t.header(); t.case(report); t.footnotes();
 * ```
 */
export class TablePrinter {
  readonly #notes = new Map<string, number>();
  readonly #peers: readonly Column[];
  readonly #out: (line: string) => void;

  constructor(peers: readonly Column[], out: (line: string) => void) {
    this.#peers = peers;
    this.#out = out;
  }

  #na(reason: string): string {
    let n = this.#notes.get(reason);
    if (n === undefined) {
      n = this.#notes.size + 1;
      this.#notes.set(reason, n);
    }
    return `n/a [${n}]`;
  }

  #value(m: Measurement | null | undefined): string {
    if (m === null || m === undefined) return '—';
    return m.ok ? formatValue(m.value, m.unit) : this.#na(m.reason);
  }

  /** The column heading line. */
  header(): void {
    let line = `  ${cell('Kiln', W.variant)}${cell('median', W.value)}${cell('rate', W.rate)}`;
    for (const p of this.#peers) line += `| ${cell(p.name, W.peer)}${cell('K/peer', W.ratio)}`;
    this.#out(line);
    this.#out(`  ${'-'.repeat(line.length - 2)}`);
  }

  /** A group heading. */
  group(name: string): void {
    this.#out(`\n== ${name}`);
  }

  /** The case's name line and one row per Kiln variant (peers' values on the first row). */
  case(report: CaseReport): void {
    this.#out(report.name);
    const rows = report.kiln.length > 0 ? report.kiln : [null];
    rows.forEach((row, i) => {
      const m = row?.result;
      const rate = m?.ok === true && m.unit === 'ms' ? formatRate(m.value, report.flops, report.bytes) : '';
      let line = `  ${cell(row?.variant ?? '—', W.variant)}${cell(this.#value(m ?? null), W.value)}${cell(rate, W.rate)}`;
      for (const p of this.#peers) {
        const peer = report.peers[p.name];
        const shown = i === 0 ? this.#value(peer) : '';
        line += `| ${cell(shown, W.peer)}${cell(formatRatio(row?.ratios[p.name] ?? null), W.ratio)}`;
      }
      this.#out(line.trimEnd());
      const notes = [m, ...(i === 0 ? this.#peers.map((p) => report.peers[p.name]) : [])]
        .map((x, k) =>
          x?.ok === true && x.note !== undefined
            ? `${k === 0 ? (row?.variant ?? '') : this.#peers[k - 1]!.name}: ${x.note}`
            : '',
        )
        .filter((s) => s !== '');
      for (const n of notes) this.#out(`      ${n}`);
    });
  }

  /** The numbered reasons of every n/a cell. */
  footnotes(): void {
    if (this.#notes.size === 0) return;
    this.#out('\nn/a reasons:');
    for (const [reason, n] of this.#notes) this.#out(`  [${n}] ${reason}`);
  }
}
