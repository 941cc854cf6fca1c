import { ValueError } from '@kiln/tensor';
import { describe, expect, it } from 'vitest';
import { type CudaBackendOptions, resolveCudaOptions } from './options.js';

describe('resolveCudaOptions', () => {
  it('fills defaults: device 0, TF32 off, name cuda', () => {
    expect(resolveCudaOptions()).toEqual({
      device: 0,
      allowTf32: false,
      cublasPath: undefined,
      name: 'cuda',
    });
    expect(resolveCudaOptions({ allowTf32: true, device: 1 }).allowTf32).toBe(true);
  });

  it('rejects bad values with ValueErrors before anything reaches the addon', () => {
    const bad: unknown[] = [
      { device: -1 },
      { device: 0.5 },
      { allowTf32: 'yes' },
      { cublasPath: '' },
      { name: '' },
      { tf32: true },
      null,
    ];
    for (const options of bad) {
      expect(() => resolveCudaOptions(options as CudaBackendOptions)).toThrow(ValueError);
    }
    expect(() => resolveCudaOptions({ tf32: true } as unknown as CudaBackendOptions)).toThrow(
      /unknown option 'tf32'/,
    );
  });
});
