/**
 * Quarantine of damaged chunks (shared/spec/ccow.md §17 scrub: "mismatch → quarantine, repair
 * (cluster) or report"; §12: a claim only dedups onto a chunk that "exists (and is not
 * quarantined)"). When a read or the scrub finds a stored payload chunk whose bytes no longer hash
 * to its id, or whose bytes are gone, the bytes are removed and the chunk row is marked (`ch2`).
 * Every version that uses the chunk keeps failing its reads with CHUNK_CORRUPT / CHUNK_MISSING (never
 * wrong data), but the next put of the same content — a client re-uploading the file, a sync tool
 * noticing the error — stores the bytes again instead of deduplicating onto the damaged copy, and
 * that repairs every version sharing the chunk at once. Without this, re-uploading a damaged file
 * produced another damaged object.
 */
import { chunkIdHex, chunkIdOf, compareBytes, type ChunkId } from '../common/index.js';
import type { Core } from './core.js';
import { EngineErrors } from './errors.js';
import { ChunkLoc, decodeChunkRow, encodeChunkRow } from './format/records.js';
import { chunkKey } from './keys.js';
import type { DamageReport } from './options.js';
import { storage } from './storage-errors.js';

/** What a fresh look at a chunk's stored bytes says, and how many bytes it read. */
export async function checkStoredChunk(core: Core, id: ChunkId, alloc?: (size: number) => Buffer): Promise<{ state: 'ok' | 'corrupt' | 'missing'; bytes: number }> {
  let raw: Uint8Array;
  try {
    // verify: a store with several copies answers with a good one if it has one.
    raw = await storage(core.backend.chunks.get(id, alloc ? { alloc, verify: true } : { verify: true }));
  } catch (e) {
    if (EngineErrors.CHUNK_MISSING.is(e)) return { state: 'missing', bytes: 0 };
    // The store itself can tell a damaged file (a chunk file header that does not parse).
    if (EngineErrors.CHUNK_CORRUPT.is(e)) return { state: 'corrupt', bytes: 0 };
    throw e;
  }
  return { state: compareBytes(chunkIdOf(raw), id) === 0 ? 'ok' : 'corrupt', bytes: raw.length };
}

/**
 * Quarantine payload chunk `id` after `problem` was seen. Under the chunk's lock (no put or GC of
 * the same id meanwhile) the bytes are checked again — a put may have repaired them since — then
 * removed and the row marked. Returns true when this call quarantined the chunk.
 */
export async function quarantineChunk(core: Core, id: ChunkId, foundBy: DamageReport['foundBy']): Promise<boolean> {
  const hex = chunkIdHex(id);
  const release = await core.chunkLocks.acquire(hex);
  let problem: 'corrupt' | 'missing';
  try {
    const raw = await storage(core.backend.meta.get(chunkKey(id)));
    if (!raw) return false;
    const row = decodeChunkRow(raw);
    if (row.loc !== ChunkLoc.STORE || row.quarantinedAt !== undefined) return false;
    const { state } = await checkStoredChunk(core, id);
    if (state === 'ok') return false;
    problem = state;
    // Remove whatever is stored under the id, "missing" included: a chunk file cut short reads as
    // CHUNK_MISSING, and left in place it would make the repairing put a no-op (a put of an id the
    // store already has a file for writes nothing), while its record cleared the quarantine.
    await storage(core.backend.chunks.delete(id));
    const now = core.now();
    await storage(core.backend.meta.transaction((tx) => {
      const cur = tx.get(chunkKey(id));
      if (cur) tx.put(chunkKey(id), encodeChunkRow({ ...decodeChunkRow(cur), quarantinedAt: now }));
    }));
  } finally {
    release();
  }
  core.o.onDamage?.({ chunk: hex, problem, foundBy, quarantined: true });
  return true;
}
