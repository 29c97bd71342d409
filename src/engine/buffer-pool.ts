/**
 * Reusable chunk buffers. Writing into freshly allocated memory costs a page fault per 4 KiB page
 * (measured ~1.3 ms per MiB on the CI-class VM against ~0.03 ms for a reused buffer), which alone
 * would cap a put far below the disk, so chunk buffers go back to a free list once the store and
 * the digest worker are done with them.
 *
 * The memory is a SharedArrayBuffer: the digest worker reads a chunk while the main thread hashes
 * and stores it, instead of waiting for the store to finish and then moving the buffer over.
 */
export class BufferPool {
  readonly #free = new Map<number, SharedArrayBuffer[]>();
  readonly #cap: number;

  /** `cap`: buffers kept per size. */
  constructor(cap: number) {
    this.#cap = cap;
  }

  /** A buffer of exactly `size` bytes over a SharedArrayBuffer of its own. Contents undefined. */
  take(size: number): Buffer {
    return Buffer.from(this.#free.get(size)?.pop() ?? new SharedArrayBuffer(size));
  }

  /** Return a buffer taken from `take` (its whole memory). Nobody may still hold a view of it. */
  give(ab: SharedArrayBuffer): void {
    let l = this.#free.get(ab.byteLength);
    if (!l) this.#free.set(ab.byteLength, (l = []));
    if (l.length < this.#cap) l.push(ab);
  }
}
