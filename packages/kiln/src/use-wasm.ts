import { hasBackend, registerBackend, setDefaultDevice } from '@kiln/autograd';
import { createCpuBackend } from '@kiln/backend-cpu';
import type { WasmBackendOptions } from '@kiln/backend-wasm';

/**
 * Options of {@link useWasm}: those of `createWasmBackend` from `@kiln/backend-wasm`.
 *
 * @example
 * ```ts
 * import type { UseWasmOptions } from 'kiln';
 * const options: UseWasmOptions = { threads: 2 };
 * ```
 */
export type UseWasmOptions = WasmBackendOptions;

let pending: Promise<void> | null = null;

/**
 * Creates and registers the SIMD WebAssembly backend and makes `'wasm'` the default device, so that
 * new tensors and modules live there. The cpu backend stays registered beside it (`t.to('cpu')`).
 * The wasm package is loaded with a dynamic `import()`, so bundles that never call this carry
 * none of it. Calling it again once the backend exists only makes `'wasm'` the default again
 * (the first call's options win).
 *
 * @example
 * ```ts
 * import { tensor, useWasm } from 'kiln';
 * await useWasm({ threads: 2 });
 * tensor([1, 2, 3]).device; // 'wasm'
 * ```
 */
export async function useWasm(options: UseWasmOptions = {}): Promise<void> {
  if (pending === null) {
    pending = register(options);
    // NOTE: a failed attempt (no WebAssembly, a blocked fetch) may be retried by calling again.
    pending.catch(() => {
      pending = null;
    });
  }
  await pending;
  setDefaultDevice('wasm');
}

async function register(options: UseWasmOptions): Promise<void> {
  if (!hasBackend('cpu')) registerBackend(createCpuBackend());
  if (hasBackend('wasm')) return;
  const { createWasmBackend } = await import('@kiln/backend-wasm');
  registerBackend(await createWasmBackend(options));
}
