/**
 * Streaming reads (shared/spec/ccow.md §5): walk the tree for `[start, end)`, fetch the touched
 * chunks with a bounded number in flight (default 4) while keeping order, verify every chunk's
 * BLAKE3 before its bytes are yielded, decompress, slice, and fill holes with zeros. The generator
 * pulls ahead only `readAhead` chunks, so a slow consumer applies back-pressure all the way down.
 * A long (streaming) read goes deeper, up to `readAheadStreaming` chunks, while the engine-wide
 * `readBudget` has room: a single large GET is bound by the latency of its chunk reads, not by
 * CPU, and many concurrent ones stay at the base window instead of multiplying the memory.
 *
 * With a `lend` pool (ReadOptions.lend) chunk files are read into reused buffers: a yielded piece
 * stays valid until the consumer asks for the piece after the next one (or ends the iteration),
 * then its buffer is reused. The one-piece lag lets a consumer write a piece out while it already
 * holds the next (http/respond.ts keeps two writes going, so the socket never waits on a read).
 */
import type { BufferPool } from './buffer-pool.js';
import type { Core } from './core.js';
import { decodeChunk } from './chunk-codec.js';
import { refEnd, RefKind, type ChunkRef } from './format/ref.js';
import { leavesInRange } from './tree.js';

const ZERO_PIECE = 1024 * 1024;
/**
 * Reads of at least this many bytes read deeper ahead and ask the store to stream (read around the
 * page cache) the first time: large objects are mostly read once and would only push hot small ones
 * out of the cache, and a cold O_DIRECT read is 2–4× faster here. A repeat of the same long read
 * goes through the cache (recent-reads.ts). Smaller reads stay cacheable.
 */
const STREAMING_BYTES = 8 * 1024 * 1024;

/** A fetched leaf: its logical bytes and the lent buffer they may live in. */
interface Fetched {
  data: Uint8Array;
  lent?: Buffer;
}

/** Logical bytes of one leaf ref (verified). */
async function fetchLeaf(core: Core, ref: ChunkRef, lend: BufferPool | undefined, streaming: boolean): Promise<Fetched> {
  if (ref.kind === RefKind.INLINE) return { data: ref.data! };
  if (!lend) return { data: await decodeChunk(ref, await core.loadChunk(ref.id!, undefined, streaming)) };
  let lent: Buffer | undefined;
  try {
    const raw = await core.loadChunk(ref.id!, (n) => (lent = lend.take(n)), streaming);
    const data = await decodeChunk(ref, raw);
    if (data !== raw && lent) {
      // Decompressed into new memory: the raw bytes are done with.
      lend.give(lent.buffer);
      lent = undefined;
    }
    return lent ? { data, lent } : { data };
  } catch (e) {
    if (lent) lend.give(lent.buffer);
    throw e;
  }
}

function* zeros(n: number): Generator<Uint8Array> {
  while (n > 0) {
    const k = Math.min(n, ZERO_PIECE);
    yield Buffer.alloc(k);
    n -= k;
  }
}

/**
 * Bytes `[start, end)` of the object whose root refs are `root`. With `lend`, chunk files are read
 * into its buffers (see the module comment for how long a piece stays valid).
 */
export async function* readRange(core: Core, root: readonly ChunkRef[], start: number, end: number, lend?: BufferPool): AsyncGenerator<Uint8Array> {
  if (end <= start) return;
  // A long read reads deeper ahead; the first one in a while also streams: the store may read
  // around its page cache (ChunkGetOptions.streaming). Keyed by content (the first root ref's id):
  // the same bytes under another key are the same chunk files.
  const long = end - start >= STREAMING_BYTES;
  const streaming = long && !core.recentReads.repeat(readKey(root, start, end), core.now());
  const queue: { ref: ChunkRef; data: Promise<Fetched> }[] = [];
  // Chunks beyond the base window, and the bytes of core.readBudget they hold (streaming only).
  let extra = 0;
  let extraBytes = 0;
  const maxExtra = long ? Math.max(0, core.o.readAheadStreaming - core.o.readAhead) : 0;
  let pos = start;
  let held: ArrayBufferLike | undefined;
  const emit = async function* (item: { ref: ChunkRef; data: Promise<Fetched> }): AsyncGenerator<Uint8Array> {
    const { ref } = item;
    if (ref.offset > pos) yield* zeros(ref.offset - pos);
    const { data, lent } = await item.data;
    const from = Math.max(start, ref.offset) - ref.offset;
    const to = Math.min(end, refEnd(ref)) - ref.offset;
    if (to > from) {
      yield from === 0 && to === data.length ? data : data.subarray(from, to);
      // Only reached when the consumer asked for more: it is done with the piece before this one.
      // (The last piece, and the pieces of an iteration ended early, are left to the garbage
      // collector: the consumer may still be writing them out.)
      if (held) lend!.give(held);
      held = lent?.buffer;
    } else if (lent) {
      lend!.give(lent.buffer);
    }
    pos = Math.max(pos, ref.offset + to);
  };
  try {
    for await (const ref of leavesInRange(root, start, end, core.loadCm)) {
      const data = fetchLeaf(core, ref, lend, streaming);
      // Rejections are observed when the item is emitted; this keeps early ones from going unhandled.
      data.catch(() => undefined);
      queue.push({ ref, data });
      if (queue.length < core.o.readAhead + extra) continue;
      if (extra < maxExtra && core.readBudget.tryAcquire(ref.length)) {
        extra++;
        extraBytes += ref.length;
      } else {
        yield* emit(queue.shift()!);
      }
    }
    while (queue.length) yield* emit(queue.shift()!);
    if (pos < end) yield* zeros(end - pos);
  } finally {
    queue.length = 0;
    if (extraBytes) core.readBudget.release(extraBytes);
  }
}

/** What makes two long reads the same read: the object's bytes (its first root ref) and the range. */
function readKey(root: readonly ChunkRef[], start: number, end: number): string {
  const first = root[0];
  const id = first?.id ? Buffer.from(first.id).toString('hex') : 'none';
  return `${id}:${root.length}:${start}:${end}`;
}
