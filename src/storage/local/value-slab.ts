/**
 * Copies of LMDB values carved out of shared slabs. lmdb-js hands a value out as a copy in a
 * fresh ArrayBuffer, and a fresh ArrayBuffer of a few hundred bytes costs ~2 µs to make and later
 * to collect (bench: 2.2 µs for a 350-byte copy against 0.2–0.45 µs from a slab): a listing page
 * reads 1000 rows, a small GET two values. Slab pieces keep the MetaStore contract (the caller
 * owns them: a slab is never reused or written again once a piece of it is handed out); what they
 * change is retention: a piece keeps its whole slab alive, so code that caches decoded records
 * for long copies what it keeps (engine core.ts, loadBlob).
 */

/** Slab size: small enough that one retained piece pins little. */
const SLAB_BYTES = 64 * 1024;
/** Larger values get a buffer of their own. */
const MAX_PIECE = 16 * 1024;

/** A bump allocator of value copies. */
export class ValueSlab {
  #slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #at = 0;
  /**
   * While set, `copy` lends a view of `src` instead of copying: only `MetaStore.visit` sets it,
   * around a synchronous cursor step whose value its callback uses before the next read.
   */
  lending = false;

  /** A copy of `src[0, length)` that the caller owns (a view of `src` while `lending`). */
  copy(src: Uint8Array, length: number): Buffer {
    if (this.lending) return Buffer.from(src.buffer, src.byteOffset, length);
    if (length > MAX_PIECE) {
      const own = Buffer.allocUnsafeSlow(length);
      own.set(src.subarray(0, length));
      return own;
    }
    if (this.#at + length > SLAB_BYTES) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#at = 0;
    }
    const at = this.#at;
    this.#slab.set(src.subarray(0, length), at);
    // 8-byte steps keep every piece aligned for whoever reads words out of it.
    this.#at = (at + length + 7) & ~7;
    return this.#slab.subarray(at, at + length);
  }
}
