import { alignedSharedMemory, WASM_PAGE } from '../common/index.js';

/**
 * Reusable buffers. Writing into freshly allocated memory costs a page fault per 4 KiB page
 * (measured ~1.3 ms per MiB on the CI-class VM against ~0.03 ms for a reused buffer), and a fresh
 * buffer per chunk is external memory V8 accounts for: at hundreds of MB/s it drives back-to-back
 * full garbage collections (measured ~35 % of the gateway's CPU in a 1 GiB GET). So chunk buffers
 * of puts and the read buffers of GETs (ReadOptions.lend) go back to a free list once done with.
 *
 * Put buffers are SharedArrayBuffers: the digest worker reads a chunk while the main thread hashes
 * and stores it, instead of waiting for the store to finish and then moving the buffer over. They
 * are page-aligned too (`aligned`), so the local store writes a chunk file straight from them with
 * O_DIRECT instead of copying each chunk into a staging buffer first.
 */
export class BufferPool {
  readonly #free = new Map<number, ArrayBufferLike[]>();
  #freeBytes = 0;
  readonly #o: BufferPoolOptions;

  constructor(o: BufferPoolOptions) {
    this.#o = o;
  }

  /**
   * A buffer over memory of its own, of `size` bytes rounded up to the size class (exactly `size`
   * when the class is 1). Contents undefined.
   */
  take(size: number): Buffer {
    const cls = this.#o.classSize ?? 1;
    const n = Math.ceil(size / cls) * cls;
    // Free lists are keyed by the memory's own size (aligned memory is whole WASM_PAGEs).
    const aligned = this.#o.aligned === true && this.#o.shared && n >= WASM_PAGE;
    const key = aligned ? Math.ceil(n / WASM_PAGE) * WASM_PAGE : n;
    let mem = this.#free.get(key)?.pop();
    if (mem) this.#freeBytes -= key;
    else if (aligned) mem = alignedSharedMemory(key);
    // Plain memory of the key's size when none is aligned (no address space), so give() files it
    // under the same key.
    return Buffer.from(mem ?? (this.#o.shared ? new SharedArrayBuffer(key) : new ArrayBuffer(key)), 0, n);
  }

  /** Return the memory of a buffer from `take` (`buf.buffer`). Nobody may still hold a view of it. */
  give(mem: ArrayBufferLike): void {
    if (this.#freeBytes + mem.byteLength > this.#o.maxFreeBytes) return;
    let l = this.#free.get(mem.byteLength);
    if (!l) this.#free.set(mem.byteLength, (l = []));
    l.push(mem);
    this.#freeBytes += mem.byteLength;
  }
}

/** Options of a BufferPool. */
export interface BufferPoolOptions {
  /** SharedArrayBuffer memory (readable in place by worker threads). */
  shared: boolean;
  /** Most bytes kept in free buffers. */
  maxFreeBytes: number;
  /** Sizes are rounded up to a multiple of this (few free lists for many sizes). Default 1. */
  classSize?: number;
  /**
   * Shared memory of at least WASM_PAGE bytes is page-aligned (common/aligned-memory.ts), which
   * the local store recognises and writes with O_DIRECT in place. Smaller buffers are plain ones.
   */
  aligned?: boolean;
}
