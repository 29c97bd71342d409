/**
 * The lifecycle worker (shared/spec/ccow.md §17 "lifecycle"; s3-surface.md §3
 * PutBucketLifecycleConfiguration): applies each bucket's stored `LifecycleConfig` the way the
 * Amazon S3 User Guide describes it ("Expiring objects", "Lifecycle configuration elements",
 * "Managing delete markers"):
 *
 * - `Expiration` Days/Date acts on current versions only, exactly like a DeleteObject without a
 *   version id: unversioned buckets lose the object, Enabled buckets get a delete marker, Suspended
 *   buckets a null delete marker that replaces the null version.
 * - A current delete marker with no other version (an "expired object delete marker") is removed
 *   when a rule says `ExpiredObjectDeleteMarker`, or, with Days/Date, once it is old enough
 *   ("When you specify the Days tag, Amazon S3 automatically performs ExpiredObjectDeleteMarker
 *   cleanup when the delete markers are old enough to satisfy the age criteria").
 * - `NoncurrentVersionExpiration` permanently deletes a noncurrent version NoncurrentDays after it
 *   became noncurrent (when its successor was written), keeping the NewerNoncurrentVersions
 *   newest noncurrent versions whatever their age.
 * - `AbortIncompleteMultipartUpload` aborts uploads DaysAfterInitiation after they began.
 *
 * Days count as S3 counts them: the days are added to the start time and the result is rounded
 * up to the next midnight UTC. Filters: all conditions must hold; a delete marker has no tags and
 * no size, so it matches only rules whose filter is at most a prefix. Matching and due dates live
 * in lifecycle-rules.ts, shared with the S3 `x-amz-expiration` header. Snapshots still win: a purge
 * of a pinned version only hides it (ccow.md §10, `purgeEntry`).
 *
 * A pass walks the name index (of a never-versioned bucket: its `cur` heads, `headsStep`) of every
 * bucket with an enabled rule, one page per step; a key with something due gets a transaction of
 * its own that decides again from what it reads (a concurrent write is never undone); then the
 * bucket's uploads. Passes start at most once an hour (§17), the
 * first one at start.
 */
import { fromHex, prefixEnd } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { LifecycleRule, Worker } from './api.js';
import { applyEffects, commitTx, keyEntries, newEffects, purgeEntry, refreshCur, snapshotCutoffs, type KeyEntry } from './commit.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { decodeBucketRecord, decodeUploadRecord, decodeVersionRecord, decodeVersionValue } from './format/records.js';
import { bucketPrefix, decodeObjectKey, encodeObjectKey, ID16, niKey, prefixRange, T, uvidOfNiKey } from './keys.js';
import { abortDue, currentExpiry, enabledRules, expirationDueAt, lifecycleDueAt, ruleMatches as matches } from './lifecycle-rules.js';
import { abortUpload } from './multipart.js';
import { storage } from './storage-errors.js';
import { uvidMs, type Uvid } from './uvid.js';

/** Rows of the name index (or uploads) read per step. */
const STEP = 256;
/** Pause between the starts of two passes (ccow.md §17: lifecycle, 1 h). */
export const LIFECYCLE_PASS_EVERY_MS = 3_600_000;

export { enabledRules, lifecycleDueAt };

/** Has the Days/Date expiration of `rule` come for something written at `writtenMs`? */
function expirationDue(rule: LifecycleRule, writtenMs: number, now: number): boolean {
  const at = expirationDueAt(rule, writtenMs);
  return at !== undefined && now >= at;
}

/**
 * Has the Expiration of the current version `head` come? The same evaluation as the S3 layer's
 * `x-amz-expiration` header (lifecycle-rules.ts `currentExpiry`): the date shown is the date acted on.
 */
function currentDue(rules: readonly LifecycleRule[], key: string, head: KeyEntry, now: number): boolean {
  const x = currentExpiry(rules, key, head.rec, uvidMs(head.uvid));
  return x !== undefined && now >= x.at;
}

/** Visible entries (what listings show), each with the entry just newer than it in the full list. */
function visible(entries: readonly KeyEntry[]): { e: KeyEntry; newer?: KeyEntry }[] {
  const out: { e: KeyEntry; newer?: KeyEntry }[] = [];
  entries.forEach((e, i) => {
    if (e.rec.hidden) return;
    const item: { e: KeyEntry; newer?: KeyEntry } = { e };
    if (i > 0) item.newer = entries[i - 1]!;
    out.push(item);
  });
  return out;
}

const asVersion = (e: KeyEntry): { size: number; tags?: Record<string, string> } | undefined => (e.rec.deleted ? undefined : e.rec);

/**
 * Does a rule expire noncurrent entry `vis[j]` (j ≥ 1) now? It became noncurrent when the entry
 * just newer than it was written; `j - 1` newer noncurrent versions are kept ahead of it. Neither
 * depends on older entries, so purging oldest first never changes the answer for the newer ones.
 */
function noncurrentDue(rules: readonly LifecycleRule[], key: string, vis: readonly { e: KeyEntry; newer?: KeyEntry }[], j: number, now: number): boolean {
  const { e, newer } = vis[j]!;
  if (e.rec.quiet) return false;
  const since = uvidMs(newer!.uvid);
  const rank = j - 1; // 0 = the newest noncurrent version
  return rules.some((r) => {
    const n = r.noncurrentVersionExpiration;
    return !!n && matches(r, key, asVersion(e)) && rank >= (n.newerNoncurrentVersions ?? 0) && now >= lifecycleDueAt(since, n.noncurrentDays ?? 0);
  });
}

/** Is any action due for this key's entries (newest first)? Decides without writing. */
export function lifecycleDue(rules: readonly LifecycleRule[], key: string, entries: readonly KeyEntry[], now: number): boolean {
  const vis = visible(entries);
  const head = vis[0]?.e;
  if (head && !head.rec.deleted && currentDue(rules, key, head, now)) return true;
  for (let j = 1; j < vis.length; j++) if (noncurrentDue(rules, key, vis, j, now)) return true;
  const only = vis.length === 1 ? vis[0]!.e : undefined;
  return !!only && only.rec.deleted && !only.rec.quiet
    && rules.some((r) => matches(r, key, undefined) && (r.expiration?.expiredObjectDeleteMarker === true || expirationDue(r, uvidMs(only.uvid), now)));
}

/**
 * Apply `rules` to one key inside a transaction; returns how many versions it expired or removed.
 * Everything is decided from the entries read in this transaction.
 */
export function applyLifecycleTx(core: Core, tx: MetaTx, bucket: Bucket, key: string, rules: readonly LifecycleRule[]): number {
  const b = core.bucketInTx(tx, bucket);
  const enc = encodeObjectKey(key);
  const now = core.now();
  let acted = 0;
  // 1. Current version: expire it as a DeleteObject would.
  const head = visible(keyEntries(tx, b.id, enc))[0]?.e;
  if (head && !head.rec.deleted && currentDue(rules, key, head, now)) {
    commitTx(core, tx, { bucket: b, key, skipIfAbsent: b.rec.versioning === 'Unversioned' });
    acted++;
  }
  // 2. Noncurrent versions, oldest first, decided from one read of the key (a pinned one only
  // hides): re-reading after each purge cost n²/2 rows for n due versions in one write transaction.
  const fx = newEffects();
  const cutoffs = snapshotCutoffs(core, tx, b.id);
  const all = keyEntries(tx, b.id, enc);
  const before = visible(all);
  for (let j = before.length - 1; j >= 1; j--) {
    if (!noncurrentDue(rules, key, before, j, now)) continue;
    // Oldest first: the entries newer than this one are as read (the pinning rule reads them).
    purgeEntry(core, tx, b, key, all, all.indexOf(before[j]!.e), cutoffs, fx);
    acted++;
  }
  // 3. An expired object delete marker: the only version left is a (non-quiet) marker.
  const entries = keyEntries(tx, b.id, enc);
  const vis = visible(entries);
  const only = vis.length === 1 ? vis[0]! : undefined;
  if (only && only.e.rec.deleted && !only.e.rec.quiet) {
    const written = uvidMs(only.e.uvid);
    const remove = rules.some((r) => matches(r, key, undefined) && (r.expiration?.expiredObjectDeleteMarker === true || expirationDue(r, written, now)));
    if (remove) {
      purgeEntry(core, tx, b, key, entries, entries.indexOf(only.e), cutoffs, fx);
      acted++;
    }
  }
  if (acted > 0) {
    refreshCur(tx, b, enc, fx);
    applyEffects(tx, b.id, fx);
  }
  return acted;
}

/** Where a pass is. */
interface PassState {
  buckets: Bucket[];
  phase: 'keys' | 'uploads';
  /** The table the keys phase walks in this bucket (`heads`: its `cur` rows), chosen at its start. */
  walk?: 'heads' | 'versions';
  cursor?: Buffer;
  /** The key whose entries ran past the end of the last page: decided on the page where it ends. */
  pending?: string;
}

/** The worker; see the module comment. */
export function lifecycleWorker(core: Core): Worker {
  let pass: PassState | undefined;
  let nextPassAt = -Infinity;
  return {
    name: 'lifecycle',
    async step() {
      if (!pass) {
        if (core.now() < nextPassAt) return 'idle';
        nextPassAt = core.now() + LIFECYCLE_PASS_EVERY_MS;
        const buckets = await bucketsWithRules(core);
        if (buckets.length === 0) return 'idle';
        pass = { buckets, phase: 'keys' };
      }
      const b = pass.buckets[0]!;
      let done: boolean;
      try {
        done = pass.phase === 'keys' ? await keysStep(core, b, pass) : await uploadsStep(core, b, pass);
      } catch (e) {
        // A bucket deleted during the pass has nothing left to expire.
        if (!EngineErrors.NO_SUCH_BUCKET.is(e)) throw e;
        done = true;
        pass.phase = 'uploads';
      }
      if (done) {
        pass.cursor = undefined;
        pass.pending = undefined;
        pass.walk = undefined;
        if (pass.phase === 'keys') pass.phase = 'uploads';
        else {
          pass.buckets.shift();
          pass.phase = 'keys';
          if (pass.buckets.length === 0) pass = undefined;
        }
      }
      return 'busy';
    },
  };
}

/** Buckets with at least one enabled rule, read afresh for each pass. */
async function bucketsWithRules(core: Core): Promise<Bucket[]> {
  const out: Bucket[] = [];
  for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.BUCKET])))) {
    const rec = decodeBucketRecord(v);
    if (enabledRules(rec.configs).length === 0) continue;
    const b = await core.findBucket(rec.name);
    if (b) out.push(b);
  }
  return out;
}

/**
 * Visit the next page (STEP rows) of the table under `lo` after the pass's cursor, moving the
 * cursor; the number of rows read (fewer than STEP: the table is done).
 */
async function nextPage(core: Core, lo: Buffer, pass: PassState, visit: (k: Uint8Array, v: Uint8Array) => void): Promise<number> {
  let seen = 0;
  for await (const [k, v] of core.backend.meta.range({ ...(pass.cursor ? { gt: pass.cursor } : { gte: lo }), lt: prefixEnd(lo)!, limit: STEP })) {
    seen++;
    pass.cursor = Buffer.from(k);
    visit(k, v);
  }
  return seen;
}

/** One page of a bucket's keys; true when the bucket's keys are done. */
async function keysStep(core: Core, b: Bucket, pass: PassState): Promise<boolean> {
  const cur = await core.findBucket(b.rec.name);
  if (!cur || !cur.id.equals(b.id)) return true;
  const rules = enabledRules(cur.rec.configs);
  // Kept for the whole bucket: the cursor is a key of the table it walks (a bucket versioned
  // since is walked by its name index at the next pass; nothing of it can be due before then).
  pass.walk ??= cur.rec.versioning === 'Unversioned' ? 'heads' : 'versions';
  if (pass.walk === 'heads') return headsStep(core, cur, rules, pass);
  const lo = bucketPrefix(T.NI, b.id);
  // Decide from the page itself and open a transaction only for keys with something due: a pass
  // over a large bucket with nothing to do must not cost a durable commit per key.
  const keys: { key: string; entries: KeyEntry[] }[] = [];
  const seen = await nextPage(core, lo, pass, (k, v) => {
    const key = decodeObjectKey(k, lo.length).key;
    if (keys.at(-1)?.key !== key) keys.push({ key, entries: [] });
    keys.at(-1)!.entries.push({ k: pass.cursor!, uvid: uvidOfNiKey(k), rec: decodeVersionValue(v).rec });
  });
  const now = core.now();
  const full = seen === STEP;
  const apply = (key: string): Promise<number> => storage(core.backend.meta.transaction((tx) => applyLifecycleTx(core, tx, cur, key, rules)));
  // A key whose entries span pages is decided once, on the page where it ends, by a transaction
  // that reads all of them (once per page, a key with many versions cost O(versions²/page)).
  const pending = pass.pending;
  pass.pending = undefined;
  if (pending !== undefined && keys[0]?.key !== pending) await apply(pending); // it ended at the page edge
  for (const [i, { key, entries }] of keys.entries()) {
    if (full && i === keys.length - 1) {
      pass.pending = key; // may go on past this page
      break;
    }
    const partial = i === 0 && key === pending;
    if (!partial && !lifecycleDue(rules, key, entries, now)) continue;
    await apply(key);
  }
  return seen < STEP;
}

/**
 * One page of a never-versioned bucket's current heads (`cur`); true when done. There a key's only
 * visible entry is its newest (a write purges the previous null version, §7.3) and a delete marker
 * is quiet (no lifecycle action removes it; the tombstone worker does): what can be due is the
 * Expiration of a live head, which its `cur` row (the head's record) decides. The name index holds
 * the same records with their embedded VMs, inline data included: walking it read ~2.2 KB a key
 * on a scratch store of small objects where the `cur` row is ~320 B (50,000 keys: 110 MB an hour).
 */
async function headsStep(core: Core, b: Bucket, rules: readonly LifecycleRule[], pass: PassState): Promise<boolean> {
  const lo = bucketPrefix(T.CUR, b.id);
  const now = core.now();
  const due: string[] = [];
  const seen = await nextPage(core, lo, pass, (k, v) => {
    const rec = decodeVersionRecord(v);
    const uvid = fromHex(rec.uvid) as unknown as Uvid;
    const key = decodeObjectKey(k, lo.length).key;
    if (lifecycleDue(rules, key, [{ k: niKey(b.id, k.subarray(1 + ID16), uvid), uvid, rec }], now)) due.push(key);
  });
  // Decided again in each key's transaction, from all its entries.
  for (const key of due) await storage(core.backend.meta.transaction((tx) => applyLifecycleTx(core, tx, b, key, rules)));
  return seen < STEP;
}

/** One page of a bucket's multipart uploads; true when done. */
async function uploadsStep(core: Core, b: Bucket, pass: PassState): Promise<boolean> {
  const cur = await core.findBucket(b.rec.name);
  if (!cur || !cur.id.equals(b.id)) return true;
  const rules = enabledRules(cur.rec.configs).filter((r) => r.abortIncompleteMultipartUpload);
  if (rules.length === 0) return true;
  const lo = bucketPrefix(T.UPLOAD, b.id);
  const now = core.now();
  const due: string[] = [];
  const seen = await nextPage(core, lo, pass, (_k, v) => {
    const up = decodeUploadRecord(v);
    // The date CreateMultipartUpload and ListParts announce (x-amz-abort-date).
    const abort = abortDue(rules, up.key, up.initiated);
    if (abort && now >= abort.at) due.push(up.uploadId);
  });
  for (const id of due) {
    try {
      await abortUpload(core, b.rec.name, id);
    } catch (e) {
      // Completed or aborted by a client meanwhile.
      if (!EngineErrors.NO_SUCH_UPLOAD.is(e)) throw e;
    }
  }
  return seen < STEP;
}
