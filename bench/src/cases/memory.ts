import { createWasmBackend } from '@kiln/backend-wasm';
import { crossEntropy, Linear, ReLU, Sequential } from '@kiln/nn';
import { SGD } from '@kiln/optim';
import type { Backend, MemoryInfo } from '@kiln/tensor';
import { requireAutograd } from '../harness/autograd.js';
import type { BenchCase, KilnApi, KilnEnv } from '../harness/case.js';
import { errorLine, failed } from '../harness/measure.js';
import type { Measurement } from '../harness/types.js';
import { kilnMlp, sgdUpdate } from './mlp-model.js';

const BASE_STEP = 100;

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Heap limit of the fresh wasm backend of the synchronous loop, which is expected to run out. */
const SYNC_WASM_LIMIT = 1024 * 2 ** 20;

/**
 * Runs `body` on a wasm backend of its own (same thread count), so that the heap size at step 100
 * is this loop's and not what earlier cases left (a wasm heap never shrinks); the variant's
 * backend is registered again afterwards. Other devices run `body` as they are.
 */
async function onFreshBackend<T>(
  env: KilnEnv,
  maxMemoryBytes: number | undefined,
  body: () => Promise<T>,
): Promise<T> {
  if (env.kind !== 'wasm') return body();
  const { kt, device } = env;
  const original = kt.getBackend(device);
  const fresh = await createWasmBackend({
    threads: original.info().threads,
    ...(maxMemoryBytes !== undefined ? { maxMemoryBytes } : {}),
  });
  swap(kt, device, fresh);
  try {
    return await body();
  } finally {
    swap(kt, device, original);
    await fresh.dispose();
  }
}

function swap(kt: KilnApi, device: string, backend: Backend): void {
  kt.unregisterBackend(device);
  kt.registerBackend(backend);
  kt.setDefaultDevice(device);
}

function run(env: KilnEnv): Promise<Measurement> {
  return onFreshBackend(env, SYNC_WASM_LIMIT, () => runSync(env));
}

async function runSync(env: KilnEnv): Promise<Measurement> {
  const { kt, device } = env;
  const steps = env.quick ? 1000 : 10_000;
  const capMs = (env.quick ? 30 : 75) * 1000;
  try {
    await requireAutograd(kt);
    const mlp = kilnMlp(kt, device);
    let base: MemoryInfo | null = null;
    let step = 0;
    const t0 = performance.now();
    // NOTE: deliberately no tidy, no dispose and no await in the steps: a synchronous loop. Memory
    // is read live (after a collection) only at the two checkpoints.
    try {
      while (step < steps && performance.now() - t0 < capMs) {
        mlp.loss().backward();
        sgdUpdate(kt, mlp.params, 0.01);
        step += 1;
        if (step === BASE_STEP) base = await liveMemory(kt, device);
      }
    } catch (error) {
      mlp.dispose();
      return failed(new Error(`step ${step + 1}: ${errorLine(error)}`));
    }
    const end = await liveMemory(kt, device);
    mlp.dispose();
    if (base === null) return { ok: false, reason: `only ${step} steps in ${capMs / 1000} s` };
    const heap = reservedNote(base, end);
    const cut = step < steps ? ` (stopped at ${step}: ${capMs / 1000} s cap)` : '';
    return {
      ok: true,
      value: end.bytesInUse / Math.max(base.bytesInUse, 1),
      unit: 'x',
      note: `live after GC: in use @${BASE_STEP} ${mib(base.bytesInUse)} → @${step} ${mib(end.bytesInUse)}${heap}${cut}`,
    };
  } catch (error) {
    return failed(error);
  }
}

/** The backend's reserved bytes (the wasm heap size, the cpu pool) at both checkpoints. */
function reservedNote(base: MemoryInfo, end: MemoryInfo): string {
  if (base.bytesReserved === undefined || end.bytesReserved === undefined) return '';
  const ratio = (end.bytesReserved / Math.max(base.bytesReserved, 1)).toFixed(2);
  return `, reserved ${mib(base.bytesReserved)} → ${mib(end.bytesReserved)} (${ratio}×)`;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Live memory: a full garbage collection (when `--expose-gc` is on) and a few event-loop turns, so
 * storages that became unreachable are finalised before the backend is asked. This is what "in use"
 * means for a leak check; it is taken only at the two checkpoints, not in the loop.
 */
async function liveMemory(kt: { memory(device: string): MemoryInfo }, device: string): Promise<MemoryInfo> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await nextTurn();
  }
  return kt.memory(device);
}

function runModules(env: KilnEnv): Promise<Measurement> {
  return onFreshBackend(env, undefined, () => runModulesOn(env));
}

async function runModulesOn(env: KilnEnv): Promise<Measurement> {
  const { kt, device } = env;
  const steps = env.quick ? 1000 : 10_000;
  const capMs = (env.quick ? 30 : 75) * 1000;
  try {
    await requireAutograd(kt);
    const mlp = kilnMlp(kt, device);
    const model = new Sequential(
      new Linear(784, 256, { device }),
      new ReLU(),
      new Linear(256, 10, { device }),
    );
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const labels = kt.argmax(mlp.oneHot, 1);
    let base: MemoryInfo | null = null;
    let step = 0;
    const t0 = performance.now();
    // A PyTorch-style loop: no dispose, no tidy; one event-loop turn per batch, as `for await`
    // over a DataLoader gives.
    while (step < steps && performance.now() - t0 < capMs) {
      opt.zeroGrad();
      crossEntropy(model.call(mlp.x), labels).backward();
      opt.step();
      step += 1;
      await nextTurn();
      if (step === BASE_STEP) base = await liveMemory(kt, device);
    }
    const end = await liveMemory(kt, device);
    mlp.dispose();
    if (base === null) return { ok: false, reason: `only ${step} steps in ${capMs / 1000} s` };
    const cut = step < steps ? ` (stopped at ${step}: ${capMs / 1000} s cap)` : '';
    return {
      ok: true,
      value: end.bytesInUse / Math.max(base.bytesInUse, 1),
      unit: 'x',
      note: `live after GC: @${BASE_STEP} ${mib(base.bytesInUse)} → @${step} ${mib(end.bytesInUse)}${reservedNote(base, end)}${cut}`,
    };
  } catch (error) {
    return failed(error);
  }
}

/**
 * Memory without disposal (issues 3 and 7): MLP SGD steps with no `dispose`/`tidy`, bytes in use
 * after the last step divided by bytes after step 100 (10,000 steps; 1,000 with `--quick`).
 * Kiln only; lower is better and 1× is flat.
 *
 * @example
 * ```ts
 * memoryCases()[0]!.name; // 'memory: mlp steps without dispose (bytes end / step 100)'
 * ```
 */
export function memoryCases(): BenchCase[] {
  return [
    {
      name: 'memory: hand-written sync MLP loop without dispose, live after GC (end / step 100)',
      group: 'memory (issues 3, 7)',
      torch: false,
      kiln: run,
    },
    {
      name: 'memory: nn/optim loop without dispose, live after GC (end / step 100)',
      group: 'memory (issues 3, 7)',
      torch: false,
      kiln: runModules,
    },
  ];
}
