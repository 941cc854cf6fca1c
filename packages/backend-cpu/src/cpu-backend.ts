import { gelu, layerNorm, softmax } from './internal/activations.js';
import { batchNorm } from './internal/batch-norm.js';
import { binary } from './internal/binary.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './internal/conv.js';
import { crossEntropy, crossEntropyBackward } from './internal/cross-entropy.js';
import { matmulBiasActivation } from './internal/fused-matmul.js';
import { GemmScratch } from './internal/gemm.js';
import { gather, indexSelect, scatterAdd } from './internal/indexing.js';
import { arange, cast, copy, fill, where } from './internal/layout-ops.js';
import { matmul } from './internal/matmul.js';
import { adamStep, sgdStep } from './internal/optim.js';
import { maxPool2d } from './internal/pool.js';
import { random } from './internal/random.js';
import { reduce } from './internal/reduce.js';
import { scan } from './internal/scan.js';
import { type CpuStorage, type PoolOptions, StoragePool } from './internal/storage.js';
import { type Backend, KERNEL_SPEC_VERSION, type Storage, type TypedArray } from './internal/tensor-types.js';
import { unary } from './internal/unary.js';

/**
 * Options of {@link createCpuBackend}.
 *
 * @example
 * ```ts
 * import { createCpuBackend, type CpuBackendOptions } from '@kiln/backend-cpu';
 * const options: CpuBackendOptions = { maxReservedBytes: 128 * 2 ** 20 };
 * const cpu = createCpuBackend(options);
 * ```
 */
export interface CpuBackendOptions extends PoolOptions {}

function copyOut(s: CpuStorage, offset: number, length: number): TypedArray {
  return s.data.slice(offset, offset + length);
}

/**
 * Creates the pure-TypeScript CPU backend: typed-array storages with a pool for large buffers,
 * every required kernel of the contract, and accelerated conv2d, pooling, softmax, layer norm,
 * GELU, fused matmul and optimizer steps. Each call makes an independent backend with its own
 * pool and GEMM scratch; nothing happens on import.
 *
 * @example
 * ```ts
 * import { registerBackend } from '@kiln/tensor';
 * import { createCpuBackend } from '@kiln/backend-cpu';
 * registerBackend(createCpuBackend());
 * ```
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  const pool = new StoragePool(options);
  const scratch = new GemmScratch();
  return {
    name: 'cpu',
    specVersion: KERNEL_SPEC_VERSION,
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    // Typed arrays are reclaimed by the garbage collector; the pool accounts for collected ones.
    garbageCollected: true,
    kernels: {
      conv2d: (x, w, b, p, out) => conv2d(x, w, b, p, out, scratch),
      conv2dBackwardInput: (g, w, p, out) => conv2dBackwardInput(g, w, p, out, scratch),
      conv2dBackwardWeight: (x, g, p, out) => conv2dBackwardWeight(x, g, p, out, scratch),
      maxPool2d,
      softmax: (x, axis, out) => softmax(x, axis, out, false),
      logSoftmax: (x, axis, out) => softmax(x, axis, out, true),
      layerNorm,
      batchNorm,
      crossEntropy,
      crossEntropyBackward,
      gelu,
      matmulBiasActivation: (a, b, bias, act, out) => matmulBiasActivation(a, b, bias, act, out, scratch),
      adamStep,
      sgdStep,
    },
    info: () => ({
      name: 'cpu',
      threads: 1,
      notes: ['pure TypeScript kernels on typed arrays, single-threaded'],
    }),
    alloc: (dtype, length, options) => pool.alloc(dtype, length, options?.uninitialized === true),
    free: (storage: Storage) => pool.free(storage),
    write(storage, data, offset = 0) {
      (storage as CpuStorage).data.set(data, offset);
    },
    read: (storage, offset, length) => Promise.resolve(copyOut(storage as CpuStorage, offset, length)),
    readSync: (storage, offset, length) => copyOut(storage as CpuStorage, offset, length),
    memory: () => pool.memory(),
    synchronize: () => Promise.resolve(),
    unary,
    binary,
    where,
    cast,
    reduce,
    scan,
    copy,
    fill,
    arange,
    matmul: (a, b, out) => matmul(a, b, out, scratch),
    gather,
    scatterAdd,
    indexSelect,
    random,
  };
}
