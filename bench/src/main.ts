import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { allCases } from './cases/index.js';
import { matchesFilter, parseCli, USAGE } from './harness/cli.js';
import { errorLine } from './harness/measure.js';
import type { CaseReport, Column, RunReport } from './harness/report.js';
import { writeReport } from './harness/report.js';
import { type RunContext, runCase } from './harness/runner.js';
import { TablePrinter } from './harness/table.js';
import type { TimingOptions } from './harness/types.js';
import { closeKilnVariants, loadKilnVariants } from './peers/kiln.js';
import { loadTfjs } from './peers/tfjs.js';
import { runTorch, type TorchResults } from './peers/torch.js';

const TIMING: TimingOptions = {
  budgetS: 0.5,
  minSamples: 5,
  slowSamples: 3,
  maxSamples: 200,
  minSampleMs: 2,
  coldLimitMs: 20_000,
};
const QUICK: TimingOptions = {
  budgetS: 0.15,
  minSamples: 3,
  slowSamples: 1,
  maxSamples: 50,
  minSampleMs: 1,
  coldLimitMs: 5_000,
};

const progress = (line: string): void => {
  process.stderr.write(`  … ${line}\n`);
};

async function main(): Promise<number> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (error) {
    console.error(`${errorLine(error)}\n\n${USAGE}`);
    return 2;
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  const cases = allCases().filter((c) => matchesFilter(c.name, c.group, cli.filter));
  if (cli.list) {
    for (const c of cases) console.log(`${c.group.padEnd(24)} ${c.name}`);
    return 0;
  }
  if (cases.length === 0) {
    console.error(`no case matches --filter '${cli.filter}' (see --list)`);
    return 2;
  }
  const timing = cli.quick ? QUICK : TIMING;
  const dataDir =
    cli.dataDir ?? fileURLToPath(new URL('../../../shared/data/fashion-mnist', import.meta.url));
  const outFile = cli.out ?? fileURLToPath(new URL('../results/latest.json', import.meta.url));

  const torchCases = cases.filter((c) => c.torch).map((c) => c.name);
  if (torchCases.length > 0)
    progress(
      `PyTorch (${cli.python}), threads ${cli.torchThreads.join(', ')}: ${torchCases.length} cases first`,
    );
  const torch: TorchResults =
    torchCases.length > 0
      ? await runTorch({
          python: cli.python,
          cases: torchCases,
          threads: cli.torchThreads,
          timing,
          quick: cli.quick,
          dataDir,
          onProgress: progress,
        })
      : {
          installed: false,
          reason: 'no PyTorch case selected',
          threads: cli.torchThreads,
          results: new Map(),
        };
  const kiln = await loadKilnVariants(cli.wasmThreads);
  const tfjs = await loadTfjs();

  const peers: Column[] = [
    { name: 'tfjs-cpu', threads: 1 },
    { name: 'tfjs-wasm', threads: 1, detail: 'SIMD' },
    ...cli.torchThreads.map((n) => ({
      name: `torch/${n}t`,
      threads: n,
      ...(torch.installed ? { detail: `PyTorch ${torch.version ?? '?'}, BLAS: ${torch.blas ?? '?'}` } : {}),
    })),
  ];
  const notes = [
    ...kiln.notes,
    ...tfjs.notes,
    torch.installed
      ? `PyTorch ${torch.version ?? '?'} (${cli.python}), threads ${cli.torchThreads.join(' and ')} (torch.set_num_threads), BLAS: ${torch.blas ?? '?'}`
      : `PyTorch: ${torch.reason ?? 'not installed'}`,
  ];
  const ctx: RunContext = { kiln, tfjs, torch, peers, timing, quick: cli.quick, dataDir, progress };

  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  out(
    `Kiln bench — ${new Date().toISOString()}${cli.quick ? ' (quick)' : ''}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}`,
  );
  out(
    `Kiln variants: ${kiln.variants.map((v) => `${v.name} (${v.threads} thread${v.threads === 1 ? '' : 's'})`).join(', ') || 'none'}`,
  );
  // What each Kiln backend says about itself (e.g. the wasm GEMM's fused multiply-add), once.
  const said = new Set<string>();
  for (const v of kiln.variants) {
    const info = v.backend.info();
    const fma = info.fusedMultiplyAdd;
    const line = `Kiln ${v.name}: ${typeof fma === 'boolean' ? `GEMM ${fma ? 'with fused multiply-add (relaxed SIMD)' : 'with multiply + add (no relaxed SIMD here)'}` : ''}${info.notes.length > 0 ? `${typeof fma === 'boolean' ? '; ' : ''}${info.notes.join('; ')}` : ''}`;
    if (line !== `Kiln ${v.name}: ` && !said.has(line)) {
      said.add(line);
      notes.push(line);
    }
  }
  const [load1] = os.loadavg();
  if (load1 !== undefined && load1 > os.cpus().length) {
    notes.push(
      `WARNING: the machine is busy (load average ${load1.toFixed(1)} on ${os.cpus().length} CPUs): timings are unreliable`,
    );
  }
  for (const n of notes) out(`  ${n}`);
  out('Values are medians (lower is better); K/peer = Kiln ÷ peer, below 1 means Kiln is faster/smaller.\n');
  const table = new TablePrinter(peers, out);
  table.header();

  const reports: CaseReport[] = [];
  const report = (): RunReport => ({
    date: new Date().toISOString(),
    quick: cli.quick,
    filter: cli.filter,
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '?',
      loadAverage: os.loadavg(),
    },
    kilnVariants: kiln.variants.map((v) => ({ name: v.name, threads: v.threads })),
    peers,
    notes,
    cases: reports,
  });
  let group = '';
  for (const c of cases) {
    if (c.group !== group) {
      group = c.group;
      table.group(group);
    }
    const r = await runCase(c, ctx);
    reports.push(r);
    table.case(r);
    // NOTE: rewritten after every case so a crash or Ctrl-C still leaves the rows measured so far.
    await writeReport(outFile, report());
  }
  table.footnotes();
  out(`\nwrote ${outFile}`);
  await closeKilnVariants(kiln.variants);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
