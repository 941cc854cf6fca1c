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
  /** The accounting epoch of a small storage (keeps the epoch alive while the storage is). */
  readonly epoch: Epoch | null;
}

/** Live bytes and count of the small storages allocated during one epoch. */
interface EpochStats {
  bytes: number;
  count: number;
}

/**
 * Small storages are accounted in epochs of a few thousand allocations: each storage holds its
 * epoch, so the epoch becomes unreachable exactly when all of its storages have been collected,
 * and one finalizer then releases whatever they had not explicitly freed.
 */
interface Epoch {
  readonly stats: EpochStats;
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
/** Storages up to this many bytes are carved from shared slabs and recycled through free lists. */
const SMALL_BYTES = 256;
const SLAB_BYTES = 64 * 1024;
/** At most this many recycled small arrays are kept per (dtype, length). */
const SMALL_FREE_LIMIT = 256;
/** Small allocations per accounting epoch. */
const EPOCH_SIZE = 4096;

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

const DTYPE_INDEX: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

function slabView(dtype: DType, buffer: ArrayBuffer, offset: number, length: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, offset, length);
    case 'float64':
      return new Float64Array(buffer, offset, length);
    case 'int32':
      return new Int32Array(buffer, offset, length);
    case 'bool':
      return new Uint8Array(buffer, offset, length);
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
  // NOTE: a fresh ArrayBuffer per tiny tensor dominates per-op cost (allocation and GC of backing
  // stores); small storages are views into a shared slab, and freed ones are reused as they are.
  private slab = new ArrayBuffer(SLAB_BYTES);
  private slabOffset = 0;
  private readonly smallFree: Map<number, TypedArray[]>[] = [new Map(), new Map(), new Map(), new Map()];
  private epoch: Epoch;
  private epochAllocs = 0;
  // NOTE: storages that become unreachable without dispose are reclaimed by the garbage collector
  // (the backend declares `garbageCollected`); these registries only correct the accounting.
  private readonly collected = new FinalizationRegistry<EpochStats | { bytes: number }>((held) => {
    this.inUse -= held.bytes;
    this.live -= 'count' in held ? held.count : 1;
  });

  constructor(options: PoolOptions) {
    this.minPooled = options.minPooledBytes ?? 65536;
    this.maxReserved = options.maxReservedBytes ?? 512 * 2 ** 20;
    this.epoch = this.newEpoch();
  }

  alloc(dtype: DType, length: number, uninitialized = false): CpuStorage {
    const bytes = length * BYTES[dtype];
    if (bytes <= SMALL_BYTES) return this.allocSmall(dtype, length, bytes);
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
      // NOTE: a recycled buffer is zeroed only when the caller will not overwrite all of it.
      if (!uninitialized) data.fill(0);
    } else {
      buffer = this.newBuffer(capacity, dtype, length);
      data = view(dtype, buffer, length);
    }
    this.inUse += bytes;
    this.live++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    const storage: CpuStorage = { dtype, length, data, capacityBytes: capacity, freed: false, epoch: null };
    this.collected.register(storage, { bytes }, storage);
    return storage;
  }

  free(storage: Storage): void {
    const s = storage as CpuStorage;
    if (s.freed) return;
    s.freed = true;
    const bytes = s.length * BYTES[s.dtype];
    this.inUse -= bytes;
    this.live--;
    if (s.epoch !== null) {
      s.epoch.stats.bytes -= bytes;
      s.epoch.stats.count--;
    } else this.collected.unregister(s);
    if (bytes <= SMALL_BYTES) {
      const lists = this.smallFree[DTYPE_INDEX[s.dtype]]!;
      let list = lists.get(s.length);
      if (list === undefined) {
        list = [];
        lists.set(s.length, list);
      }
      if (list.length < SMALL_FREE_LIMIT) list.push(s.data);
      return;
    }
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

  private allocSmall(dtype: DType, length: number, bytes: number): CpuStorage {
    const list = this.smallFree[DTYPE_INDEX[dtype]]!.get(length);
    let data = list?.pop();
    if (data !== undefined) {
      data.fill(0);
      this.hits++;
    } else {
      const aligned = (this.slabOffset + 7) & ~7;
      if (aligned + bytes > SLAB_BYTES) {
        this.slab = new ArrayBuffer(SLAB_BYTES);
        this.slabOffset = 0;
      } else this.slabOffset = aligned;
      data = slabView(dtype, this.slab, this.slabOffset, length);
      this.slabOffset += bytes;
    }
    this.inUse += bytes;
    this.live++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    if (++this.epochAllocs >= EPOCH_SIZE) {
      this.epochAllocs = 0;
      this.epoch = this.newEpoch();
    }
    const epoch = this.epoch;
    epoch.stats.bytes += bytes;
    epoch.stats.count++;
    return { dtype, length, data, capacityBytes: bytes, freed: false, epoch };
  }

  private newEpoch(): Epoch {
    const epoch: Epoch = { stats: { bytes: 0, count: 0 } };
    this.collected.register(epoch, epoch.stats);
    return epoch;
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
