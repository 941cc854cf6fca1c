import { BackendError, type DType, type MemoryInfo, type Storage, type TypedArray } from './tensor-types.js';

/**
 * The CPU backend's storage: a plain typed array of exactly `length` elements.
 *
 * @example
 * ```ts
 * const s: CpuStorage = { dtype: 'float32', length: 2, data: new Float32Array(2) };
 * ```
 */
export interface CpuStorage extends Storage {
  readonly data: TypedArray;
  /** Bytes of the backing buffer (the pool bucket size for pooled buffers). */
  readonly capacityBytes: number;
  freed: boolean;
}

/**
 * Options of the buffer pool.
 *
 * @example
 * ```ts
 * const o: PoolOptions = { minPooledBytes: 65536, maxReservedBytes: 256 * 2 ** 20 };
 * ```
 */
export interface PoolOptions {
  /** Buffers at least this large go back to the pool when freed (default 64 KiB). */
  readonly minPooledBytes?: number;
  /** The most bytes the pool keeps cached; older buffers are dropped beyond it (default 512 MiB). */
  readonly maxReservedBytes?: number;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * Bytes per element of a dtype.
 *
 * @example
 * ```ts
 * bytesPerElement('float64'); // 8
 * ```
 */
export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** Rounds up to one of four steps per power of two, so a reused buffer wastes at most 25%. */
function bucketBytes(bytes: number): number {
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = p / 4;
  return Math.ceil(bytes / step) * step;
}

function view(dtype: DType, buffer: ArrayBuffer, length: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, length);
    case 'float64':
      return new Float64Array(buffer, 0, length);
    case 'int32':
      return new Int32Array(buffer, 0, length);
    case 'bool':
      return new Uint8Array(buffer, 0, length);
  }
}

/**
 * Allocates, frees and pools the typed arrays of one backend. Large buffers are kept in
 * size buckets when freed, because fresh large `ArrayBuffer`s cost page faults on first touch;
 * a reused buffer is zero-filled before it is handed out again.
 *
 * @example
 * ```ts
 * const pool = new StoragePool({});
 * const s = pool.alloc('float32', 4);
 * pool.free(s);
 * ```
 */
export class StoragePool {
  private readonly minPooled: number;
  private readonly maxReserved: number;
  private readonly buckets = new Map<number, ArrayBuffer[]>();
  /** Insertion order of pooled buffers, oldest first, for eviction. */
  private readonly order: ArrayBuffer[] = [];
  private reserved = 0;
  private inUse = 0;
  private live = 0;
  private peak = 0;
  private hits = 0;

  constructor(options: PoolOptions) {
    this.minPooled = options.minPooledBytes ?? 65536;
    this.maxReserved = options.maxReservedBytes ?? 512 * 2 ** 20;
  }

  alloc(dtype: DType, length: number): CpuStorage {
    const bytes = length * BYTES[dtype];
    let capacity = bytes;
    let buffer: ArrayBuffer | undefined;
    if (bytes >= this.minPooled) {
      capacity = bucketBytes(bytes);
      buffer = this.take(capacity);
    }
    let data: TypedArray;
    if (buffer) {
      this.hits++;
      data = view(dtype, buffer, length);
      data.fill(0);
    } else {
      buffer = this.newBuffer(capacity, dtype, length);
      data = view(dtype, buffer, length);
    }
    this.inUse += bytes;
    this.live++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return { dtype, length, data, capacityBytes: capacity, freed: false };
  }

  free(storage: Storage): void {
    const s = storage as CpuStorage;
    if (s.freed) return;
    s.freed = true;
    this.inUse -= s.length * BYTES[s.dtype];
    this.live--;
    const buffer = s.data.buffer as ArrayBuffer;
    if (s.capacityBytes >= this.minPooled && buffer.byteLength === s.capacityBytes) {
      if (s.capacityBytes > this.maxReserved) return;
      let list = this.buckets.get(s.capacityBytes);
      if (!list) {
        list = [];
        this.buckets.set(s.capacityBytes, list);
      }
      list.push(buffer);
      this.order.push(buffer);
      this.reserved += s.capacityBytes;
      while (this.reserved > this.maxReserved) this.evictOldest();
    }
  }

  memory(): MemoryInfo {
    return {
      bytesInUse: this.inUse,
      buffers: this.live,
      bytesReserved: this.reserved,
      peak: this.peak,
      poolHits: this.hits,
    };
  }

  /** Drops every cached buffer. */
  clear(): void {
    this.buckets.clear();
    this.order.length = 0;
    this.reserved = 0;
  }

  private take(capacity: number): ArrayBuffer | undefined {
    const list = this.buckets.get(capacity);
    const buffer = list?.pop();
    if (!buffer) return undefined;
    const i = this.order.lastIndexOf(buffer);
    if (i >= 0) this.order.splice(i, 1);
    this.reserved -= capacity;
    return buffer;
  }

  private evictOldest(): void {
    const buffer = this.order.shift();
    if (!buffer) return;
    const list = this.buckets.get(buffer.byteLength);
    if (list) {
      const i = list.indexOf(buffer);
      if (i >= 0) list.splice(i, 1);
    }
    this.reserved -= buffer.byteLength;
  }

  private newBuffer(capacity: number, dtype: DType, length: number): ArrayBuffer {
    try {
      return new ArrayBuffer(capacity);
    } catch {
      // Cached buffers may be what exhausted the heap: drop them and try once more.
      this.clear();
      try {
        return new ArrayBuffer(capacity);
      } catch (e) {
        throw new BackendError(
          `alloc: out of memory (got ${length} elements of ${dtype}, ${capacity} bytes; ${this.inUse} bytes in use)` +
            `\nhelp: free tensors you no longer need, or reduce the batch size (${String(e)})`,
        );
      }
    }
  }
}
