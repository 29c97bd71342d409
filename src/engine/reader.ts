/**
 * Streaming reads (shared/spec/ccow.md §5): walk the tree for `[start, end)`, fetch the touched
 * chunks with a bounded number in flight (default 4) while keeping order, verify every chunk's
 * BLAKE3 before its bytes are yielded, decompress, slice, and fill holes with zeros. The generator
 * pulls ahead only `readAhead` chunks, so a slow consumer applies back-pressure all the way down.
 */
import type { Core } from './core.js';
import { decodeChunk } from './chunk-codec.js';
import { refEnd, RefKind, type ChunkRef } from './format/ref.js';
import { leavesInRange } from './tree.js';

const ZERO_PIECE = 1024 * 1024;

/** Logical bytes of one leaf ref (verified). */
async function fetchLeaf(core: Core, ref: ChunkRef): Promise<Uint8Array> {
  if (ref.kind === RefKind.INLINE) return ref.data!;
  return decodeChunk(ref, await core.loadChunk(ref.id!));
}

function* zeros(n: number): Generator<Uint8Array> {
  while (n > 0) {
    const k = Math.min(n, ZERO_PIECE);
    yield Buffer.alloc(k);
    n -= k;
  }
}

/** Bytes `[start, end)` of the object whose root refs are `root`. */
export async function* readRange(core: Core, root: readonly ChunkRef[], start: number, end: number): AsyncGenerator<Uint8Array> {
  if (end <= start) return;
  const queue: { ref: ChunkRef; data: Promise<Uint8Array> }[] = [];
  let pos = start;
  const emit = async function* (item: { ref: ChunkRef; data: Promise<Uint8Array> }): AsyncGenerator<Uint8Array> {
    const { ref } = item;
    if (ref.offset > pos) yield* zeros(ref.offset - pos);
    const data = await item.data;
    const from = Math.max(start, ref.offset) - ref.offset;
    const to = Math.min(end, refEnd(ref)) - ref.offset;
    if (to > from) yield from === 0 && to === data.length ? data : data.subarray(from, to);
    pos = Math.max(pos, ref.offset + to);
  };
  try {
    for await (const ref of leavesInRange(root, start, end, core.loadCm)) {
      const data = fetchLeaf(core, ref);
      // Rejections are observed when the item is emitted; this keeps early ones from going unhandled.
      data.catch(() => undefined);
      queue.push({ ref, data });
      if (queue.length >= core.o.readAhead) yield* emit(queue.shift()!);
    }
    while (queue.length) yield* emit(queue.shift()!);
    if (pos < end) yield* zeros(end - pos);
  } finally {
    queue.length = 0;
  }
}
