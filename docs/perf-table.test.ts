// The performance page's table generator: real results become a table per group with ratios and
// footnotes; missing or unusable results become a clear "not measured yet" note.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchReport, renderPerfTable, tableFor } from './scripts/perf-table.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kiln-perf-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report: BenchReport = {
  date: '2026-01-02T03:04:05.000Z',
  quick: false,
  machine: { node: 'v20.0.0', platform: 'linux x64', cpus: 2, cpuModel: 'Test CPU' },
  kilnVariants: [
    { name: 'cpu', threads: 1 },
    { name: 'wasm/1t', threads: 1 },
  ],
  peers: [{ name: 'torch/1t', threads: 1, detail: 'PyTorch' }],
  notes: ['a note'],
  cases: [
    {
      name: 'matmul 64',
      group: 'matmul',
      kiln: [
        { variant: 'cpu', threads: 1, result: { ok: true, value: 2, unit: 'ms' }, ratios: { 'torch/1t': 4 } },
        {
          variant: 'wasm/1t',
          threads: 1,
          result: { ok: false, reason: 'pending: not built' },
          ratios: { 'torch/1t': null },
        },
      ],
      peers: { 'torch/1t': { ok: true, value: 0.5, unit: 'ms' } },
    },
    {
      name: 'add 1M',
      group: 'elementwise',
      kiln: [
        {
          variant: 'cpu',
          threads: 1,
          result: { ok: true, value: 1500, unit: 'ms' },
          ratios: { 'torch/1t': 0.5 },
        },
      ],
      peers: { 'torch/1t': { ok: true, value: 3000, unit: 'ms' } },
    },
  ],
};

describe('perf-table', () => {
  it('renders a table per group, with ratios, wins in bold and footnoted gaps', () => {
    const md = renderPerfTable(report);
    expect(md).toContain('Measured 2026-01-02 on Test CPU (2 cores, linux x64, Node v20.0.0).');
    expect(md).toContain('### matmul');
    expect(md).toContain('### elementwise');
    expect(md).toContain('| matmul 64 | cpu | 2.00 ms | 0.500 ms | 4.0 |');
    expect(md).toContain('|  | wasm/1t | n/a [1] |  | — |');
    expect(md).toContain('| add 1M | cpu | 1.50 s | 3.00 s | **0.50** |');
    expect(md).toContain('1. pending: not built');
    expect(md).toContain('- a note');
  });

  it('says "not measured yet" without results, or with unusable ones', () => {
    expect(tableFor(path.join(dir, 'missing.json'))).toContain('Not measured yet');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(tableFor(bad)).toContain('could not be read');
    const empty = path.join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ ...report, cases: [] }));
    expect(tableFor(empty)).toContain('measured no cases');
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(report));
    expect(tableFor(good)).toContain('### matmul');
  });
});
