// The allocator inside the one WebAssembly.Memory: 16-byte-aligned blocks in size classes, a free
// list per class (freed blocks are reused first, so a steady training loop stops growing the
// heap), a bump pointer above them, and memory.grow when the bump region runs out.

const PAGE = 65536;
const ALIGN = 16;
const GUARD_BYTES = 16;
const GUARD_BYTE = 0xa5;

/** Thrown (and rewrapped by the backend) when a request does not fit under the heap limit. */
export class HeapExhausted extends Error {
  constructor(
    readonly requested: number,
    readonly limit: number,
    readonly heapSize: number,
  ) {
    super(`wasm heap exhausted: requested ${requested} bytes, heap limit ${limit} bytes`);
  }
}

/**
 * The size class of a request: multiples of 16 up to 1 KiB, then 8 classes per power of two
 * (at most 12.5 % slack).
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (b <= 1024) return b;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/** Live statistics of a {@link WasmHeap}. */
export interface HeapStats {
  /** Bytes requested by live blocks. */
  bytesInUse: number;
  /** Live blocks. */
  blocks: number;
  /** Bytes of blocks waiting in free lists. */
  bytesCached: number;
  /** Current size of the memory (bytes). */
  heapSize: number;
  /** The most the memory may grow to (bytes). */
  heapLimit: number;
  /** Highest bytesInUse seen. */
  peakBytesInUse: number;
}

export class WasmHeap {
  private top: number;
  private highWater: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly live = new Map<number, { cls: number; bytes: number }>();
  private inUse = 0;
  private peak = 0;
  private cached = 0;
  private u8: Uint8Array;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly start: number,
    readonly limit: number,
    readonly guards = false,
    /**
     * Zero-fills [ptr, ptr + bytes): the kernel module's bulk `memory.fill` where given, since
     * `Uint8Array.fill` on a shared memory runs about 20× slower in V8.
     */
    private readonly zeroFill: ((ptr: number, bytes: number) => void) | null = null,
  ) {
    this.top = start;
    this.highWater = start;
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** Bytes view of the whole memory, refreshed after growth. */
  bytes(): Uint8Array {
    if (this.u8.buffer !== this.memory.buffer || this.u8.byteLength !== this.memory.buffer.byteLength) {
      this.u8 = new Uint8Array(this.memory.buffer);
    }
    return this.u8;
  }

  /** Allocates `bytes` (zero-filled unless `zero` is false, 16-byte aligned) and returns the address. */
  alloc(bytes: number, zero = true): number {
    const need = bytes + (this.guards ? GUARD_BYTES : 0);
    const cls = sizeClass(need);
    let ptr = this.takeFree(cls);
    if (ptr < 0) ptr = this.bump(cls);
    if (ptr < 0) ptr = this.takeLarger(cls);
    if (ptr < 0) throw new HeapExhausted(bytes, this.limit, this.memory.buffer.byteLength);
    const blockCls = this.live.get(ptr)?.cls ?? cls;
    this.live.set(ptr, { cls: blockCls, bytes });
    this.inUse += bytes;
    if (this.inUse > this.peak) this.peak = this.inUse;
    if (zero && ptr < this.highWater) this.zero(ptr, Math.min(ptr + need, this.highWater) - ptr);
    if (ptr + blockCls > this.highWater) this.highWater = ptr + blockCls;
    if (this.guards) this.bytes().fill(GUARD_BYTE, ptr + bytes, ptr + bytes + GUARD_BYTES);
    return ptr;
  }

  /** Zero-fills `bytes` bytes at `ptr`. */
  zero(ptr: number, bytes: number): void {
    if (bytes <= 0) return;
    if (this.zeroFill !== null) this.zeroFill(ptr, bytes);
    else this.bytes().fill(0, ptr, ptr + bytes);
  }

  /** Releases a block returned by {@link alloc}. */
  free(ptr: number): void {
    const b = this.live.get(ptr);
    if (b === undefined) throw new Error(`wasm heap: free of unknown block at ${ptr}`);
    if (this.guards) this.checkBlock(ptr, b.bytes);
    this.live.delete(ptr);
    this.inUse -= b.bytes;
    if (ptr + b.cls === this.top) {
      this.top = ptr;
      return;
    }
    let list = this.freeLists.get(b.cls);
    if (list === undefined) {
      list = [];
      this.freeLists.set(b.cls, list);
    }
    list.push(ptr);
    this.cached += b.cls;
  }

  /** Throws if any live block's guard bytes were overwritten (only with `guards`). */
  checkGuards(): void {
    if (!this.guards) return;
    for (const [ptr, b] of this.live) this.checkBlock(ptr, b.bytes);
  }

  stats(): HeapStats {
    return {
      bytesInUse: this.inUse,
      blocks: this.live.size,
      bytesCached: this.cached,
      heapSize: this.memory.buffer.byteLength,
      heapLimit: this.limit,
      peakBytesInUse: this.peak,
    };
  }

  private checkBlock(ptr: number, bytes: number): void {
    const u8 = this.bytes();
    for (let i = ptr + bytes; i < ptr + bytes + GUARD_BYTES; i++) {
      if (u8[i] !== GUARD_BYTE) {
        throw new Error(`wasm heap: guard bytes after block ${ptr} (${bytes} bytes) were overwritten`);
      }
    }
  }

  private takeFree(cls: number): number {
    const list = this.freeLists.get(cls);
    if (list === undefined || list.length === 0) return -1;
    this.cached -= cls;
    return list.pop()!;
  }

  private takeLarger(cls: number): number {
    let best = -1;
    for (const [c, list] of this.freeLists) {
      if (c >= cls && list.length > 0 && (best < 0 || c < best)) best = c;
    }
    if (best < 0) return -1;
    const ptr = this.takeFree(best);
    this.live.set(ptr, { cls: best, bytes: 0 });
    return ptr;
  }

  private bump(cls: number): number {
    const end = this.top + cls;
    if (end > this.limit) return -1;
    const size = this.memory.buffer.byteLength;
    if (end > size) {
      const needPages = Math.ceil((end - size) / PAGE);
      // Grow by at least a quarter of the current size, so growth stays amortised.
      const maxPages = Math.floor(this.limit / PAGE) - size / PAGE;
      const pages = Math.min(maxPages, Math.max(needPages, Math.ceil(size / PAGE / 4)));
      try {
        this.memory.grow(pages);
      } catch {
        try {
          this.memory.grow(needPages);
        } catch {
          return -1;
        }
      }
    }
    const ptr = this.top;
    this.top = end;
    return ptr;
  }
}
