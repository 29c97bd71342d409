/**
 * Scrub (shared/spec/ccow.md §17: "30 days per chunk, paced (≤ 50 MB/s) | re-hash stored bytes;
 * mismatch → quarantine, repair (cluster) or report"). Data nobody reads can rot unnoticed until
 * the day it is needed; the scrub re-reads every stored chunk once per pass and re-hashes it.
 *
 * - A payload chunk whose bytes are corrupt or gone is quarantined (quarantine.ts): reads keep
 *   failing cleanly and the next put of the same content repairs it. Reported through
 *   `EngineOptions.onDamage`.
 * - A manifest (VM/CM bytes kept in the metadata store) that no longer hashes to its id cannot be
 *   repaired by a put of the content (its id is known only from the version that names it): it is
 *   reported, not quarantined.
 *
 * Pacing is a byte budget refilled at `scrubBytesPerSec` (at most two seconds' worth at a time), so
 * the scrub never reads faster than that and yields between steps. Progress (`sc1`) is saved after
 * each step: a restart resumes the pass where it was, and the first pass of a new store starts one
 * interval after its first start (its chunks were verified when written).
 */
import { chunkIdHex, chunkIdOf, compareBytes, fromHex, prefixEnd, type ChunkId } from '../common/index.js';
import { StorageErrors } from '../storage/contract/index.js';
import type { Worker } from './api.js';
import { EngineErrors } from './errors.js';
import type { Core } from './core.js';
import { ChunkLoc, decodeChunkRow, decodeScrubRecord, encodeScrubRecord, type ScrubRecord } from './format/records.js';
import { blobKey, idOfKey, stateKey, subOfChunkKey, Sub, T } from './keys.js';
import { checkStoredChunk, quarantineChunk } from './quarantine.js';
import { storage } from './storage-errors.js';

/** Rows read per step at most (the byte budget usually ends a step first). */
const ROWS_PER_STEP = 512;
const STATE_KEY = stateKey('scrub');

/** The scrub worker; see the module comment. */
export function scrubWorker(core: Core): Worker {
  let state: ScrubRecord | undefined;
  let budget = 0;
  let refilledAt = -Infinity;
  let buf: Buffer | undefined;
  const alloc = (n: number): Buffer => {
    if (!buf || buf.length < n) buf = Buffer.allocUnsafeSlow(Math.max(n, 1024 * 1024));
    return buf.subarray(0, n);
  };
  return {
    name: 'scrub',
    async step() {
      const now = core.now();
      state ??= await load(core, now);
      if (state.passStartedAt === undefined) {
        if (now < state.nextPassAt) return 'idle';
        state = { nextPassAt: state.nextPassAt, passStartedAt: now };
      }
      const rate = core.o.scrubBytesPerSec;
      budget = Math.min(2 * rate, budget + (refilledAt === -Infinity ? rate : ((now - refilledAt) / 1000) * rate));
      refilledAt = now;
      if (budget <= 0) return 'idle';
      const rows = await chunkRows(core, state.cursor);
      let end = true;
      for (const { id, raw } of rows) {
        state.cursor = chunkIdHex(id);
        // Decoded past the cursor: a row that does not decode fails this step, not every later one.
        const row = decodeChunkRow(raw);
        if (row.quarantinedAt === undefined) budget -= await checkOne(core, id, row.loc, alloc);
        if (budget <= 0) {
          end = false;
          break;
        }
      }
      if (end && rows.length < ROWS_PER_STEP) state = { nextPassAt: state.passStartedAt! + core.o.scrubEveryMs };
      const saved = state;
      await storage(core.backend.meta.transaction((tx) => tx.put(STATE_KEY, encodeScrubRecord(saved))));
      return 'idle';
    },
  };
}

/**
 * The next chunk rows after chunk `cursor` (hex; from the first chunk when absent), at most
 * ROWS_PER_STEP. A chunk's keys are its row, its blob and one `ref` row per referrer (keys.ts `Sub`):
 * the scan seeks past each chunk's other keys, so a chunk held by thousands of versions costs one
 * row, and a page is never all `ref` rows (a cursor moved only by chunk rows then stood still:
 * every later step re-read the same page).
 */
async function chunkRows(core: Core, cursor: string | undefined): Promise<{ id: ChunkId; raw: Buffer }[]> {
  const out: { id: ChunkId; raw: Buffer }[] = [];
  const hi = Buffer.from([T.CHUNK + 1]);
  const start = cursor ? afterChunk(fromHex(cursor)) : Buffer.from([T.CHUNK]);
  await core.backend.meta.visit({ gte: start, lt: hi }, (k, v) => {
    const id = idOfKey(k);
    // `visit` lends its bytes: keep copies (idOfKey copies the id).
    if (subOfChunkKey(k) === Sub.ROW) out.push({ id, raw: Buffer.from(v) });
    if (out.length >= ROWS_PER_STEP) return 'stop';
    return afterChunk(id);
  });
  return out;
}

/** The first key after every key of chunk `id`. */
function afterChunk(id: Uint8Array): Buffer {
  return prefixEnd(Buffer.concat([Buffer.from([T.CHUNK]), id]))!;
}

/** The saved progress, or (first start of this store) a first pass one interval from now. */
async function load(core: Core, now: number): Promise<ScrubRecord> {
  const raw = await storage(core.backend.meta.get(STATE_KEY));
  if (raw) return decodeScrubRecord(raw);
  const fresh: ScrubRecord = { nextPassAt: now + core.o.scrubEveryMs };
  await storage(core.backend.meta.transaction((tx) => tx.put(STATE_KEY, encodeScrubRecord(fresh))));
  return fresh;
}

/** Check one chunk; returns the bytes it cost. */
async function checkOne(core: Core, id: ChunkId, loc: ChunkLoc, alloc: (n: number) => Buffer): Promise<number> {
  if (loc === ChunkLoc.BLOB) {
    const raw = await storage(core.backend.meta.get(blobKey(id)));
    const bad = !raw ? 'missing' : compareBytes(chunkIdOf(raw), id) !== 0 ? 'corrupt' : undefined;
    if (bad) core.o.onDamage?.({ chunk: chunkIdHex(id), problem: bad, foundBy: 'scrub', quarantined: false });
    return raw?.length ?? 0;
  }
  let r: Awaited<ReturnType<typeof checkStoredChunk>>;
  try {
    r = await checkStoredChunk(core, id, alloc);
  } catch (e) {
    // A read error (EIO: a bad sector) is damage an operator must hear of. It is not quarantined:
    // it may pass, and the bytes may still be good.
    if (!EngineErrors.UNAVAILABLE.is(e) || !StorageErrors.IO.is((e as Error).cause)) throw e;
    core.o.onDamage?.({ chunk: chunkIdHex(id), problem: 'unreadable', foundBy: 'scrub', quarantined: false });
    return 0;
  }
  if (r.state !== 'ok') await quarantineChunk(core, id, 'scrub');
  return r.bytes;
}
