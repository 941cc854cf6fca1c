import opsJson from '../../testdata/ops.json' with { type: 'json' };
import { getBackend } from '../backend/registry.js';
import { tidy } from '../core/memory.js';
import type { Tensor } from '../core/tensor.js';
import { compareToGolden } from './compare.js';
import {
  decodeGoldenAttrs,
  decodeGoldenInputs,
  type GoldenAdapter,
  NN_GOLDEN_OPS,
  tensorGoldenOps,
} from './golden-ops.js';
import type { GoldenOpCase, GoldenTensor } from './golden-types.js';
import { primitiveCases } from './primitives.js';

/**
 * One conformance check: a name and a function that throws on failure.
 *
 * @example
 * ```ts
 * import type { ConformanceCase } from '@kiln/tensor/testing';
 * const run = (c: ConformanceCase) => c.run();
 * ```
 */
export interface ConformanceCase {
  readonly name: string;
  /** The group: `golden` (PyTorch forward values), `primitive`, or `memory`. */
  readonly group: 'golden' | 'primitive' | 'memory';
  run(): void;
}

/**
 * Options of {@link conformanceCases}.
 *
 * @example
 * ```ts
 * import { conformanceCases } from '@kiln/tensor/testing';
 * conformanceCases('cpu', { include: (id) => id.startsWith('matmul') });
 * ```
 */
export interface ConformanceOptions {
  /** More golden adapters (e.g. nn's losses), merged over the tensor ones. */
  extraOps?: Readonly<Record<string, GoldenAdapter>>;
  /** Keep only the golden cases whose id passes. */
  include?: (id: string) => boolean;
}

/**
 * Every golden op case of ops.json (copied into the package's testdata).
 *
 * @example
 * ```ts
 * import { goldenOpCases } from '@kiln/tensor/testing';
 * goldenOpCases().length > 100; // true
 * ```
 */
export function goldenOpCases(): readonly GoldenOpCase[] {
  return (opsJson as unknown as { cases: GoldenOpCase[] }).cases;
}

class ConformanceFailure extends Error {}

/**
 * Runs one golden forward case on a device: decodes the inputs, calls the op and compares every
 * output. Returns the outputs' comparison messages; throws on a mismatch.
 *
 * @example
 * ```ts
 * import { goldenOpCases, runGoldenForward } from '@kiln/tensor/testing';
 * runGoldenForward(goldenOpCases()[0]!, 'cpu');
 * ```
 */
export function runGoldenForward(
  c: GoldenOpCase,
  device: string,
  adapters: Readonly<Record<string, GoldenAdapter>> = tensorGoldenOps,
): void {
  const adapter = adapters[c.op];
  if (adapter === undefined) throw new ConformanceFailure(`${c.id}: no Kiln adapter for op '${c.op}'`);
  tidy(() => {
    const args = decodeGoldenInputs(c, device);
    const attrs = decodeGoldenAttrs(c, device);
    const result = adapter(args, attrs, c.id);
    const outs: readonly Tensor[] = Array.isArray(result)
      ? (result as readonly Tensor[])
      : [result as Tensor];
    const wants: readonly GoldenTensor[] = Array.isArray(c.output)
      ? (c.output as readonly GoldenTensor[])
      : [c.output as GoldenTensor];
    if (outs.length !== wants.length) {
      throw new ConformanceFailure(`${c.id}: ${outs.length} outputs (expected ${wants.length})`);
    }
    for (let i = 0; i < wants.length; i++) {
      const cmp = compareToGolden(outs[i]!, wants[i]!, c.rtol, c.atol, `${c.id} output ${i}`);
      if (!cmp.ok) throw new ConformanceFailure(cmp.message);
    }
  });
}

/**
 * Runs `fn` and checks the device's storage count is back where it was: a kernel must allocate
 * what it returns and nothing more, and free every temporary.
 *
 * @example
 * ```ts
 * import { tensor } from '@kiln/tensor';
 * import { checkAllocationBalance } from '@kiln/tensor/testing';
 * checkAllocationBalance('cpu', 'add', () => void tensor([1]).add(1));
 * ```
 */
export function checkAllocationBalance(device: string, label: string, fn: () => void): void {
  const backend = getBackend(device);
  const before = backend.memory().buffers;
  tidy(fn);
  const after = backend.memory().buffers;
  if (after !== before) {
    throw new ConformanceFailure(
      `${label}: ${after - before} storages left allocated on '${device}' (expected 0)`,
    );
  }
}

/**
 * The conformance suite for a registered device: every golden forward case (losses only when
 * `extraOps` supplies them), the primitive checks (contiguous, strided, broadcast, zero-size, every
 * dtype the backend claims) and allocation balance. Framework-agnostic: each case's `run` throws
 * on failure, so vitest, node:test or a plain script can drive it.
 *
 * @example
 * ```ts
 * import { conformanceCases } from '@kiln/tensor/testing';
 * for (const c of conformanceCases('cpu')) c.run();
 * ```
 */
export function conformanceCases(device: string, options: ConformanceOptions = {}): ConformanceCase[] {
  const adapters = { ...tensorGoldenOps, ...options.extraOps };
  const cases: ConformanceCase[] = [];
  for (const c of goldenOpCases()) {
    if (options.include !== undefined && !options.include(c.id)) continue;
    if (NN_GOLDEN_OPS.includes(c.op) && adapters[c.op] === undefined) continue;
    cases.push({ name: `golden ${c.id}`, group: 'golden', run: () => runGoldenForward(c, device, adapters) });
    cases.push({
      name: `allocation balance ${c.id}`,
      group: 'memory',
      run: () => checkAllocationBalance(device, c.id, () => runGoldenForward(c, device, adapters)),
    });
  }
  if (options.include === undefined) cases.push(...primitiveCases(device));
  return cases;
}

/**
 * Runs every conformance case and returns a report instead of throwing (for plain scripts such as
 * a GPU check).
 *
 * @example
 * ```ts
 * import { runConformance } from '@kiln/tensor/testing';
 * const report = runConformance('cpu');
 * report.failed.length; // 0
 * ```
 */
export function runConformance(
  device: string,
  options: ConformanceOptions = {},
): { passed: string[]; failed: { name: string; message: string }[] } {
  const passed: string[] = [];
  const failed: { name: string; message: string }[] = [];
  for (const c of conformanceCases(device, options)) {
    try {
      c.run();
      passed.push(c.name);
    } catch (e) {
      failed.push({ name: c.name, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { passed, failed };
}
