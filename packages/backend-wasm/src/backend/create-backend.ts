import { HeapExhausted, WasmHeap } from '../internal/heap.js';
import {
  compileKernels,
  decodeBase64,
  FMA_KERNEL_NAMES,
  instantiateKernels,
  type KernelExports,
  loadFmaKernels,
  RELAXED_SIMD_FLAG,
} from '../internal/kernel-module.js';
import { bytesOf } from '../internal/op-codes.js';
import { InlineRunner, type Runner } from '../internal/runner.js';
import {
  type Backend,
  BackendError,
  type BackendInfo,
  type DType,
  KERNEL_SPEC_VERSION,
  type MemoryInfo,
  type Storage,
  type TypedArray,
} from '../internal/tensor-types.js';
import {
  GEMM_FMA_MT_WASM_BASE64,
  GEMM_FMA_WASM_BASE64,
  KERNELS_MT_WASM_BASE64,
  KERNELS_WASM_BASE64,
} from '../internal/wasm-bytes.js';
import { PARAM_BYTES, WasmContext, type WasmStorage } from './context.js';
import { optionalKernels } from './optional-kernels.js';
import * as prim from './primitives.js';
import { createThreadRunner, threadSupport } from './threads.js';

const PAGE = 65536;
/** The wasm32 ceiling: 65536 pages. */
const MAX_BYTES = 65536 * PAGE;

/**
 * Options of {@link createWasmBackend}.
 *
 * @example
 * ```ts
 * import type { WasmBackendOptions } from '@kiln/backend-wasm';
 * const opts: WasmBackendOptions = { threads: 2 };
 * ```
 */
export interface WasmBackendOptions {
  /**
   * Threads for matmul, convolution and large elementwise/reduction kernels (default 1). Needs
   * `SharedArrayBuffer` and worker threads; without them the backend runs on one thread and says
   * so in `info().notes`.
   */
  readonly threads?: number;
  /** The most the wasm heap may grow to, in bytes (default and ceiling: 4 GiB). */
  readonly maxMemoryBytes?: number;
  /** Initial heap size in bytes (default 16 MiB). */
  readonly initialMemoryBytes?: number;
  /**
   * Debug aid: puts guard bytes after every block and checks them on free and after each kernel
   * (slow; the package's tests turn it on).
   */
  readonly guards?: boolean;
  /**
   * With threads: how long (ms) a kernel may wait on worker threads without any of them finishing
   * a piece of work before the backend decides a worker died (default 10000; at least 20× the
   * calling thread's own slowest piece of that kernel). The kernel then throws a `BackendError`
   * naming the operation, the pool is shut down and the backend carries on on one thread.
   */
  readonly threadStallTimeoutMs?: number;
  /**
   * Use the kernels built with relaxed SIMD (`f32x4.relaxed_madd`, a fused multiply-add on x64
   * with FMA and on ARM) where the runtime supports it: the GEMM (matmul, conv2d; about 1.3× the
   * multiply + add build) and the unary kernel and softmax, whose exp/log/tanh/sigmoid/erf/GELU
   * polynomials fuse their multiply-adds (exp about 1.45×). Supported by Chrome/Edge ≥ 114,
   * Node ≥ 22, and Node 20.16+, whose V8 has relaxed SIMD behind
   * `--experimental-wasm-relaxed-simd`: there the backend turns that flag on through `node:v8`
   * (it only lets relaxed-SIMD modules validate) and says so in `info().notes`. Default true;
   * `false` keeps the multiply + add kernels and never touches V8's flags. Elsewhere (Firefox,
   * Safari) the multiply + add kernels run. `info().fusedMultiplyAdd` says which run. Fused
   * results differ from unfused ones in the last bits.
   */
  readonly fusedMultiplyAdd?: boolean;
}

/**
 * The wasm backend: a {@link Backend} plus `dispose()`, which the kernel contract does not have.
 *
 * @example
 * ```ts
 * import { createWasmBackend } from '@kiln/backend-wasm';
 * const be = await createWasmBackend({ threads: 2 });
 * await be.dispose(); // stops the workers; kernels keep working on the calling thread
 * ```
 */
export interface WasmBackend extends Backend {
  /**
   * Stops the worker threads (a no-op on one thread). The backend stays usable: its memory and
   * tensors are untouched and later kernels run on the calling thread. Resolves once the workers
   * have exited.
   */
  dispose(): Promise<void>;
}

/** @internal Where tests find the backend's runner. */
export const WASM_INTERNALS: unique symbol = Symbol.for('kiln.backend-wasm.internals') as never;

type Kernels = Omit<
  Backend,
  | 'name'
  | 'specVersion'
  | 'dtypes'
  | 'kernels'
  | 'info'
  | 'alloc'
  | 'free'
  | 'write'
  | 'read'
  | 'readSync'
  | 'memory'
  | 'synchronize'
>;

/**
 * Creates the SIMD WebAssembly backend: float32, int32 and bool tensors in one wasm memory,
 * kernels in AssemblyScript compiled with SIMD, optionally multi-threaded over shared memory.
 * Async because compiling WebAssembly is.
 *
 * @example
 * ```ts
 * import { registerBackend, tensor } from '@kiln/tensor';
 * import { createWasmBackend } from '@kiln/backend-wasm';
 *
 * registerBackend(await createWasmBackend({ threads: 2 }));
 * const y = tensor([1, 2, 3], { device: 'wasm' }).exp();
 * ```
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const limit = Math.min(
    MAX_BYTES,
    Math.max(2 * PAGE, Math.floor((options.maxMemoryBytes ?? MAX_BYTES) / PAGE) * PAGE),
  );
  const initial = Math.min(
    limit,
    Math.max(2 * PAGE, Math.ceil((options.initialMemoryBytes ?? 16 * 1024 * 1024) / PAGE) * PAGE),
  );
  const notes: string[] = [];
  let threads = Math.max(1, Math.floor(options.threads ?? 1));
  if (threads > 1) {
    const why = threadSupport();
    if (why !== null) {
      notes.push(`threads: asked for ${threads}, running on 1 thread (${why})`);
      threads = 1;
    }
  }
  const shared = threads > 1;
  const module = await compileKernels(decodeBase64(shared ? KERNELS_MT_WASM_BASE64 : KERNELS_WASM_BASE64));
  const memory = new WebAssembly.Memory({
    initial: initial / PAGE,
    maximum: limit / PAGE,
    ...(shared ? { shared: true } : {}),
  });
  let k: KernelExports = await instantiateKernels(module, memory);
  const fma =
    options.fusedMultiplyAdd === false
      ? null
      : await loadFmaKernels(
          decodeBase64(shared ? GEMM_FMA_MT_WASM_BASE64 : GEMM_FMA_WASM_BASE64),
          memory,
          k.heapBase(),
        );
  if (fma?.enabledFlag === true) {
    notes.push(
      `fusedMultiplyAdd: turned on V8's ${RELAXED_SIMD_FLAG} (Node 20 ships relaxed SIMD behind it; Node >= 22 has it on); pass fusedMultiplyAdd: false to leave V8's flags alone`,
    );
  }
  if (fma !== null) {
    const merged: Record<string, unknown> = { ...k };
    for (const name of FMA_KERNEL_NAMES) merged[name] = fma.exports[name];
    k = merged as unknown as KernelExports;
  }
  // The parameter area and the heap start above both modules' static data.
  const dataEnd = Math.max(k.heapBase(), fma === null ? 0 : fma.exports.fmaDataEnd());
  const paramPtr = Math.ceil(dataEnd / 16) * 16 + 16;
  const heapStart = Math.ceil((paramPtr + PARAM_BYTES * (threads + 1)) / PAGE) * PAGE;
  const heap = new WasmHeap(memory, heapStart, limit, options.guards ?? false, (ptr, bytes) =>
    k.zeroK(ptr, bytes),
  );
  let ctxRef: WasmContext | null = null;
  let runner: Runner = new InlineRunner(k, () => ctxRef!.scratch(k.gemmScratchBytes(), 'matmul'));
  if (shared) {
    try {
      runner = await createThreadRunner(k, module, fma?.module ?? null, memory, heap, threads, {
        ...(options.threadStallTimeoutMs !== undefined
          ? { stallTimeoutMs: options.threadStallTimeoutMs }
          : {}),
        note: (line) => notes.push(line),
      });
    } catch (e) {
      notes.push(
        `threads: asked for ${threads}, running on 1 thread (workers failed to start: ${String(e)})`,
      );
      threads = 1;
    }
  }
  const ctx = new WasmContext(k, heap, runner, paramPtr);
  ctxRef = ctx;
  const layout = {
    mainDataEnd: k.heapBase(),
    fmaDataEnd: fma?.exports.fmaDataEnd() ?? 0,
    paramPtr,
    heapStart,
  };
  return buildBackend(ctx, {
    threads,
    notes,
    shared,
    guards: options.guards ?? false,
    fma: fma !== null,
    layout,
  });
}

function buildBackend(
  ctx: WasmContext,
  cfg: {
    threads: number;
    notes: string[];
    shared: boolean;
    guards: boolean;
    fma: boolean;
    /** Where the modules' static data, the parameter area and the heap start (for tests). */
    layout: { mainDataEnd: number; fmaDataEnd: number; paramPtr: number; heapStart: number };
  },
): WasmBackend {
  const heap = ctx.heap;
  let storageBytes = 0;
  let storageCount = 0;

  const live = (s: Storage, op: string): WasmStorage => {
    const w = s as WasmStorage;
    if (w.freed) throw new BackendError(`${op}: storage was already freed`);
    return w;
  };

  const typedView = (s: WasmStorage, offset: number, length: number, op: string): TypedArray => {
    if (!(offset >= 0 && length >= 0 && offset + length <= s.length)) {
      throw new BackendError(
        `${op}: elements [${offset}, ${offset + length}) are outside a storage of ${s.length} elements`,
      );
    }
    const buf = heap.memory.buffer;
    const at = s.ptr + offset * bytesOf(s.dtype);
    switch (s.dtype) {
      case 'float32':
        return new Float32Array(buf, at, length);
      case 'int32':
        return new Int32Array(buf, at, length);
      default:
        return new Uint8Array(buf, at, length);
    }
  };

  const readSync = (storage: Storage, offset: number, length: number): TypedArray => {
    const s = live(storage, 'read');
    return typedView(s, offset, length, 'read').slice();
  };

  // Every kernel names itself to the runner (for error messages) and, with guards, checks the
  // heap's guard bytes afterwards.
  const runner = ctx.runner;
  const checked =
    (op: string) =>
    <A extends unknown[]>(fn: (...args: A) => void): ((...args: A) => void) =>
      cfg.guards
        ? (...args: A) => {
            runner.op = op;
            fn(...args);
            heap.checkGuards();
          }
        : (...args: A) => {
            runner.op = op;
            fn(...args);
          };

  const kernels: Kernels = {
    unary: checked('unary')((op, x, out) => prim.unary(ctx, op, x, out)),
    binary: checked('binary')((op, a, b, out) => prim.binary(ctx, op, a, b, out)),
    where: checked('where')((cond, a, b, out) => prim.where(ctx, cond, a, b, out)),
    cast: checked('cast')((x, out) => prim.cast(ctx, x, out)),
    reduce: checked('reduce')((op, x, axes, out) => prim.reduce(ctx, op, x, axes, out)),
    scan: checked('scan')((op, x, axis, out) => prim.scan(ctx, op, x, axis, out)),
    copy: checked('copy')((src, dst) => prim.copy(ctx, src, dst)),
    fill: checked('fill')((dst, value) => prim.fill(ctx, dst, value)),
    arange: checked('arange')((out, start, step) => prim.arange(ctx, out, start, step)),
    matmul: checked('matmul')((a, b, out) => prim.matmul(ctx, a, b, out)),
    gather: checked('gather')((x, axis, index, out) => prim.gather(ctx, x, axis, index, out)),
    scatterAdd: checked('scatterAdd')((dst, axis, index, src) => prim.scatterAdd(ctx, dst, axis, index, src)),
    indexSelect: checked('indexSelect')((x, axis, index, out) => prim.indexSelect(ctx, x, axis, index, out)),
    random: checked('random')((out, distribution, seed, offset) =>
      prim.random(ctx, out, distribution, seed, offset),
    ),
  };

  const optional = optionalKernels(ctx);
  for (const key of Object.keys(optional) as (keyof typeof optional)[]) {
    const fn = optional[key] as (...args: unknown[]) => void;
    (optional as Record<string, unknown>)[key] = checked(key)(fn);
  }

  const backend: WasmBackend = {
    name: 'wasm',
    specVersion: KERNEL_SPEC_VERSION,
    dtypes: ['float32', 'int32', 'bool'],
    kernels: optional,

    info(): BackendInfo {
      return {
        name: 'wasm',
        threads: runner.threads,
        notes: cfg.notes.slice(),
        simd: true,
        sharedMemory: cfg.shared,
        fusedMultiplyAdd: cfg.fma,
        heapLimit: heap.limit,
      };
    },

    alloc(dtype: DType, length: number, options?: { readonly uninitialized?: boolean }): Storage {
      if (dtype === 'float64') {
        throw new BackendError(
          "alloc: the wasm backend does not store float64\nhelp: use float32 on 'wasm', or move the tensor to 'cpu' for float64",
        );
      }
      const bytes = length * bytesOf(dtype);
      let ptr: number;
      try {
        // NOTE: outputs the kernel overwrites entirely skip the zero-fill of recycled blocks.
        ptr = heap.alloc(bytes, options?.uninitialized !== true);
      } catch (e) {
        throw ctx.oomError(e, 'alloc', dtype, length);
      }
      storageBytes += bytes;
      storageCount++;
      const s: WasmStorage = { dtype, length, ptr, freed: false };
      return s;
    },

    free(storage: Storage): void {
      const s = live(storage, 'free');
      s.freed = true;
      heap.free(s.ptr);
      storageBytes -= s.length * bytesOf(s.dtype);
      storageCount--;
    },

    write(storage: Storage, data: TypedArray, offset = 0): void {
      const s = live(storage, 'write');
      typedView(s, offset, data.length, 'write').set(data);
    },

    read(storage: Storage, offset: number, length: number): Promise<TypedArray> {
      try {
        return Promise.resolve(readSync(storage, offset, length));
      } catch (e) {
        return Promise.reject(e);
      }
    },

    readSync,

    memory(): MemoryInfo {
      const h = heap.stats();
      return {
        bytesInUse: storageBytes,
        buffers: storageCount,
        bytesReserved: h.heapSize,
        heapSize: h.heapSize,
        heapLimit: h.heapLimit,
        heapBytesInUse: h.bytesInUse,
        heapBlocks: h.blocks,
        cachedBytes: h.bytesCached,
        peakHeapBytesInUse: h.peakBytesInUse,
      };
    },

    synchronize(): Promise<void> {
      return Promise.resolve();
    },

    dispose(): Promise<void> {
      return runner.dispose();
    },

    ...kernels,
  };
  Object.defineProperty(backend, WASM_INTERNALS, {
    value: { runner, ctx, layout: cfg.layout },
    enumerable: false,
  });
  return backend;
}

export { HeapExhausted };
