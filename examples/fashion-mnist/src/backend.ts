import { availableParallelism } from 'node:os';
import { getDefaultDevice, setDefaultDevice, useWasm } from 'kiln';

/** `--backend`: a device, or `auto` (wasm when it loads, else cpu). */
export type BackendChoice = 'cpu' | 'wasm' | 'auto';

/**
 * Makes the chosen backend the default device and returns its name (and, for `auto` falling back
 * to cpu, why). The wasm backend gets up to 4 threads, one per core.
 *
 * @example
 * ```ts
 * const { device } = await selectBackend('auto'); // 'wasm' where WebAssembly SIMD runs
 * ```
 */
export async function selectBackend(choice: BackendChoice): Promise<{ device: string; note?: string }> {
  if (choice === 'cpu') {
    setDefaultDevice('cpu');
    return { device: getDefaultDevice() };
  }
  try {
    await useWasm({ threads: Math.max(1, Math.min(4, availableParallelism())) });
    return { device: getDefaultDevice() };
  } catch (e) {
    if (choice === 'wasm') throw e;
    setDefaultDevice('cpu');
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { device: getDefaultDevice(), note: `wasm backend unavailable (${reason}); using cpu` };
  }
}
