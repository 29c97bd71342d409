/**
 * Freeing a buffer's memory now instead of at V8's next collection.
 *
 * Why: Node's HTTP parser copies every piece of a request body (≤ 64 KiB) into an ArrayBuffer of its
 * own (node_http_parser.cc, `Buffer::Copy`), malloc'd from glibc's heap and freed only when V8 collects
 * the Buffer. V8 collects on external-memory pressure, so under large uploads tens of MiB of dead
 * pieces sit in the heap at any time (16 concurrent 1 GiB uploads: 38–108 MiB of `arrayBuffers`,
 * the largest part of the peak; bench/RESULTS.md sessions 21–24). A body consumer that has copied a
 * piece out can hand it back here: `ArrayBuffer.prototype.transfer(0)` (ES2024) detaches the buffer
 * and V8 releases its backing store at once (measured: 20,000 pieces of 64 KiB, peak `arrayBuffers`
 * 31 MiB → 0.1 MiB on Node 20, 114 → 0.2 MiB on Node 24).
 *
 * Node 22+ has `transfer`; Node 20's V8 (11.3) has it behind `--harmony-rab-gsab-transfer`, which
 * installs it in contexts created after the flag is set: it is taken from a fresh vm context, and
 * called on this context's buffers (the method checks the receiver's internal slots, not its realm).
 * Where neither works, release does nothing and the buffer waits for the collector as before.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

/** Buffers smaller than this are not worth a call (and Node's 8 KiB pool hands out only smaller slices). */
const MIN_RELEASE_BYTES = 4096;

let transfer: Transfer | null | undefined;

/** ArrayBuffer.prototype.transfer of this runtime, or null when it has none. */
function transferFn(): Transfer | null {
  if (transfer !== undefined) return transfer;
  const own = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
  if (typeof own === 'function') return (transfer = own);
  try {
    setFlagsFromString('--harmony-rab-gsab-transfer');
    const fresh = runInNewContext('ArrayBuffer.prototype.transfer') as unknown;
    transfer = typeof fresh === 'function' ? (fresh as Transfer) : null;
  } catch {
    transfer = null;
  }
  return transfer;
}

/** Whether releaseBytes can free memory on this runtime (else it is a no-op). */
export function canReleaseBytes(): boolean {
  return transferFn() !== null;
}

/**
 * Free the memory of `b` now, when `b` is the whole of a plain ArrayBuffer of its own (as each body
 * piece from Node's HTTP parser is). Afterwards `b` reads as empty (length 0) — every other view of
 * that memory too, so call it only on a buffer nothing else holds. Slices of a larger buffer, pooled
 * small Buffers, shared and resizable memory are left alone.
 */
export function releaseBytes(b: Uint8Array): void {
  const ab = b.buffer;
  if (b.byteOffset !== 0 || b.byteLength !== ab.byteLength || b.byteLength < MIN_RELEASE_BYTES) return;
  if (!(ab instanceof ArrayBuffer) || (ab as { resizable?: boolean }).resizable === true) return;
  const t = transferFn();
  if (t) t.call(ab, 0);
}
