/**
 * Periodic housekeeping workers (shared/spec/ccow.md §17): tombstone purge (quiet delete markers of
 * never-versioned buckets, §7.3), feed trim (§14 retention) and the expiry of completed-upload
 * answers (multipart.ts). All are paced scans that do a bounded amount of work per step.
 */
import { fromHex } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { Worker } from './api.js';
import { bucketById, bucketNamesById } from './buckets.js';
import { derivedIndexReady, markDerivedIndexBuilt } from './derived.js';
import { applyEffects, keyEntries, newEffects, purgeEntry, refreshCur, snapshotCutoffs } from './commit.js';
import type { Bucket, Core } from './core.js';
import { decodeCompletedUploadRecord, decodeFeedRecord, decodeVersionRecord } from './format/records.js';
import { COMPLETED_UPLOAD_TTL_MS, uploadIdTsCeiling } from './multipart.js';
import { decodeObjectKey, encodeObjectKey, niKeyOfQuietKey, NO_VALUE, quietKeyOfNiKey, T, uvidOfNiKey } from './keys.js';
import { minCursor } from './feed.js';
import { storage } from './storage-errors.js';
import { makeUvid, uvidMs } from './uvid.js';

const STEP = 256;
/** Longest pause between two passes of the tombstone purge (a quarter of the retention when shorter). */
const TOMBSTONE_PASS_EVERY_MS = 15 * 60_000;
/** How a quiet marker's record reads in its canonical JSON (records.ts): a cheap pre-filter. */
const QUIET = Buffer.from('"quiet":true');

/** A quiet marker the purge looks at: its bucket, key and UVID. */
interface Marker {
  bucket: Bucket;
  key: string;
  uvid: Buffer;
}

/**
 * Purge quiet markers older than the retention (§7.3), a page per step, in passes at most every
 * 15 minutes (a quarter of the retention when shorter: a marker waits at most its retention plus
 * the pause).
 *
 * A pass reads the quiet-marker index (`Q`, by UVID, that is by age) up to the cut-off: only the
 * markers due. Before, every pass read the whole name index, whose values embed every small
 * object's bytes: after 10^5 put/delete cycles the first pass read 160 MiB and a restarted
 * gateway sat at 317 MiB before its first request. A store written by an older build has no
 * complete index (derived.ts): its pass is still the full scan, which indexes each marker not due
 * yet and, once over, records the index complete.
 */
export function tombstoneWorker(core: Core): Worker {
  let cursor: Buffer | undefined;
  let indexed = false;
  let nextPassAt = -Infinity;
  // The buckets of this pass by id (null: none), read once per pass: a lookup by id per bucket
  // whose markers a step met read the whole bucket table each time, buckets² / 2 rows per pass
  // (1,000 buckets with markers: 534,043 rows for 10,000 markers; 10^4 buckets ~5·10^7).
  let byId: Map<string, string | null> | undefined;
  const bucketOf = async (id: Buffer): Promise<Bucket | undefined> => {
    const hex = id.toString('hex');
    byId ??= await bucketNamesById(core);
    let name = byId.get(hex);
    if (name === undefined) {
      // Created since the table was read (a bucket clone may bring old markers): one scan, remembered.
      name = (await bucketById(core, id))?.rec.name ?? null;
      byId.set(hex, name);
    }
    const b = name === null ? undefined : await core.findBucket(name);
    return b?.rec.id === hex ? b : undefined;
  };

  /** One page of the index up to the cut-off; every row read leaves it (purged, or found stale). */
  const indexStep = async (cutoff: number): Promise<number> => {
    if (cutoff < 0) return 0;
    const lo = cursor ? { gt: cursor } : { gte: Buffer.from([T.QUIET]) };
    const hi = Buffer.concat([Buffer.from([T.QUIET]), makeUvid(BigInt(Math.floor(cutoff) + 1) * 1000n, 0, 0, 0)]);
    const rows: { q: Buffer; m: Marker | undefined }[] = [];
    for await (const [k] of core.backend.meta.range({ ...lo, lt: hi, limit: STEP })) {
      const q = Buffer.from(k);
      cursor = q;
      const { uvid, bucketId, encKey } = niKeyOfQuietKey(q);
      const bucket = await bucketOf(bucketId);
      rows.push({ q, m: bucket && { bucket, key: decodeObjectKey(encKey, 0).key, uvid } });
    }
    if (rows.length > 0) {
      await storage(core.backend.meta.transaction((tx) => {
        for (const { q, m } of rows) if (!m || !purgeTx(tx, m)) tx.del(q);
      }));
    }
    return rows.length;
  };

  /** One page of the name index (a store whose index is not complete yet). */
  const scanStep = async (cutoff: number): Promise<number> => {
    const due: Marker[] = [];
    const later: Buffer[] = [];
    const buckets = new Map<string, Bucket>();
    let seen = 0;
    for await (const [k, v] of core.backend.meta.range({ ...(cursor ? { gt: cursor } : { gte: Buffer.from([T.NI]) }), lt: Buffer.from([T.NI + 1]), limit: STEP })) {
      seen++;
      cursor = Buffer.from(k);
      if (Buffer.from(v.buffer, v.byteOffset, v.byteLength).indexOf(QUIET) < 0) continue;
      const r = decodeVersionRecord(v);
      if (!r.quiet || r.hidden) continue;
      if (uvidMs(fromHex(r.uvid)) > cutoff) {
        later.push(cursor);
        continue;
      }
      const bid = Buffer.from(k.subarray(1, 17)).toString('hex');
      let b = buckets.get(bid);
      if (!b) {
        b = await bucketOf(Buffer.from(k.subarray(1, 17)));
        if (!b) continue;
        buckets.set(bid, b);
      }
      due.push({ bucket: b, key: decodeObjectKey(k, 17).key, uvid: uvidOfNiKey(k) });
    }
    const over = seen < STEP;
    if (due.length > 0 || later.length > 0 || over) {
      await storage(core.backend.meta.transaction((tx) => {
        for (const m of due) purgeTx(tx, m);
        // Still there: a write that purged it meanwhile found no index row to drop.
        for (const k of later) if (tx.get(k) !== undefined) tx.put(quietKeyOfNiKey(k), NO_VALUE);
        if (over) markDerivedIndexBuilt(tx, 'quiet', core.epoch, core.now());
      }));
    }
    return seen;
  };

  /** Purge one marker if it is still a quiet, visible entry; whether it was there. */
  const purgeTx = (tx: MetaTx, m: Marker): boolean => {
    const b = core.bucketInTx(tx, m.bucket);
    const enc = encodeObjectKey(m.key);
    const entries = keyEntries(tx, b.id, enc);
    const i = entries.findIndex((e) => e.uvid.equals(m.uvid) && e.rec.quiet && !e.rec.hidden);
    if (i < 0) return false;
    const fx = newEffects();
    purgeEntry(core, tx, b, m.key, entries, i, snapshotCutoffs(core, tx, b.id), fx);
    refreshCur(tx, b, enc, fx);
    applyEffects(tx, b.id, fx);
    return true;
  };

  return {
    name: 'tombstone-purge',
    async step() {
      if (cursor === undefined) {
        if (core.now() < nextPassAt) return 'idle';
        indexed = await storage(derivedIndexReady(core.backend.meta, 'quiet'));
      }
      const cutoff = core.now() - core.o.tombstoneRetentionMs;
      let seen: number;
      try {
        seen = indexed ? await indexStep(cutoff) : await scanStep(cutoff);
      } catch (e) {
        // The page's rows were read but not indexed (or purged): the pass starts over, so that a
        // scan pass never records the index complete without them.
        cursor = undefined;
        byId = undefined;
        throw e;
      }
      if (seen < STEP) {
        cursor = undefined;
        byId = undefined;
        nextPassAt = core.now() + Math.min(TOMBSTONE_PASS_EVERY_MS, core.o.tombstoneRetentionMs / 4);
        return 'idle';
      }
      return 'busy';
    },
  };
}

/**
 * Trim feed records (§14): older than the retention and passed by every registered consumer's
 * cursor, or older than the hard cap whatever the cursors say (a consumer that far behind must
 * resync). Records are in seq and time order, so the scan stops at the first record to keep.
 */
export function feedTrimWorker(core: Core): Worker {
  return {
    name: 'feed-trim',
    async step() {
      const now = core.now();
      const cutoffUs = (now - core.o.feedRetentionMs) * 1000;
      const capUs = (now - core.o.feedMaxRetentionMs) * 1000;
      const floor = await storage(minCursor(core.backend.meta));
      const old: Buffer[] = [];
      for await (const [k, v] of core.backend.meta.range({ gte: Buffer.from([T.FEED]), lt: Buffer.from([T.FEED + 1]), limit: STEP })) {
        const r = decodeFeedRecord(v);
        const passed = floor === undefined || BigInt(r.seq) < floor;
        if (r.at >= cutoffUs || (!passed && r.at >= capUs)) break;
        old.push(Buffer.from(k));
      }
      // Keep the newest record: it carries the restart floor of the UVID clock (§6).
      if (old.length === 0) return 'idle';
      await storage(core.backend.meta.transaction((tx) => {
        let last: Uint8Array | undefined;
        for (const [k] of tx.range({ gte: Buffer.from([T.FEED]), lt: Buffer.from([T.FEED + 1]), reverse: true, limit: 1 })) last = k;
        for (const k of old) if (!last || !k.equals(last)) tx.del(k);
      }));
      return old.length === STEP ? 'busy' : 'idle';
    },
  };
}


/** Pause between two passes over the completed-upload answers (they live COMPLETED_UPLOAD_TTL_MS). */
const COMPLETED_PASS_EVERY_MS = 15 * 60_000;

/**
 * Delete the answers of uploads completed more than COMPLETED_UPLOAD_TTL_MS ago (a retried Complete
 * is NoSuchUpload from then on), a page per step; a pass at most every 15 minutes. Answers of
 * deleted buckets go the same way.
 *
 * A pass reads, per bucket, only the answers that can be due. An upload id starts with the µs time
 * of its creation (formats.md "Upload ids"), before its completion, so an id stamped at the cut-off
 * or later is not due: the pass jumps from the first such row of a bucket to the ids above every
 * stamp issued so far (uploadIdTsCeiling), which only ids of older builds (16 random bytes) reach,
 * and reads those. Before, every pass read all the answers of the last 6 hours (24 passes per
 * answer). A random id that falls in the window is read once the cut-off passes it, and an id
 * stamped ahead of its completion (a clock set back) once the cut-off passes its stamp: a late
 * deletion only, as completedUpload checks the age itself.
 */
export function completedUploadsWorker(core: Core): Worker {
  // The next row to read (inclusive), within a pass.
  let from: Buffer | undefined;
  let nextPassAt = -Infinity;
  const lo = Buffer.from([T.UPLOAD_DONE]);
  const hi = Buffer.from([T.UPLOAD_DONE + 1]);
  /** Key length of an answer: the table's tag, bucket id, upload id. */
  const KEY_LEN = 1 + 16 + 16;
  return {
    name: 'completed-uploads',
    async step() {
      if (from === undefined && core.now() < nextPassAt) return 'idle';
      const cutoff = core.now() - COMPLETED_UPLOAD_TTL_MS;
      const cutoffTs = BigInt(Math.floor(cutoff)) * 1000n;
      const ceiling = uploadIdTsCeiling(core);
      const old: Buffer[] = [];
      let seen = 0;
      let over = false;
      pages: while (seen < STEP) {
        const limit = STEP - seen;
        let n = 0;
        for await (const [k, v] of core.backend.meta.range({ gte: from ?? lo, lt: hi, limit })) {
          n++;
          seen++;
          const key = Buffer.from(k);
          const ts = key.length === KEY_LEN ? key.readBigUInt64BE(17) : 0n;
          if (ts >= cutoffTs && ts < ceiling) {
            // Not due, nor any id of this bucket up to the ceiling.
            from = Buffer.alloc(KEY_LEN);
            key.copy(from, 0, 0, 17);
            from.writeBigUInt64BE(ceiling, 17);
            continue pages;
          }
          from = Buffer.concat([key, Buffer.from([0])]);
          if (decodeCompletedUploadRecord(v).completedAt < cutoff) old.push(key);
        }
        // Fewer rows than asked for: the table is done.
        over = n < limit;
        break;
      }
      if (over) {
        from = undefined;
        nextPassAt = core.now() + COMPLETED_PASS_EVERY_MS;
      }
      if (old.length) await storage(core.backend.meta.transaction((tx) => {
        for (const k of old) tx.del(k);
      }));
      return over ? 'idle' : 'busy';
    },
  };
}
