import type { Backend, Storage } from '../backend/contract.js';

interface Cell {
  readonly backend: Backend;
  readonly storage: Storage;
  freed: boolean;
  readonly registered: boolean;
}

/**
 * The core's handle on one backend storage: shared by every view of it, holding the reference
 * count and the version counter that in-place ops bump and autograd checks.
 * @internal
 */
export class StorageHandle {
  /** Live tensors (views) holding this storage. */
  refs = 1;
  /** Bumped by every in-place write through any view. */
  version = 0;
  readonly cell: Cell;

  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
  ) {
    this.cell = { backend, storage, freed: false, registered: backend.garbageCollected !== true };
  }

  get freed(): boolean {
    return this.cell.freed;
  }
}

// NOTE: one registration per storage (not per view) keeps the per-op cost to a single register().
// The held cell must not reference the handle, or the handle could never be collected.
const registry = new FinalizationRegistry<Cell>((cell) => {
  if (!cell.freed) {
    cell.freed = true;
    cell.backend.free(cell.storage);
  }
});

/** Wraps a fresh storage so that it is freed on dispose or when unreachable. @internal */
export function track(backend: Backend, storage: Storage): StorageHandle {
  const handle = new StorageHandle(backend, storage);
  if (handle.cell.registered) registry.register(handle, handle.cell, handle);
  return handle;
}

/** Drops one reference; frees the storage when it was the last. @internal */
export function release(handle: StorageHandle): void {
  const cell = handle.cell;
  if (cell.freed) return;
  if (--handle.refs > 0) return;
  cell.freed = true;
  if (cell.registered) registry.unregister(handle);
  handle.backend.free(handle.storage);
}
