import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeAddon, ProbeResult } from './native.js';
import { BackendError } from './tensor-types.js';

export const BUILD_HELP =
  'help: install the CUDA toolkit (nvcc) and run pnpm --filter @kiln/backend-cuda build:native';
export const NO_DRIVER_HELP = "help: no CUDA driver found; install the NVIDIA driver or use 'wasm'";

/** This package's root: the nearest folder above this module with our package.json. */
export function packageRoot(from: string = moduleDir()): string | null {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@kiln/backend-cuda')
          return dir;
      } catch {}
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

function moduleDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

/** Where the addon is looked for: `KILN_CUDA_ADDON`, then build/Release/kiln_cuda.node in the package. */
export function addonPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.KILN_CUDA_ADDON) return env.KILN_CUDA_ADDON;
  const root = packageRoot() ?? join(moduleDir(), '..');
  return join(root, 'build', 'Release', 'kiln_cuda.node');
}

let cached: { addon: NativeAddon } | { error: BackendError } | null = null;

/** Loads the addon once; throws a BackendError with `help:` lines when it is not built or won't load. */
export function loadAddon(): NativeAddon {
  if (cached === null) cached = loadAddonFrom(addonPath());
  if ('error' in cached) throw cached.error;
  return cached.addon;
}

/** Loads the addon at `path` without caching; never throws, returns the error instead. */
export function loadAddonFrom(path: string): { addon: NativeAddon } | { error: BackendError } {
  if (!existsSync(path)) {
    return {
      error: new BackendError(
        `createCudaBackend: the CUDA addon is not built (looked for ${path})\n${BUILD_HELP}`,
      ),
    };
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as NativeAddon;
    addon.setErrorClass(BackendError);
    return { addon };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      error: new BackendError(
        `createCudaBackend: the CUDA addon at ${path} failed to load: ${message}\nhelp: rebuild it for this Node with pnpm --filter @kiln/backend-cuda build:native`,
      ),
    };
  }
}

const INSUFFICIENT_DRIVER = 35;
const NO_DEVICE = 100;

/** Turns a device probe into null (usable) or the BackendError createCudaBackend throws. */
export function probeError(probe: ProbeResult, device: number): BackendError | null {
  if (probe.error === INSUFFICIENT_DRIVER) {
    if (probe.driverVersion === 0) {
      return new BackendError(
        `createCudaBackend: no CUDA driver found (cudaGetDeviceCount: ${probe.errorString}, ${probe.errorName})\n${NO_DRIVER_HELP}`,
      );
    }
    return new BackendError(
      `createCudaBackend: the NVIDIA driver supports CUDA ${cudaVersion(probe.driverVersion)} but the addon was built with CUDA ${cudaVersion(probe.runtimeVersion)} (${probe.errorName})\nhelp: update the NVIDIA driver, or rebuild the addon with a toolkit the driver supports (pnpm --filter @kiln/backend-cuda build:native)`,
    );
  }
  if (probe.error === NO_DEVICE || (probe.error === 0 && probe.count === 0)) {
    return new BackendError(
      "createCudaBackend: no CUDA device is visible\nhelp: no CUDA device found; check nvidia-smi and CUDA_VISIBLE_DEVICES, or use 'wasm'",
    );
  }
  if (probe.error !== 0) {
    return new BackendError(
      `createCudaBackend: CUDA could not be initialised (cudaGetDeviceCount: ${probe.errorString}, ${probe.errorName})\n${NO_DRIVER_HELP}`,
    );
  }
  if (device >= probe.count) {
    return new BackendError(
      `createCudaBackend: device ${device} does not exist (${probe.count} CUDA device${probe.count === 1 ? '' : 's'} visible)\nhelp: pass { device } below ${probe.count}, or check CUDA_VISIBLE_DEVICES`,
    );
  }
  return null;
}

function cudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}
