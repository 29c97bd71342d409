/**
 * The commit (shared/spec/ccow.md §7.4) and version purges (§7.3, §10 pinning). Everything here runs
 * inside one MetaStore transaction: read the head, check the condition, assign the UVID, store the VM
 * if new with its `vm:` references, insert the name-index entry, update `cur`, add the `ver:`
 * reference, apply retention purges, drop the writer's intent, append the feed, bump the counters.
 */
import { compareBytes, toHex, type ChunkId } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { CommitCondition } from './api.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { appendFeed } from './feed.js';
import { ChunkKind, ChunkLoc, decodeSnapshotRecord, decodeVersionValue, embedVm, encodeVersionRecord, encodeVersionValue, type FeedRecordBody, type VersionRecord } from './format/records.js';
import type { VmMeta } from './format/vm.js';
import { blobKey, bucketPrefix, curKey, intentKey, encodeObjectKey, niKey, niKeyPrefix, NO_VALUE, prefixRange, quietKeyOfNiKey, Referrer, referrer, T, uvidOfNiKey } from './keys.js';
import { addRef, bumpCounters, createChunkRow, dropIntent, dropIntentBatch, dropRef } from './refs.js';
import { uvidTs, type Uvid } from './uvid.js';
import { fromHex } from '../common/index.js';

/** One name-index entry of a key, as read inside a transaction. */
export interface KeyEntry {
  k: Buffer;
  uvid: Uvid;
  rec: VersionRecord;
  /** Embedded VM bytes (`ni2`), which a rewrite of the entry must keep. */
  vm?: Buffer;
}

/** The entry of name-index row `k` → `v` (the key copied: a range lends its bytes). */
function keyEntry(k: Uint8Array, v: Uint8Array): KeyEntry {
  const { rec, vm } = decodeVersionValue(v);
  const key = Buffer.from(k);
  const e: KeyEntry = { k: key, uvid: uvidOfNiKey(key), rec };
  if (vm) e.vm = vm;
  return e;
}

/** Entries of one key, newest first; stops after the first entry `stop` accepts (inclusive). */
export function keyEntries(tx: MetaTx, bucketId: Uint8Array, encKey: Uint8Array, stop?: (e: KeyEntry) => boolean): KeyEntry[] {
  const out: KeyEntry[] = [];
  for (const [k, v] of tx.range(prefixRange(niKeyPrefix(bucketId, encKey)))) {
    const e = keyEntry(k, v);
    out.push(e);
    if (stop?.(e)) break;
  }
  return out;
}

/** The visible head: the first entry not hidden by a snapshot-pinned purge. */
export function visibleHead(entries: readonly KeyEntry[]): KeyEntry | undefined {
  return entries.find((e) => !e.rec.hidden);
}

/**
 * The key's entries from its newest through its visible head (the hidden ones a snapshot keeps
 * above it, usually none): what a write needs to know of the key, without reading its history.
 */
export function headEntries(tx: MetaTx, bucketId: Uint8Array, encKey: Uint8Array): KeyEntry[] {
  return keyEntries(tx, bucketId, encKey, (e) => !e.rec.hidden);
}

/** The key's entry with this UVID (hidden or not), read by its own name-index key. */
export function entryAt(tx: MetaTx, bucketId: Uint8Array, encKey: Uint8Array, uvid: Uint8Array): KeyEntry | undefined {
  const k = niKey(bucketId, encKey, uvid);
  const v = tx.get(k);
  return v === undefined ? undefined : keyEntry(k, v);
}

/**
 * What purgeEntry needs to purge `e`, ending with `e`: before it, newest first, the key's entries
 * newer than `e` with a UVID at or below the newest snapshot cut-off — the only ones the pinning
 * rule (isPinned) looks at. With no snapshot taken after `e`, that is `e` alone: purging a version
 * deep in a long history then costs no scan of the versions above it (a DeleteObject by version id
 * read all of the key's entries, so deleting a key's n versions one by one read ~n²/2 rows).
 */
export function purgeWindow(tx: MetaTx, bucketId: Uint8Array, encKey: Uint8Array, e: KeyEntry, cutoffs: readonly Buffer[]): KeyEntry[] {
  let top: Buffer | undefined;
  for (const t of cutoffs) if (compareBytes(t, e.uvid) >= 0 && (!top || compareBytes(t, top) > 0)) top = t;
  const entries: KeyEntry[] = [];
  if (top) {
    // Name-index keys hold ~uvid: the entries with UVID in (e, top] lie in [niKey(top), e.k).
    for (const [k, v] of tx.range({ gte: niKey(bucketId, encKey, top), lt: e.k })) entries.push(keyEntry(k, v));
  }
  entries.push(e);
  return entries;
}

/** A VM the commit points at: new bytes to store if absent, or an existing VM (`bytes` undefined). */
export interface CommitVm {
  id: ChunkId;
  bytes?: Buffer;
  meta: VmMeta;
  /** Ids in the VM's root ref list (its `vm:` references). */
  children: ChunkId[];
}

/** What to commit. */
export interface CommitSpec {
  bucket: Bucket;
  key: string;
  /** Absent: a delete marker. */
  vm?: CommitVm;
  storageClass?: string;
  tags?: Record<string, string>;
  acl?: unknown;
  condition?: CommitCondition;
  /** The writer's intent, dropped in the same transaction (§7.4 step 5). */
  intentId?: Buffer;
  /**
   * Drop at most this many of the intent's members here; the rest is the writer's (a Complete hands
   * it to the Abort's background drain, multipart.ts endUpload; the record stays until the last).
   * Once the version is in, its VM and CMs hold every chunk it uses, so the intent's holds may go
   * later; dropping all of them here held every write of the store for the whole intent.
   */
  intentBatch?: number;
  /**
   * Hex ids of every chunk and CM in `vm`'s tree (tree.ts treeIds), whose CMs the writer has
   * stored: the intent's holds on them are dropped without a read (refs.ts dropIntent).
   */
  treeIds?: ReadonlySet<string>;
  /** A blob that must still exist (REPLACE copies: the source VM keeps the shared chunks alive). */
  requireBlob?: Uint8Array;
  /** Delete markers only: write nothing when there is no current object (never-versioned buckets). */
  skipIfAbsent?: boolean;
  /** More writes in the same transaction (multipart: drop the upload's records). */
  extra?: (tx: MetaTx) => void;
}

/** Per-transaction side effects collected while purging. */
export interface TxEffects {
  feed: Omit<FeedRecordBody, 'seq'>[];
  logical: number;
  objects: number;
  physical: number;
}

export function newEffects(): TxEffects {
  return { feed: [], logical: 0, objects: 0, physical: 0 };
}

/** Flush collected effects: counters and feed records. */
export function applyEffects(tx: MetaTx, bucketId: Buffer, fx: TxEffects): void {
  if (fx.logical || fx.objects || fx.physical) bumpCounters(tx, bucketId, { logicalBytes: fx.logical, objects: fx.objects, physicalBytes: fx.physical });
  if (fx.feed.length) appendFeed(tx, fx.feed);
}

/**
 * The details S3 gives a failed write condition: `<Condition>` names the header (LocalStack's
 * AWS-validated test_s3_api.py TestS3ObjectWritePrecondition: If-None-Match / If-Match).
 */
export const FAILED_IF_NONE_MATCH = { details: { Condition: 'If-None-Match' } } as const;
export const FAILED_IF_MATCH = { details: { Condition: 'If-Match' } } as const;

/** Evaluate a commit condition against the current object (§7.4 step 1). */
export function checkCondition(cond: CommitCondition | undefined, current: VersionRecord | undefined): void {
  if (!cond) return;
  if (cond.ifNoneMatch === '*' && current) throw EngineErrors.PRECONDITION('an object exists at this key', FAILED_IF_NONE_MATCH);
  if (cond.ifMatch !== undefined) {
    if (!current) throw EngineErrors.NO_SUCH_KEY('no current object to match');
    if (cond.ifMatch.trim() !== '*' && unquote(cond.ifMatch) !== unquote(current.etag)) throw EngineErrors.PRECONDITION('ETag does not match', FAILED_IF_MATCH);
  }
}

export function unquote(etag: string): string {
  const t = etag.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** Store a VM blob if absent (§7.4 step 3) with its chunk row and `vm:` references. */
export function storeVmTx(core: Core, tx: MetaTx, bucketId: Buffer, vm: CommitVm, fx: TxEffects, now: number): void {
  const bk = blobKey(vm.id);
  // A blob under this id is this VM (payloads have no blob; a CM's bytes begin with another tag).
  if (tx.get(bk) !== undefined) return;
  if (!vm.bytes) throw EngineErrors.NO_SUCH_KEY('the source version disappeared');
  tx.put(bk, vm.bytes);
  // A payload row under the VM's id (an old store's, issue-3-manifest-onto-old-payload) fails the
  // transaction, which takes the blob put back with it.
  const created = createChunkRow(tx, vm.id, ChunkKind.VM, ChunkLoc.BLOB, vm.bytes.length, bucketId, now);
  if (created instanceof Error) throw created;
  if (created) fx.physical += vm.bytes.length;
  const ref = referrer(Referrer.VM, vm.id);
  for (const c of vm.children) addRef(tx, c, ref);
}

/** `ver:` referrer of a version. */
export function verReferrer(bucketId: Uint8Array, uvid: Uint8Array): Buffer {
  return referrer(Referrer.VER, bucketId, uvid);
}

/**
 * UVID cut-offs of the bucket's snapshots as of `tx`: read once, then kept by the core until a
 * snapshot of the bucket is created or deleted (core.ts `cutoffs`, `forgetCutoffs`).
 */
export function snapshotCutoffs(core: Core, tx: MetaTx, bucketId: Uint8Array): readonly Buffer[] {
  const id = toHex(bucketId);
  const hit = core.cutoffs.get(id);
  if (hit) return hit;
  const out: Buffer[] = [];
  for (const [, v] of tx.range(prefixRange(bucketPrefix(T.BSNAP, bucketId)))) out.push(fromHex(decodeSnapshotRecord(v).uvid));
  core.cutoffs.set(id, out);
  return out;
}

/** Drop the cached cut-offs of a bucket: call inside the transaction that changes its snapshot rows, and after it settled. */
export function forgetCutoffs(core: Core, bucketId: Uint8Array): void {
  core.cutoffs.delete(toHex(bucketId));
}

/**
 * Whether the view of a bucket snapshot taken at `t` sees `rec` (§10): every entry but one hidden at
 * or before `t` — a purge hides a pinned entry for the snapshots that existed then, and a snapshot
 * taken after the purge must not show what was already gone (nor let it mask an older version).
 */
export function seenAt(rec: VersionRecord, t: Uint8Array): boolean {
  return !rec.hidden || rec.hiddenAt === undefined || compareBytes(fromHex(rec.hiddenAt), t) > 0;
}

/** An entry as the pinning rule needs it. */
interface Pinnable {
  uvid: Uint8Array;
  rec: VersionRecord;
}

/**
 * Pinned (§10): the entry is what some snapshot T's view shows for its key: `uvid` ≤ T, seen at T,
 * and none of the key's newer entries with UVID ≤ T seen at T. `newer`: the key's newer entries,
 * newest first (the first `count` of the list); those with UVID ≤ T are the ones just before the
 * entry, so each cut-off usually looks at one or two.
 */
export function isPinned(e: Pinnable, newer: readonly Pinnable[], cutoffs: readonly Buffer[], count = newer.length): boolean {
  return cutoffs.some((t) => {
    if (compareBytes(e.uvid, t) > 0 || !seenAt(e.rec, t)) return false;
    for (let j = count - 1; j >= 0 && compareBytes(newer[j]!.uvid, t) <= 0; j--) if (seenAt(newer[j]!.rec, t)) return false;
    return true;
  });
}

/**
 * Purge `entries[i]` (§7.3; `entries`: all of the key's entries, hidden ones included, newest first,
 * as keyEntries reads them): remove it and its `ver:` reference, or, when a snapshot pins it, only
 * hide it. Returns true when the entry was removed.
 */
export function purgeEntry(core: Core, tx: MetaTx, b: Bucket, key: string, entries: readonly KeyEntry[], i: number, cutoffs: readonly Buffer[], fx: TxEffects): boolean {
  const e = entries[i]!;
  const now = core.now();
  const pinned = isPinned(e, entries, cutoffs, i);
  // Purged or hidden, a quiet marker is no longer the tombstone purge's (derived index `Q`).
  if (e.rec.quiet) tx.del(quietKeyOfNiKey(e.k));
  // Issued inside the transaction, as a snapshot's cut-off is: every snapshot that exists now has
  // a smaller UVID (it still sees the entry), every later one a larger (it does not). Its ts is the
  // record's event time, so the restart floor (feedFloorTs, §6) stays above it.
  const hiddenAt = pinned && !e.rec.hidden ? core.uvids.next() : undefined;
  const at = hiddenAt ? Number(uvidTs(hiddenAt)) : Math.floor(now * 1000);
  fx.feed.push({ op: 'purge', tenant: b.rec.owner, bucket: b.rec.name, key, uvid: e.rec.uvid, vmId: e.rec.vmId, generation: e.rec.generation, deleted: e.rec.deleted, originSegment: e.rec.originSegment, viaIsgw: false, at });
  if (pinned) {
    if (hiddenAt) tx.put(e.k, encodeVersionValue({ ...e.rec, hidden: true, hiddenAt: toHex(hiddenAt) }, e.vm));
    return false;
  }
  tx.del(e.k);
  if (e.rec.vmEmbedded) fx.physical -= e.vm?.length ?? 0;
  else if (e.rec.vmId) dropRef(tx, fromHex(e.rec.vmId), verReferrer(b.id, e.uvid), now);
  if (!e.rec.deleted) fx.logical -= e.rec.size;
  return true;
}

/**
 * Re-derive `cur` for one key after its entries changed: the visible head's record when it is not
 * a delete marker. Adjusts the object count.
 */
export function refreshCur(tx: MetaTx, b: Bucket, encKey: Buffer, fx: TxEffects): VersionRecord | undefined {
  const ck = curKey(b.id, encKey);
  const had = tx.get(ck) !== undefined;
  const head = visibleHead(keyEntries(tx, b.id, encKey, (e) => !e.rec.hidden));
  const rec = head && !head.rec.deleted ? head.rec : undefined;
  if (rec) tx.put(ck, encodeVersionRecord(rec));
  else if (had) tx.del(ck);
  fx.objects += (rec ? 1 : 0) - (had ? 1 : 0);
  return rec;
}

/** The commit of one new version or delete marker (§7.4); returns undefined only for `skipIfAbsent`. */
export function commitTx(core: Core, tx: MetaTx, spec: CommitSpec): VersionRecord | undefined {
  const now = core.now();
  const s: CommitSpec = { ...spec, bucket: core.bucketInTx(tx, spec.bucket) };
  const b = s.bucket;
  // A writer whose intent expired (lease ran out, §9) may have lost chunks to GC: it must not commit.
  if (s.intentId && tx.get(intentKey(s.intentId)) === undefined) throw EngineErrors.UNAVAILABLE('write intent expired before the commit');
  const versioning = b.rec.versioning;
  const enc = encodeObjectKey(s.key);
  // Enabled buckets purge nothing, so the visible head is all they need; the others read down to
  // the previous (visible) null version, which is the head itself once a suspended bucket has
  // written the key: reading all entries made every overwrite in a bucket suspended after a long
  // versioned history cost that history.
  const entries = keyEntries(tx, b.id, enc, versioning === 'Enabled' ? (e) => !e.rec.hidden : (e) => !e.rec.hidden && e.rec.isNull);
  const head = visibleHead(entries);
  const current = head && !head.rec.deleted ? head.rec : undefined;
  checkCondition(s.condition, current);
  if (!s.vm && s.skipIfAbsent && !current) return undefined;
  if (s.requireBlob && tx.get(blobKey(s.requireBlob)) === undefined) throw EngineErrors.NO_SUCH_KEY('the source version disappeared');

  // The UVID sorts after every entry of the key, hidden ones included; the new version derives
  // from the visible head (§6 generation, §7.2 baseUvid): an entry a snapshot keeps hidden is purged
  // for everything but that snapshot's view, so it must not change what the live key records (a
  // peer segment, which applied the purge, would see a baseUvid that is not its head: isgw.md §4).
  const newest = entries[0];
  const uvid = core.uvids.next(newest?.uvid);
  const fx = newEffects();
  // A VM without chunk children (inline or empty data) is embedded in its name-index entry: one
  // small-put commit writes no chunk records at all, and the version needs no GC (§3).
  const embedded = s.vm && s.vm.children.length === 0 && s.vm.bytes ? s.vm.bytes : undefined;
  const rec = newRecord(core, s, uvid, head?.rec, embedded !== undefined);
  if (s.vm) {
    if (embedded) {
      fx.physical += embedded.length;
    } else {
      storeVmTx(core, tx, b.id, s.vm, fx, now);
      addRef(tx, s.vm.id, verReferrer(b.id, uvid));
    }
    fx.logical += rec.size;
  }
  const recBytes = encodeVersionRecord(rec);
  const nk = niKey(b.id, enc, uvid);
  tx.put(nk, embedded ? embedVm(recBytes, embedded) : recBytes);
  // Indexed by age for the tombstone purge (housekeeping.ts); purgeEntry drops the row with the marker.
  if (rec.quiet) tx.put(quietKeyOfNiKey(nk), NO_VALUE);
  fx.feed.push({ op: 'version', tenant: b.rec.owner, bucket: b.rec.name, key: s.key, uvid: rec.uvid, vmId: rec.vmId, generation: rec.generation, deleted: rec.deleted, size: rec.size, etag: rec.etag, originSegment: rec.originSegment, viaIsgw: false, at: Number(uvidTs(uvid)) });

  if (rec.isNull) purgePreviousNull(core, tx, b, s.key, entries, fx);
  if (s.intentId) {
    const referenced = s.vm ? s.treeIds : undefined;
    if (s.intentBatch === undefined) dropIntent(tx, s.intentId, now, referenced);
    else dropIntentBatch(tx, s.intentId, now, s.intentBatch, referenced);
  }
  s.extra?.(tx);

  const ck = curKey(b.id, enc);
  if (rec.deleted) tx.del(ck);
  else tx.put(ck, recBytes);
  fx.objects += (rec.deleted ? 0 : 1) - (current ? 1 : 0);
  applyEffects(tx, b.id, fx);
  return rec;
}

/** §7.3: a new null version replaces the previous (visible) null version. */
function purgePreviousNull(core: Core, tx: MetaTx, b: Bucket, key: string, entries: readonly KeyEntry[], fx: TxEffects): void {
  const i = entries.findIndex((e) => e.rec.isNull && !e.rec.hidden);
  if (i < 0) return;
  purgeEntry(core, tx, b, key, entries, i, snapshotCutoffs(core, tx, b.id), fx);
}

/**
 * The record of a new version. Members are added in canonical (code-unit) order, so encoding it
 * (twice per commit: the name-index entry and `cur`) copies nothing.
 */
function newRecord(core: Core, s: CommitSpec, uvid: Uvid, prev: VersionRecord | undefined, embedded: boolean): VersionRecord {
  const versioning = s.bucket.rec.versioning;
  const m = s.vm?.meta;
  const rec = {} as VersionRecord;
  if (s.acl !== undefined) rec.acl = s.acl;
  if (prev) rec.baseUvid = prev.uvid;
  if (m?.checksum) {
    rec.checksumAlgorithm = m.checksum.algorithm;
    rec.checksumType = m.checksum.type;
  }
  if (m?.contentType !== undefined) rec.contentType = m.contentType;
  rec.createdAt = prev?.createdAt ?? Number(uvidTs(uvid));
  rec.deleted = !s.vm;
  rec.etag = m?.etag ?? '';
  rec.generation = (prev?.generation ?? 0) + 1;
  rec.isNull = versioning !== 'Enabled';
  rec.originSegment = prev?.originSegment ?? core.segmentId;
  if (!s.vm && versioning === 'Unversioned') rec.quiet = true;
  rec.size = m?.size ?? 0;
  rec.storageClass = s.storageClass ?? 'STANDARD';
  if (s.tags && Object.keys(s.tags).length) rec.tags = s.tags;
  rec.uvid = toHex(uvid);
  if (embedded) rec.vmEmbedded = true;
  if (s.vm) rec.vmId = toHex(s.vm.id);
  return rec;
}
