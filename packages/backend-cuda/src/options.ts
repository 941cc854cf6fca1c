import { ValueError } from './internal/tensor-types.js';

/**
 * Options of {@link createCudaBackend}.
 *
 * @example
 * ```ts
 * import type { CudaBackendOptions } from '@kiln/backend-cuda';
 * const options: CudaBackendOptions = { device: 0, allowTf32: true };
 * ```
 */
export interface CudaBackendOptions {
  /** The CUDA device index (default 0). */
  readonly device?: number;
  /**
   * Let cuBLAS use TF32 tensor cores for float32 matmul (PyTorch's
   * `torch.backends.cuda.matmul.allow_tf32`). Faster, with about 10 mantissa bits. Default false.
   */
  readonly allowTf32?: boolean;
  /** A libcublas to try before the usual search (also `KILN_CUBLAS_PATH`). */
  readonly cublasPath?: string;
  /** The device name tensors use (default `'cuda'`). */
  readonly name?: string;
}

/** The options with defaults filled in. */
export interface ResolvedCudaOptions {
  readonly device: number;
  readonly allowTf32: boolean;
  readonly cublasPath: string | undefined;
  readonly name: string;
}

const KNOWN = new Set(['device', 'allowTf32', 'cublasPath', 'name']);

/**
 * Checks user options before anything reaches the addon, with Kiln's message form.
 *
 * @example
 * ```ts
 * import { resolveCudaOptions } from '@kiln/backend-cuda';
 * resolveCudaOptions({ allowTf32: true }).device; // 0
 * ```
 */
export function resolveCudaOptions(options: CudaBackendOptions | undefined = {}): ResolvedCudaOptions {
  if (options === null || typeof options !== 'object') {
    throw new ValueError(
      `createCudaBackend: options must be an object (got ${options === null ? 'null' : typeof options})`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new ValueError(
        `createCudaBackend: unknown option '${key}' (expected one of ${[...KNOWN].map((k) => `'${k}'`).join(', ')})`,
      );
    }
  }
  const device = options.device ?? 0;
  if (!Number.isSafeInteger(device) || device < 0) {
    throw new ValueError(`createCudaBackend: device must be a non-negative integer (got ${String(device)})`);
  }
  const allowTf32 = options.allowTf32 ?? false;
  if (typeof allowTf32 !== 'boolean') {
    throw new ValueError(`createCudaBackend: allowTf32 must be a boolean (got ${typeof allowTf32})`);
  }
  const cublasPath = options.cublasPath;
  if (cublasPath !== undefined && (typeof cublasPath !== 'string' || cublasPath === '')) {
    throw new ValueError('createCudaBackend: cublasPath must be a non-empty string');
  }
  const name = options.name ?? 'cuda';
  if (typeof name !== 'string' || name === '') {
    throw new ValueError('createCudaBackend: name must be a non-empty string');
  }
  return { device, allowTf32, cublasPath, name };
}
