/**
 * Short-lived small buffers cut from shared 64 KiB slabs, as Node's own Buffer pool does for
 * buffers under half its `Buffer.poolSize` (8 KiB on Node 20, so under 4 KiB; 64 KiB on the Node 24
 * here, where this adds nothing but costs nothing either). A small put allocates three buffers of
 * ~4.4 KB (the body copy, the encoded VM, the name-index value); on Node 20 `Buffer.allocUnsafe`
 * gives each one memory of its own (an ArrayBuffer and a backing store, ~2.5 µs here, and external
 * memory that drives V8's GC) where a slice of a slab costs ~0.1 µs (bench/RESULTS.md, session 20).
 *
 * A slice is never handed out twice: a full slab is left to the GC, which frees it once every
 * slice of it is gone. So a slice that is kept (a cache entry) keeps its whole slab alive: use
 * these only for buffers that die with the operation that made them, and copy what is kept
 * (core.ts compactCopy).
 */

const SLAB_BYTES = 64 * 1024;
/** Larger requests get memory of their own: a slab holds at least four. */
const MAX_SLICE = SLAB_BYTES / 4;

let slab: ArrayBuffer = new ArrayBuffer(0);
let used = 0;

/** `n` bytes of uninitialised memory that the caller uses only for the current operation. */
export function transientBuffer(n: number): Buffer {
  if (n > MAX_SLICE) return Buffer.allocUnsafe(n);
  if (used + n > slab.byteLength) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES).buffer;
    used = 0;
  }
  const out = Buffer.from(slab, used, n);
  // 8-byte aligned, as Node's pool aligns its slices.
  used = (used + n + 7) & ~7;
  return out;
}
