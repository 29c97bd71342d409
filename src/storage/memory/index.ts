/**
 * storage/memory: the reference StorageBackend (shared/spec/ccow.md §16, shared/STYLE.md habit 4).
 * The contract tests are written against it; nothing persists past `close()`.
 */
import type { StorageBackend, StorageStats } from '../contract/index.js';
import { MemoryChunkStore } from './chunk-store.js';
import { MemoryMetaStore } from './meta-store.js';

export { MemoryChunkStore } from './chunk-store.js';
export { MemoryMetaStore } from './meta-store.js';

/** A StorageBackend held entirely in memory. After `close()` every call fails with CLOSED. */
export class MemoryBackend implements StorageBackend {
  readonly kind = 'memory';
  readonly chunks: MemoryChunkStore;
  readonly meta: MemoryMetaStore;
  #open = true;

  constructor() {
    const isOpen = (): boolean => this.#open;
    this.chunks = new MemoryChunkStore(isOpen);
    this.meta = new MemoryMetaStore(isOpen);
  }

  async stats(): Promise<StorageStats> {
    return { chunkBytes: this.chunks.bytes, chunkCount: this.chunks.count };
  }

  async close(): Promise<void> {
    this.#open = false;
  }
}

/**
 * A fresh, empty in-memory backend.
 * @example
 * const backend = createMemoryBackend();
 * await backend.meta.transaction((tx) => tx.put(key, value));
 */
export function createMemoryBackend(): MemoryBackend {
  return new MemoryBackend();
}
