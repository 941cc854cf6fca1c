// What every kernel wrapper needs: the module's exports, the heap, the runner, a parameter area
// for shapes and strides, and views of the memory that survive growth.

import { HeapExhausted, type WasmHeap } from '../internal/heap.js';
import type { KernelExports } from '../internal/kernel-module.js';
import { bytesOf } from '../internal/op-codes.js';
import type { Runner } from '../internal/runner.js';
import { BackendError, type DType, type Out, type Storage, type View } from '../internal/tensor-types.js';

/** A storage of the wasm backend: a block of the heap. */
export interface WasmStorage extends Storage {
  /** Byte address of element 0 in the wasm memory. */
  readonly ptr: number;
  /** Set once freed; a freed storage must not be used again. */
  freed: boolean;
}

/** Bytes reserved for kernel parameters (shapes, strides) per call. */
export const PARAM_BYTES = 16384;

export class WasmContext {
  private f32View: Float32Array;
  private i32View: Int32Array;
  /** Most bytes of zero-padded images conv2d keeps at once (tests lower it to force chunks). */
  convPadLimitBytes = 32 * 1024 * 1024;
  private panelPtr = 0;
  private panelBytes = 0;

  constructor(
    readonly k: KernelExports,
    readonly heap: WasmHeap,
    readonly runner: Runner,
    /** Byte address of the parameter area. */
    readonly paramPtr: number,
  ) {
    this.f32View = new Float32Array(heap.memory.buffer);
    this.i32View = new Int32Array(heap.memory.buffer);
  }

  f32(): Float32Array {
    if (
      this.f32View.buffer !== this.heap.memory.buffer ||
      this.f32View.byteLength !== this.heap.memory.buffer.byteLength
    ) {
      this.f32View = new Float32Array(this.heap.memory.buffer);
    }
    return this.f32View;
  }

  i32(): Int32Array {
    if (
      this.i32View.buffer !== this.heap.memory.buffer ||
      this.i32View.byteLength !== this.heap.memory.buffer.byteLength
    ) {
      this.i32View = new Int32Array(this.heap.memory.buffer);
    }
    return this.i32View;
  }

  /** Writes int32 parameter lists back to back into the parameter area; returns its address. */
  params(...lists: readonly (readonly number[])[]): number {
    const i32 = this.i32();
    let j = this.paramPtr >> 2;
    for (const l of lists) for (const v of l) i32[j++] = v;
    return this.paramPtr;
  }

  /**
   * Like {@link params} but into the second half of the parameter area, for a block that must
   * survive other kernels' parameters within one operation (convolution geometry).
   */
  paramsHigh(...lists: readonly (readonly number[])[]): number {
    const i32 = this.i32();
    const at = this.paramPtr + PARAM_BYTES / 2;
    let j = at >> 2;
    for (const l of lists) for (const v of l) i32[j++] = v;
    return at;
  }

  /** Byte address of a view's first element. */
  addr(v: View | Out): number {
    const s = v.storage as WasmStorage;
    return s.ptr + v.offset * bytesOf(s.dtype);
  }

  /**
   * Allocates scratch bytes inside the heap (not counted as a storage), throwing a BackendError;
   * zero-filled unless `zero` is false (for scratch the kernel overwrites entirely).
   */
  scratch(bytes: number, op: string, zero = true): number {
    try {
      return this.heap.alloc(bytes, zero);
    } catch (e) {
      throw this.oomError(e, op);
    }
  }

  freeScratch(ptr: number): void {
    this.heap.free(ptr);
  }

  /** The GEMM packing scratch of the calling thread (allocated once). */
  gemmScratch(): number {
    return this.runner.callerScratch();
  }

  /**
   * The shared packed-B panel of a multi-threaded GEMM: at least `bytes`, kept between calls
   * (grown when a larger one is needed).
   */
  panel(bytes: number, op: string): number {
    if (bytes > this.panelBytes) {
      const p = this.scratch(bytes, op);
      if (this.panelPtr !== 0) this.freeScratch(this.panelPtr);
      this.panelPtr = p;
      this.panelBytes = bytes;
    }
    return this.panelPtr;
  }

  /** Turns a heap exhaustion into the user-facing error. */
  oomError(e: unknown, op: string, dtype?: DType, length?: number): unknown {
    if (!(e instanceof HeapExhausted)) return e;
    const what = dtype !== undefined ? `${length} × ${dtype} (${e.requested} bytes)` : `${e.requested} bytes`;
    return new BackendError(
      `${op}: wasm heap out of memory: requested ${what}, heap limit ${e.limit} bytes (heap now ${e.heapSize} bytes)\n` +
        'help: dispose tensors you no longer need (t.dispose(), tidy()), or raise the limit with createWasmBackend({ maxMemoryBytes })\n' +
        'help: tensors you merely drop are freed by the garbage collector only when the event loop turns; a loop that never awaits (no `for await` over a DataLoader, no `await` between steps) keeps them all until it ends',
    );
  }
}
