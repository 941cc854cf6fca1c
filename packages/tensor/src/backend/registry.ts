import { BackendError, DeviceError } from '../errors/errors.js';
import { type Backend, KERNEL_SPEC_VERSION, type MemoryInfo } from './contract.js';

const backends = new Map<string, Backend>();
let defaultDevice: string | null = null;
let autoRegister: (() => void) | null = null;

/**
 * Registers a backend under its `name`, so tensors can live on that device. The first backend
 * registered becomes the default device.
 *
 * @example
 * ```ts
 * import { registerBackend } from '@kiln/tensor';
 * import { createCpuBackend } from '@kiln/backend-cpu';
 * registerBackend(createCpuBackend());
 * ```
 */
export function registerBackend(backend: Backend): void {
  if (backend.specVersion !== KERNEL_SPEC_VERSION) {
    throw new BackendError(
      `registerBackend: backend '${backend.name}' implements kernel spec ${String(backend.specVersion)} (expected ${KERNEL_SPEC_VERSION})\nhelp: upgrade the backend package to one built for @kiln/tensor's spec ${KERNEL_SPEC_VERSION}`,
    );
  }
  for (const required of ['float32', 'int32', 'bool'] as const) {
    if (!backend.dtypes.includes(required)) {
      throw new BackendError(
        `registerBackend: backend '${backend.name}' does not support required dtype ${required}`,
      );
    }
  }
  backends.set(backend.name, backend);
  if (defaultDevice === null) defaultDevice = backend.name;
}

/**
 * Removes a registered backend (tensors already on it keep working until disposed).
 *
 * @example
 * ```ts
 * import { unregisterBackend } from '@kiln/tensor';
 * unregisterBackend('my-plugin');
 * ```
 */
export function unregisterBackend(name: string): void {
  backends.delete(name);
  if (defaultDevice === name) defaultDevice = backends.keys().next().value ?? null;
}

/**
 * Installs a function that registers a default backend the first time one is needed and none is
 * registered (the `kiln` umbrella uses this to bring in the cpu backend lazily).
 *
 * @example
 * ```ts
 * import { setAutoRegister, registerBackend } from '@kiln/tensor';
 * import { createCpuBackend } from '@kiln/backend-cpu';
 * setAutoRegister(() => registerBackend(createCpuBackend()));
 * ```
 */
export function setAutoRegister(fn: (() => void) | null): void {
  autoRegister = fn;
}

function ensureSome(): void {
  if (backends.size === 0 && autoRegister !== null) {
    const fn = autoRegister;
    autoRegister = null;
    fn();
  }
}

/**
 * The backend registered under a device name, or a `DeviceError` listing the known ones.
 *
 * @example
 * ```ts
 * import { getBackend } from '@kiln/tensor';
 * getBackend('cpu').name; // 'cpu'
 * ```
 */
export function getBackend(name?: string): Backend {
  ensureSome();
  const key = name ?? defaultDevice;
  const backend = key === null ? undefined : backends.get(key);
  if (backend === undefined) {
    const known = [...backends.keys()];
    throw new DeviceError(
      key === null
        ? 'getBackend: no backend is registered\nhelp: call registerBackend(createCpuBackend()) from @kiln/backend-cpu, or import from the kiln package'
        : `getBackend: device '${key}' is not registered (registered: ${known.length > 0 ? known.map((k) => `'${k}'`).join(', ') : 'none'})\nhelp: call registerBackend(...) with that device's backend first`,
    );
  }
  return backend;
}

/**
 * Whether a device name has a registered backend.
 *
 * @example
 * ```ts
 * import { hasBackend } from '@kiln/tensor';
 * hasBackend('cuda'); // false unless registered
 * ```
 */
export function hasBackend(name: string): boolean {
  ensureSome();
  return backends.has(name);
}

/**
 * The names of every registered device.
 *
 * @example
 * ```ts
 * import { listBackends } from '@kiln/tensor';
 * listBackends(); // ['cpu']
 * ```
 */
export function listBackends(): string[] {
  ensureSome();
  return [...backends.keys()];
}

/**
 * Sets the device new tensors go to when none is given.
 *
 * @example
 * ```ts
 * import { setDefaultDevice } from '@kiln/tensor';
 * setDefaultDevice('cpu');
 * ```
 */
export function setDefaultDevice(name: string): void {
  getBackend(name);
  defaultDevice = name;
}

/**
 * The device new tensors go to when none is given.
 *
 * @example
 * ```ts
 * import { getDefaultDevice } from '@kiln/tensor';
 * getDefaultDevice(); // 'cpu'
 * ```
 */
export function getDefaultDevice(): string {
  return getBackend().name;
}

/**
 * Memory statistics of a device's backend (the default device when none is named).
 *
 * @example
 * ```ts
 * import { memory } from '@kiln/tensor';
 * memory().buffers >= 0; // true
 * ```
 */
export function memory(device?: string): MemoryInfo {
  return getBackend(device).memory();
}
