import * as kt from '@kiln/tensor';
import { activateKiln, type KilnSetup } from '../peers/kiln.js';
import { type TfjsSetup, useTfjs } from '../peers/tfjs.js';
import type { TorchResults } from '../peers/torch.js';
import type { BenchCase, TfjsBackend } from './case.js';
import { failed } from './measure.js';
import type { CaseReport, Column, KilnRow } from './report.js';
import { ratio } from './stats.js';
import type { Measurement, TimingOptions } from './types.js';

/** Everything a case run needs: the participants that loaded and the run's options. */
export interface RunContext {
  readonly kiln: KilnSetup;
  readonly tfjs: TfjsSetup;
  readonly torch: TorchResults;
  /** Peer columns in table order (tfjs-cpu, tfjs-wasm, torch/Nt …). */
  readonly peers: readonly Column[];
  readonly timing: TimingOptions;
  readonly quick: boolean;
  readonly dataDir: string;
  readonly progress: (line: string) => void;
}

const TFJS_BACKENDS: readonly TfjsBackend[] = ['cpu', 'wasm'];

async function tfjsColumn(c: BenchCase, backend: TfjsBackend, ctx: RunContext): Promise<Measurement | null> {
  if (c.tfjs === undefined || !(c.tfjsBackends ?? TFJS_BACKENDS).includes(backend)) return null;
  if (!ctx.tfjs.backends.includes(backend))
    return { ok: false, reason: `tfjs-${backend} did not initialise` };
  ctx.progress(`${c.name}: tfjs-${backend}`);
  try {
    await useTfjs(backend);
    return await c.tfjs({ tf: ctx.tfjs.tf, backend, timing: ctx.timing, quick: ctx.quick });
  } catch (error) {
    return failed(error);
  }
}

function torchColumn(c: BenchCase, threads: number, ctx: RunContext): Measurement | null {
  if (!c.torch) return null;
  if (!ctx.torch.installed) return { ok: false, reason: ctx.torch.reason ?? 'not installed' };
  return ctx.torch.results.get(threads)?.get(c.name) ?? { ok: false, reason: 'PyTorch returned no result' };
}

function ratiosOf(
  m: Measurement,
  peers: Readonly<Record<string, Measurement | null>>,
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, p] of Object.entries(peers)) {
    out[name] = m.ok && p?.ok === true && p.unit === m.unit ? ratio(m.value, p.value) : null;
  }
  return out;
}

/**
 * Runs one case: every Kiln variant it applies to, then each TensorFlow.js backend, then looks up
 * the PyTorch numbers measured earlier in the same run. Never throws.
 *
 * @example
 * ```ts
 * const report = await runCase(allCases()[0]!, ctx);
 * ```
 */
export async function runCase(c: BenchCase, ctx: RunContext): Promise<CaseReport> {
  const kilnResults: { variant: string; threads: number; result: Measurement }[] = [];
  if (c.kiln !== undefined) {
    const variants = ctx.kiln.variants.filter((v) => (c.kilnKinds ?? ['cpu', 'wasm']).includes(v.kind));
    if (variants.length === 0) {
      kilnResults.push({
        variant: '—',
        threads: 0,
        result: { ok: false, reason: ctx.kiln.notes.join('; ') || 'no Kiln backend' },
      });
    }
    for (const v of variants) {
      ctx.progress(`${c.name}: kiln ${v.name}`);
      let result: Measurement;
      try {
        const device = activateKiln(v);
        result = await c.kiln({
          kt,
          device,
          variant: v.name,
          kind: v.kind,
          timing: ctx.timing,
          quick: ctx.quick,
          dataDir: ctx.dataDir,
        });
      } catch (error) {
        result = failed(error);
      }
      kilnResults.push({ variant: v.name, threads: v.threads, result });
    }
  }
  const peers: Record<string, Measurement | null> = {};
  for (const col of ctx.peers) {
    if (col.name.startsWith('tfjs-'))
      peers[col.name] = await tfjsColumn(c, col.name.slice(5) as TfjsBackend, ctx);
    else peers[col.name] = torchColumn(c, col.threads, ctx);
  }
  const kiln: KilnRow[] = kilnResults.map((r) => ({ ...r, ratios: ratiosOf(r.result, peers) }));
  return {
    name: c.name,
    group: c.group,
    ...(c.flops !== undefined ? { flops: c.flops } : {}),
    ...(c.bytes !== undefined ? { bytes: c.bytes } : {}),
    kiln,
    peers,
  };
}
