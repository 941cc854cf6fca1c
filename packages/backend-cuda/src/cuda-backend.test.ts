import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError } from '@kiln/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCudaBackend, isCudaAvailable } from './index.js';
import type { NativeAddon } from './internal/native.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const addonFile = join(pkg, 'build', 'Release', 'kiln_cuda.node');
const require = createRequire(import.meta.url);
const { findCudaHome } = require('../scripts/cuda-home.cjs') as { findCudaHome(): string | null };
const cudaHome = findCudaHome();

function addonIsFresh(): boolean {
  if (!existsSync(addonFile)) return false;
  const built = statSync(addonFile).mtimeMs;
  const sources = readdirSync(join(pkg, 'native'))
    .filter((f) => /\.(cc|cu|h|cuh|gyp)$/.test(f))
    .map((f) => join(pkg, 'native', f));
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

describe('the CUDA addon on this machine', () => {
  beforeAll(() => {
    if (cudaHome === null) {
      console.warn('@kiln/backend-cuda tests: nvcc not found, so the addon build step is skipped');
      return;
    }
    if (addonIsFresh()) return;
    const result = spawnSync(process.execPath, [join(pkg, 'scripts', 'build-native.mjs')], {
      cwd: pkg,
      encoding: 'utf8',
      env: { ...process.env, KILN_CUDA_REQUIRE_BUILD: '1' },
    });
    if (result.status !== 0) throw new Error(`build:native failed:\n${result.stdout}\n${result.stderr}`);
  }, 900_000);

  it.skipIf(cudaHome === null)('builds a .node with no dynamic CUDA dependency', () => {
    expect(existsSync(addonFile)).toBe(true);
    const ldd = spawnSync('ldd', [addonFile], { encoding: 'utf8' });
    if (ldd.status === 0) expect(ldd.stdout).not.toMatch(/libcudart|libcublas/);
  });

  it.skipIf(cudaHome === null)('loads, and probes the device without crashing', () => {
    const addon = require(addonFile) as NativeAddon;
    const probe = addon.probe();
    expect(typeof probe.error).toBe('number');
    expect(probe.runtimeVersion).toBeGreaterThan(0);
    if (probe.error !== 0) expect(probe.count).toBe(0);
  });

  it('throws a clean BackendError with help lines when CUDA cannot be used', () => {
    if (isCudaAvailable()) {
      const cuda = createCudaBackend();
      expect(cuda.name).toBe('cuda');
      cuda.dispose();
      return;
    }
    let error: unknown;
    try {
      createCudaBackend();
    } catch (e) {
      error = e;
    }
    expect(BackendError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^createCudaBackend: /);
    expect(message).toMatch(/\nhelp: /);
    if (cudaHome !== null && existsSync(addonFile)) {
      // This machine: nvcc and the built addon, but no driver (cudaGetDeviceCount returns 35).
      expect(message).toMatch(/no CUDA driver found|no CUDA device|driver supports CUDA/);
    }
    expect(isCudaAvailable()).toBe(false);
  });

  it('validates options before touching the device', () => {
    expect(() => createCudaBackend({ device: -1 })).toThrow(/device must be a non-negative integer/);
  });
});
