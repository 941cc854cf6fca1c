import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchCase } from '../harness/case.js';
import type { Measurement } from '../harness/types.js';

/** Where a GPU machine's run of packages/backend-cuda/scripts/run-on-device.sh is copied to. */
const RESULTS = fileURLToPath(new URL('../../results/cuda/summary.json', import.meta.url));

const PENDING =
  'pending: no GPU machine was lent to this task; run packages/backend-cuda/scripts/run-on-device.sh there and copy $OUT/*.json to bench/results/cuda/';

interface Summary {
  readonly matmulTf32OffVsTorch?: number | null;
  readonly matmulTf32OnVsTorch?: number | null;
  readonly mlpStepTimeVsTorch?: number | null;
  readonly addBandwidthVsTorch?: number | null;
}

function fromSummary(key: keyof Summary, target: string): () => Promise<Measurement> {
  return async () => {
    if (!existsSync(RESULTS)) return { ok: false, reason: PENDING };
    const s = JSON.parse(readFileSync(RESULTS, 'utf8')) as Summary;
    const v = s[key];
    if (typeof v !== 'number')
      return { ok: false, reason: `the GPU run has no ${key} (see bench/results/cuda/)` };
    return {
      ok: true,
      value: v,
      unit: 'x',
      note: `Kiln cuda / PyTorch on the GPU machine; target ${target}`,
    };
  };
}

/**
 * The CUDA rows of issue 8, filled from a GPU machine's run (ratios computed there, side by side
 * with PyTorch on the same GPU), or marked pending when no such run exists.
 *
 * @example
 * ```ts
 * cudaCases().length; // 4
 * ```
 */
export function cudaCases(): BenchCase[] {
  const row = (name: string, key: keyof Summary, target: string): BenchCase => ({
    name,
    group: 'cuda (issue 8, GPU machine)',
    torch: false,
    kilnKinds: ['cpu'],
    kiln: fromSummary(key, target),
  });
  return [
    row('cuda matmul 4096 fp32, TF32 off (GFLOP/s vs PyTorch)', 'matmulTf32OffVsTorch', '>= 0.9'),
    row('cuda matmul 4096, TF32 allowed (GFLOP/s vs PyTorch TF32)', 'matmulTf32OnVsTorch', '>= 0.9'),
    row('cuda MLP 784-256-10 step, batch 128 (time vs PyTorch eager)', 'mlpStepTimeVsTorch', '<= 1.5'),
    row('cuda add 256M fp32 (bandwidth vs PyTorch)', 'addBandwidthVsTorch', '>= 0.8'),
  ];
}
