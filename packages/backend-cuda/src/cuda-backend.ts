import {
  BINARY_CODE,
  CUDA_DTYPES,
  DTYPE_CODE,
  elementSize,
  GELU_ERF_CODE,
  GELU_TANH_CODE,
  REDUCE_CODE,
  SCAN_CODE,
  UNARY_CODE,
} from './internal/codes.js';
import { coalesce, contiguousStrides, isContiguous, MAX_RANK, numel, viewExtent } from './internal/layout.js';
import { cublasCandidates } from './internal/library-paths.js';
import { loadAddon, probeError } from './internal/load-addon.js';
import { batchStride, planOperand } from './internal/matmul-plan.js';
import type { NativeContext, NativeInfo } from './internal/native.js';
import {
  type Backend,
  BackendError,
  type BackendInfo,
  type BinaryOp,
  type Conv2dParams,
  type DType,
  KERNEL_SPEC_VERSION,
  type MemoryInfo,
  type OptionalKernels,
  type Out,
  type RandomDistribution,
  type ReduceOp,
  type ScanOp,
  type Storage,
  type TypedArray,
  type UnaryOp,
  type View,
} from './internal/tensor-types.js';
import { type CudaBackendOptions, resolveCudaOptions } from './options.js';

/**
 * The CUDA backend: the kernel contract plus CUDA's own controls.
 *
 * @example
 * ```ts
 * import { createCudaBackend, type CudaBackend } from '@kiln/backend-cuda';
 * const cuda: CudaBackend = createCudaBackend();
 * await cuda.synchronize();
 * ```
 */
export interface CudaBackend extends Backend {
  /** Waits for every kernel queued on the backend's stream. */
  synchronize(): Promise<void>;
  /** Returns the allocator's cached blocks to the device (PyTorch's `torch.cuda.empty_cache()`). */
  emptyCache(): void;
  /** Turns TF32 matmul on or off at run time. */
  setAllowTf32(allow: boolean): void;
  /** Releases the device memory and stream; the backend cannot be used afterwards. */
  dispose(): void;
}

class CudaStorage implements Storage {
  constructor(
    readonly dtype: DType,
    readonly length: number,
    readonly address: number,
    readonly bytes: number,
    readonly owner: object,
  ) {}
  freed = false;
}

const F32_BITS = new Float32Array(1);
const U32_BITS = new Uint32Array(F32_BITS.buffer);

function fail(kernel: string, what: string): never {
  throw new BackendError(`cuda.${kernel}: ${what}`);
}

/**
 * Creates the CUDA backend: loads the addon, checks the driver and device, and opens one stream,
 * a caching allocator and (when found) cuBLAS on the device. Register it to use `'cuda'` tensors.
 * Throws a `BackendError` with `help:` lines when the addon is not built, the driver is missing or
 * no device is visible.
 *
 * @example
 * ```ts
 * import { registerBackend } from '@kiln/tensor';
 * import { createCudaBackend, isCudaAvailable } from '@kiln/backend-cuda';
 * if (isCudaAvailable()) registerBackend(createCudaBackend({ allowTf32: false }));
 * ```
 */
export function createCudaBackend(options?: CudaBackendOptions): CudaBackend {
  const opts = resolveCudaOptions(options);
  const addon = loadAddon();
  const probe = addon.probe();
  const problem = probeError(probe, opts.device);
  if (problem !== null) throw problem;
  const ctx = new addon.Context(opts.device, cublasCandidates(opts.cublasPath), opts.allowTf32);
  return new CudaBackendImpl(ctx, opts.name, opts.allowTf32, probe.driverVersion, probe.runtimeVersion);
}

/**
 * Whether a CUDA device can be used here: the addon is built, a driver is installed and a device is
 * visible. Never throws.
 *
 * @example
 * ```ts
 * import { isCudaAvailable } from '@kiln/backend-cuda';
 * const device = isCudaAvailable() ? 'cuda' : 'wasm';
 * ```
 */
export function isCudaAvailable(): boolean {
  try {
    return probeError(loadAddon().probe(), 0) === null;
  } catch {
    return false;
  }
}

class CudaBackendImpl implements CudaBackend {
  readonly specVersion = KERNEL_SPEC_VERSION;
  readonly dtypes: readonly DType[] = CUDA_DTYPES;
  readonly kernels: OptionalKernels;
  private readonly desc = new Float64Array(128);
  private pos = 0;
  private liveBytes = 0;
  private liveBuffers = 0;
  private disposed = false;
  private readonly nativeInfo: NativeInfo;

  constructor(
    private readonly ctx: NativeContext,
    readonly name: string,
    private allowTf32: boolean,
    private readonly driverVersion: number,
    private readonly runtimeVersion: number,
  ) {
    this.nativeInfo = ctx.info();
    this.kernels = this.optionalKernels();
  }

  // ---------------------------------------------------------------------------------------------
  // validation and descriptors

  private storageOf(kernel: string, s: Storage): CudaStorage {
    if (!(s instanceof CudaStorage) || s.owner !== this)
      fail(kernel, `storage does not belong to backend '${this.name}'`);
    if (s.freed) fail(kernel, 'storage was already freed');
    if (this.disposed) fail(kernel, 'the backend was disposed');
    return s;
  }

  /** Validates a view against its storage and returns its storage. */
  private checkView(kernel: string, v: View): CudaStorage {
    const s = this.storageOf(kernel, v.storage);
    let last: number | null;
    try {
      last = viewExtent(v.shape, v.strides, v.offset);
    } catch (e) {
      fail(kernel, `invalid view: ${(e as Error).message}`);
    }
    if (last !== null && last >= s.length) {
      fail(kernel, `view reaches element ${last} of a storage of ${s.length}`);
    }
    return s;
  }

  private checkOut(kernel: string, o: Out): CudaStorage {
    const s = this.storageOf(kernel, o.storage);
    const n = numel(o.shape);
    if (!Number.isSafeInteger(o.offset) || o.offset < 0 || o.offset + n > s.length) {
      fail(kernel, `output of ${n} elements at offset ${o.offset} does not fit a storage of ${s.length}`);
    }
    return s;
  }

  private outView(o: Out): View {
    return { storage: o.storage, shape: o.shape, strides: contiguousStrides(o.shape), offset: o.offset };
  }

  private address(s: CudaStorage, offset: number): number {
    return s.address + offset * elementSize(s.dtype);
  }

  private begin(): Float64Array {
    this.pos = 0;
    return this.desc;
  }

  private put(...values: number[]): void {
    for (const v of values) this.desc[this.pos++] = v;
  }

  private putShape(shape: readonly number[]): void {
    this.put(shape.length, ...shape);
  }

  /** Merges dims for an elementwise op over `out.shape` and checks the rank limit. */
  private elementwise(kernel: string, shape: readonly number[], strides: (readonly number[])[]) {
    const merged = coalesce(shape, strides);
    if (merged.shape.length > MAX_RANK)
      fail(kernel, `rank ${merged.shape.length} above ${MAX_RANK} after merging dims`);
    return merged;
  }

  // ---------------------------------------------------------------------------------------------
  // storage

  info(): BackendInfo {
    const i = this.nativeInfo;
    const notes = [
      i.cublas !== null
        ? `matmul: cuBLAS ${i.cublasVersion} (${i.cublas})`
        : `matmul: built-in tiled GEMM (${i.cublasNote})`,
      `tf32: ${this.allowTf32 ? 'allowed' : 'off'}`,
    ];
    return {
      name: this.name,
      threads: 1,
      notes,
      device: i.deviceName,
      computeCapability: i.computeCapability,
      multiProcessors: i.multiProcessors,
      totalMemory: i.totalMemory,
      cublas: i.cublas,
      allowTf32: this.allowTf32,
      driverVersion: this.driverVersion,
      runtimeVersion: this.runtimeVersion,
    };
  }

  alloc(dtype: DType, length: number): Storage {
    if (!CUDA_DTYPES.includes(dtype)) {
      fail('alloc', `dtype ${dtype} is not supported on CUDA (supported: ${CUDA_DTYPES.join(', ')})`);
    }
    if (!Number.isSafeInteger(length) || length < 0)
      fail('alloc', `length must be a non-negative integer (got ${length})`);
    if (this.disposed) fail('alloc', 'the backend was disposed');
    const bytes = length * elementSize(dtype);
    const address = this.ctx.alloc(bytes);
    this.liveBytes += bytes;
    this.liveBuffers += 1;
    return new CudaStorage(dtype, length, address, bytes, this);
  }

  free(storage: Storage): void {
    if (this.disposed && storage instanceof CudaStorage && storage.owner === this) {
      // NOTE: late frees (finalizers) after dispose() are harmless: the device memory is gone.
      storage.freed = true;
      return;
    }
    const s = this.storageOf('free', storage);
    s.freed = true;
    this.liveBytes -= s.bytes;
    this.liveBuffers -= 1;
    this.ctx.free(s.address);
  }

  write(storage: Storage, data: TypedArray, offset = 0): void {
    const s = this.storageOf('write', storage);
    const expected = s.dtype === 'float32' ? Float32Array : s.dtype === 'int32' ? Int32Array : Uint8Array;
    if (!(data instanceof expected)) fail('write', `a ${s.dtype} storage takes a ${expected.name}`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > s.length) {
      fail('write', `${data.length} elements at offset ${offset} do not fit a storage of ${s.length}`);
    }
    this.ctx.write(this.address(s, offset), data);
  }

  readSync(storage: Storage, offset: number, length: number): TypedArray {
    const s = this.storageOf('read', storage);
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > s.length
    ) {
      fail('read', `${length} elements at offset ${offset} are outside a storage of ${s.length}`);
    }
    const out =
      s.dtype === 'float32'
        ? new Float32Array(length)
        : s.dtype === 'int32'
          ? new Int32Array(length)
          : new Uint8Array(length);
    this.ctx.read(this.address(s, offset), out);
    return out;
  }

  read(storage: Storage, offset: number, length: number): Promise<TypedArray> {
    try {
      return Promise.resolve(this.readSync(storage, offset, length));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  memory(): MemoryInfo {
    const m = this.disposed ? {} : this.ctx.memory();
    return {
      ...m,
      bytesInUse: this.liveBytes,
      buffers: this.liveBuffers,
      bytesReserved: m.bytesReserved ?? 0,
    };
  }

  synchronize(): Promise<void> {
    try {
      if (!this.disposed) this.ctx.synchronize();
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  emptyCache(): void {
    if (!this.disposed) this.ctx.emptyCache();
  }

  setAllowTf32(allow: boolean): void {
    if (typeof allow !== 'boolean') fail('setAllowTf32', `expected a boolean (got ${typeof allow})`);
    this.allowTf32 = allow;
    this.ctx.setAllowTf32(allow);
  }

  dispose(): void {
    if (this.disposed) return;
    this.ctx.destroy();
    this.disposed = true;
  }

  // ---------------------------------------------------------------------------------------------
  // required kernels

  unary(op: UnaryOp, x: View, out: Out): void {
    const code = UNARY_CODE[op];
    if (code === undefined) fail('unary', `unknown op '${String(op)}'`);
    this.unaryCode('unary', code, x, out);
  }

  private unaryCode(kernel: string, code: number, x: View, out: Out): void {
    const xs = this.checkView(kernel, x);
    const os = this.checkOut(kernel, out);
    if (x.shape.length !== out.shape.length) fail(kernel, 'input and output ranks differ');
    const m = this.elementwise(kernel, out.shape, [x.strides]);
    const d = this.begin();
    this.put(numel(out.shape));
    this.putShape(m.shape);
    this.put(this.address(os, out.offset), DTYPE_CODE[os.dtype as 'float32']);
    this.put(this.address(xs, x.offset), DTYPE_CODE[xs.dtype as 'float32'], ...m.strides[0]!);
    this.ctx.unary(code, d);
  }

  binary(op: BinaryOp, a: View, b: View, out: Out): void {
    const code = BINARY_CODE[op];
    if (code === undefined) fail('binary', `unknown op '${String(op)}'`);
    const as = this.checkView('binary', a);
    const bs = this.checkView('binary', b);
    const os = this.checkOut('binary', out);
    if (as.dtype !== bs.dtype) fail('binary', `input dtypes differ (${as.dtype}, ${bs.dtype})`);
    const m = this.elementwise('binary', out.shape, [a.strides, b.strides]);
    const d = this.begin();
    this.put(numel(out.shape));
    this.putShape(m.shape);
    this.put(this.address(os, out.offset), DTYPE_CODE[os.dtype as 'float32']);
    this.put(this.address(as, a.offset), DTYPE_CODE[as.dtype as 'float32'], ...m.strides[0]!);
    this.put(this.address(bs, b.offset), DTYPE_CODE[bs.dtype as 'float32'], ...m.strides[1]!);
    this.ctx.binary(code, d);
  }

  where(cond: View, a: View, b: View, out: Out): void {
    const cs = this.checkView('where', cond);
    const as = this.checkView('where', a);
    const bs = this.checkView('where', b);
    const os = this.checkOut('where', out);
    if (cs.dtype !== 'bool') fail('where', `condition must be bool (got ${cs.dtype})`);
    if (as.dtype !== os.dtype || bs.dtype !== os.dtype)
      fail('where', 'branches and output must share a dtype');
    const m = this.elementwise('where', out.shape, [cond.strides, a.strides, b.strides]);
    const d = this.begin();
    this.put(numel(out.shape));
    this.putShape(m.shape);
    this.put(this.address(os, out.offset), DTYPE_CODE[os.dtype as 'float32']);
    this.put(this.address(cs, cond.offset), DTYPE_CODE.bool, ...m.strides[0]!);
    this.put(this.address(as, a.offset), DTYPE_CODE[as.dtype as 'float32'], ...m.strides[1]!);
    this.put(this.address(bs, b.offset), DTYPE_CODE[bs.dtype as 'float32'], ...m.strides[2]!);
    this.ctx.where(d);
  }

  cast(x: View, out: Out): void {
    const xs = this.checkView('cast', x);
    const os = this.checkOut('cast', out);
    if (xs.dtype === os.dtype) {
      this.copy(x, this.outView(out));
      return;
    }
    const m = this.elementwise('cast', out.shape, [x.strides]);
    const d = this.begin();
    this.put(numel(out.shape));
    this.putShape(m.shape);
    this.put(this.address(os, out.offset), DTYPE_CODE[os.dtype as 'float32']);
    this.put(this.address(xs, x.offset), DTYPE_CODE[xs.dtype as 'float32'], ...m.strides[0]!);
    this.ctx.cast(d);
  }

  copy(src: View, dst: View): void {
    const ss = this.checkView('copy', src);
    const ds = this.checkView('copy', dst);
    if (ss.dtype !== ds.dtype) fail('copy', `dtypes differ (${ss.dtype}, ${ds.dtype})`);
    if (src.shape.length !== dst.shape.length || src.shape.some((n, i) => n !== dst.shape[i])) {
      fail('copy', `shapes differ ([${src.shape.join(', ')}], [${dst.shape.join(', ')}])`);
    }
    const m = this.elementwise('copy', dst.shape, [src.strides, dst.strides]);
    const d = this.begin();
    this.put(numel(dst.shape));
    this.putShape(m.shape);
    this.put(this.address(ss, src.offset), DTYPE_CODE[ss.dtype as 'float32'], ...m.strides[0]!);
    this.put(this.address(ds, dst.offset), DTYPE_CODE[ds.dtype as 'float32'], ...m.strides[1]!);
    this.ctx.copy(d);
  }

  fill(dst: View, value: number): void {
    const ds = this.checkView('fill', dst);
    if (typeof value !== 'number') fail('fill', `value must be a number (got ${typeof value})`);
    let bits: number;
    if (ds.dtype === 'float32') {
      F32_BITS[0] = value;
      bits = U32_BITS[0]!;
    } else if (ds.dtype === 'int32') {
      bits = (value | 0) >>> 0;
    } else {
      bits = value !== 0 ? 1 : 0;
    }
    const m = this.elementwise('fill', dst.shape, [dst.strides]);
    const d = this.begin();
    this.put(numel(dst.shape));
    this.putShape(m.shape);
    this.put(this.address(ds, dst.offset), DTYPE_CODE[ds.dtype as 'float32'], ...m.strides[0]!);
    this.ctx.fill(d, bits);
  }

  arange(out: Out, start: number, step: number): void {
    const os = this.checkOut('arange', out);
    if (!Number.isFinite(start) || !Number.isFinite(step)) fail('arange', 'start and step must be finite');
    const d = this.begin();
    this.put(this.address(os, out.offset), DTYPE_CODE[os.dtype as 'float32'], numel(out.shape), start, step);
    this.ctx.arange(d);
  }

  random(out: Out, distribution: RandomDistribution, seed: number, offset: number): void {
    const os = this.checkOut('random', out);
    if (os.dtype !== 'float32') fail('random', `output must be float32 (got ${os.dtype})`);
    if (distribution !== 'uniform' && distribution !== 'normal')
      fail('random', `unknown distribution '${String(distribution)}'`);
    if (!Number.isSafeInteger(seed) || seed < 0)
      fail('random', `seed must be a non-negative integer below 2^53 (got ${seed})`);
    if (!Number.isSafeInteger(offset) || offset < 0)
      fail('random', `offset must be a non-negative integer (got ${offset})`);
    const d = this.begin();
    this.put(
      this.address(os, out.offset),
      numel(out.shape),
      distribution === 'normal' ? 1 : 0,
      seed % 4294967296,
      Math.floor(seed / 4294967296),
      offset,
    );
    this.ctx.random(d);
  }

  reduce(op: ReduceOp, x: View, axes: readonly number[], out: Out): void {
    const code = REDUCE_CODE[op];
    if (code === undefined) fail('reduce', `unknown op '${String(op)}'`);
    const xs = this.checkView('reduce', x);
    const os = this.checkOut('reduce', out);
    const rank = x.shape.length;
    const isReduced = new Array<boolean>(rank).fill(false);
    for (const a of axes) {
      if (!Number.isInteger(a) || a < 0 || a >= rank)
        fail('reduce', `axis ${a} out of range for rank ${rank}`);
      isReduced[a] = true;
    }
    const keptShape: number[] = [];
    const keptStrides: number[] = [];
    const redShape: number[] = [];
    const redStrides: number[] = [];
    for (let i = 0; i < rank; i++) {
      if (isReduced[i]) {
        redShape.push(x.shape[i]!);
        redStrides.push(x.strides[i]!);
      } else {
        keptShape.push(x.shape[i]!);
        keptStrides.push(x.strides[i]!);
      }
    }
    const kept = coalesce(keptShape, [keptStrides]);
    const red =
      op === 'argmax' || op === 'argmin'
        ? { shape: redShape, strides: [redStrides] }
        : coalesce(redShape, [redStrides]);
    if (kept.shape.length > MAX_RANK || red.shape.length > MAX_RANK) fail('reduce', `rank above ${MAX_RANK}`);
    const d = this.begin();
    this.put(numel(keptShape), numel(redShape));
    this.putShape(kept.shape);
    this.putShape(red.shape);
    this.put(
      this.address(xs, x.offset),
      DTYPE_CODE[xs.dtype as 'float32'],
      ...kept.strides[0]!,
      ...red.strides[0]!,
    );
    this.put(this.address(os, out.offset), DTYPE_CODE[os.dtype as 'float32']);
    this.ctx.reduce(code, d);
  }

  scan(op: ScanOp, x: View, axis: number, out: Out): void {
    const code = SCAN_CODE[op];
    if (code === undefined) fail('scan', `unknown op '${String(op)}'`);
    const xs = this.checkView('scan', x);
    const os = this.checkOut('scan', out);
    const rank = x.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank)
      fail('scan', `axis ${axis} out of range for rank ${rank}`);
    const outStrides = contiguousStrides(out.shape);
    const keptShape = x.shape.filter((_, i) => i !== axis);
    const kept = coalesce(keptShape, [
      x.strides.filter((_, i) => i !== axis),
      outStrides.filter((_, i) => i !== axis),
    ]);
    if (kept.shape.length > MAX_RANK) fail('scan', `rank above ${MAX_RANK}`);
    const d = this.begin();
    this.put(numel(keptShape), x.shape[axis]!);
    this.putShape(kept.shape);
    this.put(
      this.address(xs, x.offset),
      DTYPE_CODE[xs.dtype as 'float32'],
      ...kept.strides[0]!,
      x.strides[axis]!,
    );
    this.put(
      this.address(os, out.offset),
      DTYPE_CODE[os.dtype as 'float32'],
      ...kept.strides[1]!,
      outStrides[axis]!,
    );
    this.ctx.scan(code, d);
  }

  /** A contiguous copy of `v` in a fresh storage, for operands a kernel cannot read strided. */
  private materialize(v: View): { view: View; release: () => void } {
    const s = this.alloc(v.storage.dtype, numel(v.shape));
    const view: View = { storage: s, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
    this.copy(v, view);
    return { view, release: () => this.free(s) };
  }

  /** `v` itself when contiguous, else a contiguous temporary; returns its device address. */
  private contiguous(kernel: string, v: View): { address: number; release: () => void } {
    const s = this.checkView(kernel, v);
    if (isContiguous(v.shape, v.strides)) return { address: this.address(s, v.offset), release: () => {} };
    const tmp = this.materialize(v);
    return { address: this.address(tmp.view.storage as CudaStorage, 0), release: tmp.release };
  }

  matmul(a: View, b: View, out: Out): void {
    const as = this.checkView('matmul', a);
    const bs = this.checkView('matmul', b);
    const os = this.checkOut('matmul', out);
    if (as.dtype !== 'float32' || bs.dtype !== 'float32' || os.dtype !== 'float32') {
      fail('matmul', `float32 only on CUDA (got ${as.dtype}, ${bs.dtype})`);
    }
    const r = out.shape.length;
    if (r < 2 || a.shape.length !== r || b.shape.length !== r)
      fail('matmul', 'operands must be batched to the output rank');
    const m = out.shape[r - 2]!;
    const n = out.shape[r - 1]!;
    const k = a.shape[r - 1]!;
    if (a.shape[r - 2] !== m || b.shape[r - 2] !== k || b.shape[r - 1] !== n)
      fail('matmul', 'operand shapes do not match');
    const batchShape = out.shape.slice(0, r - 2);
    const batch = numel(batchShape);
    if (m * n * batch === 0) return;
    if (k === 0) {
      this.fill(this.outView(out), 0);
      return;
    }
    const releases: (() => void)[] = [];
    const prepare = (v: View, rows: number, cols: number) => {
      let plan = planOperand(rows, cols, v.strides[r - 2]!, v.strides[r - 1]!);
      let stride = batchStride(batchShape, v.strides.slice(0, r - 2));
      let view = v;
      if (plan.kind === 'copy' || stride === null) {
        const tmp = this.materialize(v);
        releases.push(tmp.release);
        view = tmp.view;
        plan = { kind: 'direct', trans: false, ld: Math.max(cols, 1) };
        stride = batch > 1 ? rows * cols : 0;
      }
      return { view, plan: plan as { trans: boolean; ld: number }, stride };
    };
    try {
      const pa = prepare(a, m, k);
      const pb = prepare(b, k, n);
      const d = this.begin();
      this.put(pa.plan.trans ? 1 : 0, pb.plan.trans ? 1 : 0, m, n, k);
      this.put(this.address(pa.view.storage as CudaStorage, pa.view.offset), pa.plan.ld, pa.stride);
      this.put(this.address(pb.view.storage as CudaStorage, pb.view.offset), pb.plan.ld, pb.stride);
      this.put(this.address(os, out.offset), n, m * n, batch);
      this.ctx.matmul(d);
    } finally {
      for (const release of releases) release();
    }
  }

  private checkRank(kernel: string, rank: number): void {
    if (rank > MAX_RANK) fail(kernel, `rank ${rank} above ${MAX_RANK}`);
  }

  gather(x: View, axis: number, index: View, out: Out): void {
    const xs = this.checkView('gather', x);
    const is = this.checkView('gather', index);
    const os = this.checkOut('gather', out);
    const rank = out.shape.length;
    this.checkRank('gather', rank);
    if (is.dtype !== 'int32') fail('gather', `index must be int32 (got ${is.dtype})`);
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail('gather', `axis ${axis} out of range`);
    const xStrides = x.strides.slice();
    const axisStride = xStrides[axis]!;
    xStrides[axis] = 0;
    const d = this.begin();
    this.put(numel(out.shape));
    this.putShape(out.shape);
    this.put(this.address(os, out.offset), elementSize(os.dtype));
    this.put(this.address(is, index.offset), ...index.strides);
    this.put(this.address(xs, x.offset), ...xStrides, axisStride);
    this.ctx.gather(d);
  }

  scatterAdd(dst: Out, axis: number, index: View, src: View): void {
    const ds = this.checkOut('scatterAdd', dst);
    const is = this.checkView('scatterAdd', index);
    const ss = this.checkView('scatterAdd', src);
    const rank = src.shape.length;
    this.checkRank('scatterAdd', rank);
    if (is.dtype !== 'int32') fail('scatterAdd', `index must be int32 (got ${is.dtype})`);
    if (ds.dtype === 'bool') fail('scatterAdd', 'bool destinations are not supported');
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail('scatterAdd', `axis ${axis} out of range`);
    const dStrides = contiguousStrides(dst.shape);
    const axisStride = dStrides[axis]!;
    dStrides[axis] = 0;
    const d = this.begin();
    this.put(numel(src.shape));
    this.putShape(src.shape);
    this.put(this.address(ds, dst.offset), DTYPE_CODE[ds.dtype as 'float32'], ...dStrides, axisStride);
    this.put(this.address(is, index.offset), ...index.strides);
    this.put(this.address(ss, src.offset), ...src.strides);
    this.ctx.scatterAdd(d);
  }

  indexSelect(x: View, axis: number, index: View, out: Out): void {
    const xs = this.checkView('indexSelect', x);
    const is = this.checkView('indexSelect', index);
    const os = this.checkOut('indexSelect', out);
    const rank = out.shape.length;
    this.checkRank('indexSelect', rank);
    if (is.dtype !== 'int32') fail('indexSelect', `index must be int32 (got ${is.dtype})`);
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail('indexSelect', `axis ${axis} out of range`);
    const d = this.begin();
    this.put(numel(out.shape));
    this.putShape(out.shape);
    this.put(axis, this.address(os, out.offset), elementSize(os.dtype));
    this.put(this.address(xs, x.offset), ...x.strides);
    this.put(this.address(is, index.offset), index.strides[0] ?? 1);
    this.ctx.indexSelect(d);
  }

  // ---------------------------------------------------------------------------------------------
  // optional kernels

  private optionalKernels(): OptionalKernels {
    return {
      conv2d: (x, weight, bias, params, out) => this.conv2d(x, weight, bias, params, out),
      conv2dBackwardInput: (gradOut, weight, params, out) =>
        this.conv2dBackwardInput(gradOut, weight, params, out),
      conv2dBackwardWeight: (x, gradOut, params, out) => this.conv2dBackwardWeight(x, gradOut, params, out),
      maxPool2d: (x, kernel, params, out, indices) => this.maxPool2d(x, kernel, params, out, indices),
      softmax: (x, axis, out) => this.softmax(x, axis, out, false),
      logSoftmax: (x, axis, out) => this.softmax(x, axis, out, true),
      layerNorm: (x, size, weight, bias, eps, out, mean, rstd) =>
        this.layerNorm(x, size, weight, bias, eps, out, mean, rstd),
      gelu: (x, approximate, out) =>
        this.unaryCode('gelu', approximate === 'tanh' ? GELU_TANH_CODE : GELU_ERF_CODE, x, out),
      adamStep: (param, grad, expAvg, expAvgSq, o) => this.adamStep(param, grad, expAvg, expAvgSq, o),
      sgdStep: (param, grad, buf, o) => this.sgdStep(param, grad, buf, o),
    };
  }

  private requireFloat(kernel: string, ...storages: CudaStorage[]): void {
    for (const s of storages) if (s.dtype !== 'float32') fail(kernel, `float32 only (got ${s.dtype})`);
  }

  private convGeometry(
    kernel: string,
    xShape: readonly number[],
    wShape: readonly number[],
    outShape: readonly number[],
    p: Conv2dParams,
  ) {
    if (xShape.length !== 4 || wShape.length !== 4 || outShape.length !== 4)
      fail(kernel, 'expects 4-D NCHW tensors');
    const [N, C, H, W] = xShape as [number, number, number, number];
    const [O, , kh, kw] = wShape as [number, number, number, number];
    const [, , Ho, Wo] = outShape as [number, number, number, number];
    const g = p.groups;
    if (!Number.isInteger(g) || g < 1 || C % g !== 0 || O % g !== 0)
      fail(kernel, `groups ${g} must divide channels`);
    for (const v of [...p.stride, ...p.dilation])
      if (!Number.isInteger(v) || v < 1) fail(kernel, 'stride and dilation must be >= 1');
    for (const v of p.padding) if (!Number.isInteger(v) || v < 0) fail(kernel, 'padding must be >= 0');
    const dims = [N, C, H, W, O, kh, kw, Ho, Wo];
    if (dims.some((v) => v > 2 ** 31 - 1)) fail(kernel, 'dimension above 2^31 - 1');
    return [
      N,
      C,
      H,
      W,
      O,
      kh,
      kw,
      p.stride[0],
      p.stride[1],
      p.padding[0],
      p.padding[1],
      p.dilation[0],
      p.dilation[1],
      g,
      Ho,
      Wo,
    ];
  }

  private conv2d(x: View, weight: View, bias: View | null, params: Conv2dParams, out: Out): void {
    const xs = this.checkView('conv2d', x);
    const ws = this.checkView('conv2d', weight);
    const os = this.checkOut('conv2d', out);
    this.requireFloat('conv2d', xs, ws, os);
    const geom = this.convGeometry('conv2d', x.shape, weight.shape, out.shape, params);
    const w = this.contiguous('conv2d', weight);
    try {
      let biasAddress = 0;
      let biasStride = 0;
      if (bias !== null) {
        const bs = this.checkView('conv2d', bias);
        this.requireFloat('conv2d', bs);
        biasAddress = this.address(bs, bias.offset);
        biasStride = bias.strides[0] ?? 1;
      }
      const d = this.begin();
      this.put(
        ...geom,
        this.address(xs, x.offset),
        ...x.strides,
        w.address,
        biasAddress,
        biasStride,
        this.address(os, out.offset),
      );
      this.ctx.conv2d(d);
    } finally {
      w.release();
    }
  }

  private conv2dBackwardInput(gradOut: View, weight: View, params: Conv2dParams, out: Out): void {
    const gs = this.checkView('conv2dBackwardInput', gradOut);
    const ws = this.checkView('conv2dBackwardInput', weight);
    const os = this.checkOut('conv2dBackwardInput', out);
    this.requireFloat('conv2dBackwardInput', gs, ws, os);
    const geom = this.convGeometry('conv2dBackwardInput', out.shape, weight.shape, gradOut.shape, params);
    const g = this.contiguous('conv2dBackwardInput', gradOut);
    const w = this.contiguous('conv2dBackwardInput', weight);
    try {
      const d = this.begin();
      this.put(...geom, g.address, w.address, this.address(os, out.offset));
      this.ctx.conv2dBackwardInput(d);
    } finally {
      g.release();
      w.release();
    }
  }

  private conv2dBackwardWeight(x: View, gradOut: View, params: Conv2dParams, out: Out): void {
    const xs = this.checkView('conv2dBackwardWeight', x);
    const gs = this.checkView('conv2dBackwardWeight', gradOut);
    const os = this.checkOut('conv2dBackwardWeight', out);
    this.requireFloat('conv2dBackwardWeight', xs, gs, os);
    const geom = this.convGeometry('conv2dBackwardWeight', x.shape, out.shape, gradOut.shape, params);
    const g = this.contiguous('conv2dBackwardWeight', gradOut);
    try {
      const d = this.begin();
      this.put(...geom, this.address(xs, x.offset), ...x.strides, g.address, this.address(os, out.offset));
      this.ctx.conv2dBackwardWeight(d);
    } finally {
      g.release();
    }
  }

  private maxPool2d(
    x: View,
    kernel: readonly [number, number],
    params: Omit<Conv2dParams, 'groups'> & { readonly ceilMode: boolean },
    out: Out,
    indices: Out | null,
  ): void {
    const xs = this.checkView('maxPool2d', x);
    const os = this.checkOut('maxPool2d', out);
    this.requireFloat('maxPool2d', xs, os);
    if (x.shape.length !== 4 || out.shape.length !== 4) fail('maxPool2d', 'expects 4-D NCHW tensors');
    let indicesAddress = 0;
    if (indices !== null) {
      const is = this.checkOut('maxPool2d', indices);
      if (is.dtype !== 'int32') fail('maxPool2d', `indices must be int32 (got ${is.dtype})`);
      indicesAddress = this.address(is, indices.offset);
    }
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const d = this.begin();
    this.put(
      N,
      C,
      H,
      W,
      kernel[0],
      kernel[1],
      params.stride[0],
      params.stride[1],
      params.padding[0],
      params.padding[1],
    );
    this.put(params.dilation[0], params.dilation[1], out.shape[2]!, out.shape[3]!);
    this.put(this.address(xs, x.offset), ...x.strides, this.address(os, out.offset), indicesAddress);
    this.ctx.maxPool2d(d);
  }

  private softmax(x: View, axis: number, out: Out, log: boolean): void {
    const kernel = log ? 'logSoftmax' : 'softmax';
    const xs = this.checkView(kernel, x);
    const os = this.checkOut(kernel, out);
    this.requireFloat(kernel, xs, os);
    const rank = x.shape.length;
    if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail(kernel, `axis ${axis} out of range`);
    const c = this.contiguous(kernel, x);
    try {
      const d = this.begin();
      this.put(c.address, this.address(os, out.offset), numel(x.shape.slice(0, axis)), x.shape[axis]!);
      this.put(numel(x.shape.slice(axis + 1)), log ? 1 : 0);
      this.ctx.softmax(d);
    } finally {
      c.release();
    }
  }

  private layerNorm(
    x: View,
    normalizedSize: number,
    weight: View | null,
    bias: View | null,
    eps: number,
    out: Out,
    mean: Out | null,
    rstd: Out | null,
  ): void {
    const xs = this.checkView('layerNorm', x);
    const os = this.checkOut('layerNorm', out);
    this.requireFloat('layerNorm', xs, os);
    const total = numel(x.shape);
    if (!Number.isInteger(normalizedSize) || normalizedSize < 1 || total % normalizedSize !== 0) {
      fail('layerNorm', `normalizedSize ${normalizedSize} does not divide ${total}`);
    }
    const temps: (() => void)[] = [];
    const addressOf = (v: View | null) => {
      if (v === null) return 0;
      const c = this.contiguous('layerNorm', v);
      temps.push(c.release);
      return c.address;
    };
    const outAddress = (o: Out | null) =>
      o === null ? 0 : this.address(this.checkOut('layerNorm', o), o.offset);
    try {
      const d = this.begin();
      this.put(
        addressOf(x),
        addressOf(weight),
        addressOf(bias),
        this.address(os, out.offset),
        outAddress(mean),
        outAddress(rstd),
      );
      this.put(total / normalizedSize, normalizedSize, eps);
      this.ctx.layerNorm(d);
    } finally {
      for (const release of temps) release();
    }
  }

  private stepOperands(kernel: string, param: Out, grad: View, ...state: (Out | null)[]) {
    const ps = this.checkOut(kernel, param);
    const gs = this.checkView(kernel, grad);
    this.requireFloat(kernel, ps, gs);
    const n = numel(param.shape);
    if (numel(grad.shape) !== n) fail(kernel, 'grad and param sizes differ');
    const addresses = state.map((o) => {
      if (o === null) return 0;
      const s = this.checkOut(kernel, o);
      this.requireFloat(kernel, s);
      if (numel(o.shape) !== n) fail(kernel, 'state and param sizes differ');
      return this.address(s, o.offset);
    });
    return { p: this.address(ps, param.offset), g: this.contiguous(kernel, grad), n, addresses };
  }

  private adamStep(
    param: Out,
    grad: View,
    expAvg: Out,
    expAvgSq: Out,
    o: {
      readonly lr: number;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly weightDecay: number;
      readonly decoupled: boolean;
      readonly step: number;
      readonly maximize: boolean;
    },
  ): void {
    const ops = this.stepOperands('adamStep', param, grad, expAvg, expAvgSq);
    if (!Number.isInteger(o.step) || o.step < 1)
      fail('adamStep', `step must be a positive integer (got ${o.step})`);
    try {
      const bc1 = 1 - o.beta1 ** o.step;
      const bc2sqrt = Math.sqrt(1 - o.beta2 ** o.step);
      const d = this.begin();
      this.put(ops.p, ops.g.address, ops.addresses[0]!, ops.addresses[1]!, ops.n);
      this.put(
        o.lr,
        o.beta1,
        o.beta2,
        o.eps,
        o.weightDecay,
        o.decoupled ? 1 : 0,
        o.maximize ? 1 : 0,
        bc1,
        bc2sqrt,
      );
      this.ctx.adam(d);
    } finally {
      ops.g.release();
    }
  }

  private sgdStep(
    param: Out,
    grad: View,
    buf: Out | null,
    o: {
      readonly lr: number;
      readonly momentum: number;
      readonly dampening: number;
      readonly weightDecay: number;
      readonly nesterov: boolean;
      readonly maximize: boolean;
      readonly firstStep: boolean;
    },
  ): void {
    const ops = this.stepOperands('sgdStep', param, grad, buf);
    try {
      const d = this.begin();
      this.put(ops.p, ops.g.address, ops.addresses[0]!, ops.n, o.lr, o.momentum, o.dampening, o.weightDecay);
      this.put(o.nesterov ? 1 : 0, o.maximize ? 1 : 0, o.firstStep ? 1 : 0);
      this.ctx.sgd(d);
    } finally {
      ops.g.release();
    }
  }
}
