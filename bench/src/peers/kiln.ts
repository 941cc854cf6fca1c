import type { Backend, Tensor } from '@kiln/tensor';
import * as kt from '@kiln/tensor';
import type { KilnApi, KilnKind } from '../harness/case.js';
import { errorLine } from '../harness/measure.js';
import { exported, loadOptional } from '../harness/optional.js';
import type { Workload } from '../harness/types.js';

/** One Kiln configuration measured as its own row: a backend instance and its thread count. */
export interface KilnVariant {
  readonly name: string;
  readonly kind: KilnKind;
  readonly backend: Backend;
  readonly threads: number;
}

/** The Kiln variants that loaded, and one line for each that did not. */
export interface KilnSetup {
  readonly variants: KilnVariant[];
  readonly notes: string[];
}

function threadsOf(backend: Backend, fallback: number): number {
  try {
    return backend.info().threads;
  } catch {
    return fallback;
  }
}

/**
 * Creates Kiln's cpu backend and, when `@kiln/backend-wasm` loads, wasm backends with 1 and 2
 * threads. Failures become notes, never exceptions.
 *
 * @example
 * ```ts
 * const { variants, notes } = await loadKilnVariants([1, 2]);
 * ```
 */
export async function loadKilnVariants(wasmThreads: readonly number[]): Promise<KilnSetup> {
  const variants: KilnVariant[] = [];
  const notes: string[] = [];
  const cpu = await loadOptional('@kiln/backend-cpu');
  if (!cpu.ok) notes.push(`Kiln cpu: n/a (${cpu.reason})`);
  else {
    try {
      const backend = exported<() => Backend>(cpu.mod, 'createCpuBackend', '@kiln/backend-cpu')();
      variants.push({ name: 'cpu', kind: 'cpu', backend, threads: threadsOf(backend, 1) });
    } catch (error) {
      notes.push(`Kiln cpu: n/a (${errorLine(error)})`);
    }
  }
  const wasm = await loadOptional('@kiln/backend-wasm');
  if (!wasm.ok) notes.push(`Kiln wasm: n/a (${wasm.reason})`);
  else {
    for (const threads of wasmThreads) {
      try {
        const create = exported<(o: { threads: number }) => Promise<Backend>>(
          wasm.mod,
          'createWasmBackend',
          '@kiln/backend-wasm',
        );
        const backend = await create({ threads });
        const actual = threadsOf(backend, threads);
        variants.push({ name: `wasm/${threads}t`, kind: 'wasm', backend, threads: actual });
        if (actual !== threads)
          notes.push(`Kiln wasm/${threads}t runs ${actual} thread(s): ${backend.info().notes.join('; ')}`);
      } catch (error) {
        notes.push(`Kiln wasm/${threads}t: n/a (${errorLine(error)})`);
      }
    }
  }
  return { variants, notes };
}

/**
 * Registers a variant's backend (replacing any other instance under the same device name, e.g. the
 * 1-thread wasm backend when the 2-thread one comes in) and makes it the default device.
 *
 * @example
 * ```ts
 * const device = activateKiln(variant); // 'cpu'
 * ```
 */
export function activateKiln(variant: KilnVariant): string {
  const name = variant.backend.name;
  if (kt.hasBackend(name) && kt.getBackend(name) !== variant.backend) kt.unregisterBackend(name);
  if (!kt.hasBackend(name)) kt.registerBackend(variant.backend);
  kt.setDefaultDevice(name);
  return name;
}

/**
 * Frees the backends that hold resources (worker threads), so the process can exit.
 *
 * @example
 * ```ts
 * await closeKilnVariants(variants);
 * ```
 */
export async function closeKilnVariants(variants: readonly KilnVariant[]): Promise<void> {
  for (const v of variants) {
    const close: unknown = Reflect.get(v.backend, 'dispose') ?? Reflect.get(v.backend, 'close');
    if (typeof close === 'function') {
      try {
        await (close as () => unknown).call(v.backend);
      } catch {
        // NOTE: closing is best effort; the process exits right after.
      }
    }
  }
}

/**
 * Creates a float32 tensor on `device` from host data.
 *
 * @example
 * ```ts
 * const x = kilnTensor(kt, 'cpu', new Float32Array(4), [2, 2]);
 * ```
 */
export function kilnTensor(
  api: KilnApi,
  device: string,
  data: Float32Array | Int32Array,
  shape: readonly number[],
): Tensor {
  return api.fromTypedArray(data, shape, { device });
}

/**
 * A workload that calls `op` once per run, disposing the previous result; `sync` waits for the
 * device's queue (`synchronize()`, where the backend has one: Kiln's cpu and wasm kernels run
 * synchronously, so their calls have finished when they return).
 *
 * @example
 * ```ts
 * const w = kilnWorkload(kt, 'cpu', [a, b], () => kt.matmul(a, b));
 * ```
 */
export function kilnWorkload(
  api: KilnApi,
  device: string,
  inputs: readonly Tensor[],
  op: () => Tensor | null,
): Workload {
  let last: Tensor | null = null;
  const backend = api.getBackend(device);
  return {
    run() {
      last?.dispose();
      last = op();
    },
    async sync() {
      if (backend.synchronize !== undefined) await backend.synchronize();
    },
    dispose() {
      last?.dispose();
      last = null;
      for (const t of inputs) t.dispose();
    },
  };
}
