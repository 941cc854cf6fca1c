import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coalesce, contiguousStrides, isContiguous, viewExtent } from './layout.js';
import { CUBLAS_SONAMES, cublasCandidates, cublasSearchDirs, type SearchHost } from './library-paths.js';
import { loadAddonFrom, probeError } from './load-addon.js';
import { batchStride, planOperand } from './matmul-plan.js';
import type { ProbeResult } from './native.js';

function fakeHost(
  env: Record<string, string>,
  files: string[],
  dirs: Record<string, string[]> = {},
): SearchHost {
  const set = new Set(files);
  return { env, exists: (p) => set.has(p), list: (d) => dirs[d] ?? [], home: () => '/home/u' };
}

describe('cuBLAS search list', () => {
  it('tries an explicit path, then existing files on the search path, then bare sonames', () => {
    const wheel = '/usr/local/lib/python3.11/site-packages/nvidia/cublas/lib';
    const host = fakeHost(
      { LD_LIBRARY_PATH: '/opt/a:/opt/b', KILN_CUBLAS_PATH: '/x/libcublas.so.12' },
      ['/opt/b/libcublas.so.12', `${wheel}/libcublas.so.12`, '/usr/local/cuda-12.4/lib64/libcublas.so.12'],
      { '/usr/local': ['cuda-12.4', 'cuda-13.0', 'bin'], '/usr/local/lib': ['python3.11', 'node_modules'] },
    );
    expect(cublasCandidates('/mine/libcublas.so', host)).toEqual([
      '/mine/libcublas.so',
      '/x/libcublas.so.12',
      '/opt/b/libcublas.so.12',
      '/usr/local/cuda-12.4/lib64/libcublas.so.12',
      `${wheel}/libcublas.so.12`,
      ...CUBLAS_SONAMES,
    ]);
  });

  it('searches LD_LIBRARY_PATH first, newest toolkit first, and the Python wheels', () => {
    const dirs = cublasSearchDirs(
      fakeHost({ LD_LIBRARY_PATH: '/l', VIRTUAL_ENV: '/venv' }, [], {
        '/usr/local': ['cuda-12.4', 'cuda-13.0'],
        '/venv/lib': ['python3.12'],
      }),
    );
    expect(dirs[0]).toBe('/l');
    expect(dirs.indexOf('/usr/local/cuda-13.0/lib64')).toBeLessThan(
      dirs.indexOf('/usr/local/cuda-12.4/lib64'),
    );
    expect(dirs).toContain(join('/venv/lib/python3.12/site-packages/nvidia/cublas/lib'));
    expect(dirs).toContain('/usr/local/cuda/lib64');
  });
});

describe('layouts', () => {
  it('merges dims every operand walks as one and drops size-1 dims', () => {
    expect(coalesce([2, 3, 4], [contiguousStrides([2, 3, 4])])).toEqual({ shape: [24], strides: [[1]] });
    // broadcast [3, 4] + [4]: the second operand has stride 0 on the first dim
    expect(
      coalesce(
        [3, 4],
        [
          [4, 1],
          [0, 1],
        ],
      ),
    ).toEqual({
      shape: [3, 4],
      strides: [
        [4, 1],
        [0, 1],
      ],
    });
    expect(coalesce([1, 5, 1], [[9, 2, 7]])).toEqual({ shape: [5], strides: [[2]] });
    expect(coalesce([2, 3], [[1, 2]])).toEqual({ shape: [2, 3], strides: [[1, 2]] });
  });

  it('checks contiguity and view extents', () => {
    expect(isContiguous([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
    expect(viewExtent([2, 3], [3, 1], 4)).toBe(9);
    expect(viewExtent([0, 3], [3, 1], 4)).toBeNull();
    expect(() => viewExtent([2], [-1], 0)).toThrow(/stride/);
    expect(() => viewExtent([2], [1, 1], 0)).toThrow(/rank/);
  });
});

describe('matmul operand plans', () => {
  it('passes row-major operands as is and column-major ones with the transpose flag', () => {
    expect(planOperand(4, 3, 3, 1)).toEqual({ kind: 'direct', trans: false, ld: 3 });
    expect(planOperand(4, 3, 1, 4)).toEqual({ kind: 'direct', trans: true, ld: 4 });
    expect(planOperand(4, 3, 8, 1)).toEqual({ kind: 'direct', trans: false, ld: 8 });
    expect(planOperand(1, 3, 0, 1)).toEqual({ kind: 'direct', trans: false, ld: 3 });
  });

  it('copies broadcast rows and doubly strided operands', () => {
    expect(planOperand(4, 3, 0, 1)).toEqual({ kind: 'copy' });
    expect(planOperand(4, 3, 6, 2)).toEqual({ kind: 'copy' });
  });

  it('finds one batch stride or asks for a copy', () => {
    expect(batchStride([], [])).toBe(0);
    expect(batchStride([2, 3], [36, 12])).toBe(12);
    expect(batchStride([2, 3], [0, 0])).toBe(0);
    expect(batchStride([2, 3], [0, 12])).toBeNull();
  });
});

describe('environment errors', () => {
  const probe = (p: Partial<ProbeResult>): ProbeResult => ({
    count: 0,
    error: 0,
    errorName: 'cudaSuccess',
    errorString: 'no error',
    driverVersion: 0,
    runtimeVersion: 13000,
    ...p,
  });

  it('names a missing driver, an old driver, no device and a bad device index', () => {
    expect(probeError(probe({ error: 35, errorName: 'cudaErrorInsufficientDriver' }), 0)?.message).toMatch(
      /no CUDA driver found[\s\S]*help: no CUDA driver found; install the NVIDIA driver or use 'wasm'/,
    );
    expect(probeError(probe({ error: 35, driverVersion: 12040 }), 0)?.message).toMatch(
      /driver supports CUDA 12\.4[\s\S]*help:/,
    );
    expect(probeError(probe({ error: 100 }), 0)?.message).toMatch(/no CUDA device is visible\nhelp:/);
    expect(probeError(probe({ count: 1 }), 1)?.message).toMatch(/device 1 does not exist/);
    expect(probeError(probe({ count: 2 }), 1)).toBeNull();
  });

  it('says how to build the addon when it is missing', () => {
    const result = loadAddonFrom('/nonexistent/kiln_cuda.node');
    expect('error' in result && result.error.message).toMatch(
      /not built[\s\S]*help: install the CUDA toolkit \(nvcc\) and run pnpm --filter @kiln\/backend-cuda build:native/,
    );
  });
});
