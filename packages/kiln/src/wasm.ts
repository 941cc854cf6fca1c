import { useWasm } from './use-wasm.js';

/**
 * Importing `kiln/wasm` registers the WebAssembly backend with default options and makes it the
 * default device (a top-level `await useWasm()`), so a program switches backend with one import.
 * `ready` is the same promise, already settled once the import completes.
 *
 * @example
 * ```ts
 * import 'kiln/wasm';
 * import { tensor } from 'kiln';
 * tensor([1, 2, 3]).device; // 'wasm'
 * ```
 */
export const ready: Promise<void> = useWasm();
await ready;
