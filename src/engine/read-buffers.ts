/**
 * Buffers lent to readers that opted in (ReadOptions.lend). A 1 GiB GET reads ~1,000 chunk files;
 * a fresh buffer for each is external memory V8 must account for, and at hundreds of MB/s that
 * drives back-to-back full garbage collections (measured: ~35 % of the gateway's CPU during a large
 * GET went to marking and sweeping) on top of the page faults of new memory. Reused buffers avoid
 * both.
 */

/** Buffer sizes are multiples of this (few size classes for chunk files of any length). */
const CLASS = 64 * 1024;
/** Most bytes kept in free buffers. */
const MAX_FREE_BYTES = 32 * 1024 * 1024;

/** Free lists of read buffers by size class. */
export class ReadBuffers {
  readonly #free = new Map<number, Buffer[]>();
  #freeBytes = 0;

  /** A buffer of at least `size` bytes; contents undefined. */
  take(size: number): Buffer {
    const cls = Math.ceil(size / CLASS) * CLASS;
    const b = this.#free.get(cls)?.pop();
    if (!b) return Buffer.allocUnsafeSlow(cls);
    this.#freeBytes -= cls;
    return b;
  }

  /** Return a buffer from `take` (whole); nobody may still read or write it. */
  give(b: Buffer): void {
    if (this.#freeBytes + b.length > MAX_FREE_BYTES || b.length % CLASS !== 0) return;
    let l = this.#free.get(b.length);
    if (!l) this.#free.set(b.length, (l = []));
    l.push(b);
    this.#freeBytes += b.length;
  }
}
