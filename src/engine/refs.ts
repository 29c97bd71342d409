/**
 * Back-references, the GC queue and intents as MetaTx operations (shared/spec/ccow.md §9). Every
 * helper runs inside the caller's transaction, so a reference changes atomically with the manifest or
 * index change that adds or drops it. References are set elements: adding or dropping twice is harmless.
 */
import { toHex } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import { EngineErrors } from './errors.js';
import { decodeChunkRow, decodeCounters, encodeChunkRow, encodeCounters, encodeGcQueueValue, type ChunkKind, type ChunkLoc, type Counters } from './format/records.js';
import { chunkKey, countersKey, gcqKey, idOfMemberKey, intentKey, memberKey, memberPrefix, prefixRange, refKey, refPrefix, Referrer, referrer } from './keys.js';

const EMPTY = Buffer.alloc(0);

/** Add back-reference `ref` on chunk `id`. */
export function addRef(tx: MetaTx, id: Uint8Array, ref: Uint8Array): void {
  tx.put(refKey(id, ref), EMPTY);
}

/** True when chunk `id` holds at least one back-reference. */
export function hasRefs(tx: MetaTx, id: Uint8Array): boolean {
  for (const _ of tx.range({ ...prefixRange(refPrefix(id)), limit: 1 })) return true;
  return false;
}

/**
 * Drop back-reference `ref` on `id`; when it was the last one, stamp `unreferencedAt` and queue the
 * chunk for GC (§9 candidates queue). GC's own cascade passes `stamp = false`: a child whose last
 * parent GC deleted (a parent already past its hold) gets no new hold, so a VM → CM → payload
 * cascade completes in one hold rather than one per level. Locally that is safe because nothing can
 * reference the child again except through a claim, which stamps `touchedAt`.
 */
export function dropRef(tx: MetaTx, id: Uint8Array, ref: Uint8Array, now: number, stamp = true): void {
  const k = refKey(id, ref);
  if (tx.get(k) === undefined) return;
  tx.del(k);
  if (!stillReferenced(tx, id)) markUnreferenced(tx, id, now, stamp);
}

/** A reference of the chunk found by the last look, and which end of its references it came from. */
interface Witness {
  key: Buffer;
  fromEnd: boolean;
}

/** Per transaction: the witnesses of the chunks it dropped references of (stillReferenced). */
const witnesses = new WeakMap<MetaTx, Map<string, Witness>>();

/**
 * hasRefs for a chunk whose references this transaction is dropping, perhaps many of them. A
 * reference found by the previous look that is still there answers at once; else one is looked
 * for from the end of the references other than the one the lost witness came from. A scan from the
 * start for every drop stepped over each reference the transaction had already deleted (they stay
 * in the store's rows, hidden by its pending writes, until the commit): a transaction that drops
 * a chunk's k references in key order read ~k²/2 rows — the lifecycle pass expiring a key's
 * noncurrent versions of one content (one VM), oldest first: 4,000 versions 6.4 s, 10,000 49 s in
 * one write transaction. Dropped in ascending order, the witness from the end lasts until the
 * last; in descending order the first one lost sends the next look to the start, which lasts.
 */
function stillReferenced(tx: MetaTx, id: Uint8Array): boolean {
  let m = witnesses.get(tx);
  if (!m) witnesses.set(tx, (m = new Map()));
  const hex = toHex(id);
  const w = m.get(hex);
  if (w && tx.get(w.key) !== undefined) return true;
  const fromEnd = w ? !w.fromEnd : true;
  for (const [key] of tx.range({ ...prefixRange(refPrefix(id)), reverse: fromEnd, limit: 1 })) {
    m.set(hex, { key: Buffer.from(key), fromEnd });
    return true;
  }
  m.delete(hex);
  return false;
}

/**
 * Stamp `unreferencedAt` on the chunk row (if any, and if `stamp`) and queue it. The queue value is
 * the stamp (its hold runs from then at the earliest: GC passes over it until then without reading
 * its row, gc.ts `pass`), or 0 without one (the cascade's children, due by their rows' times).
 */
export function markUnreferenced(tx: MetaTx, id: Uint8Array, now: number, stamp = true): void {
  if (stamp) {
    const rk = chunkKey(id);
    const raw = tx.get(rk);
    if (raw) tx.put(rk, encodeChunkRow({ ...decodeChunkRow(raw), unreferencedAt: now }));
  }
  enqueueGc(tx, id, stamp ? now : 0);
}

/** Put `id` on the GC queue; it is not due before `heldFrom` plus the hold (0: its row decides). */
export function enqueueGc(tx: MetaTx, id: Uint8Array, heldFrom: number): void {
  tx.put(gcqKey(id), encodeGcQueueValue(heldFrom));
}

const KIND_NAMES: Record<ChunkKind, string> = { 1: 'payload', 2: 'chunk manifest', 3: 'version manifest' };

/**
 * The error for storing or claiming chunk `id` as a `want` when its row is a `have`. Payloads, CMs
 * and VMs share one id space and one row per id (ccow.md §2); payloads that could collide are
 * stored so that they cannot (chunk-codec.ts), but a store written before that rule may hold a
 * payload with a manifest's bytes. Deduplicating onto it would acknowledge a write whose manifest
 * is not stored (or is collected as a payload): the write fails instead
 * (issue-3-payload-manifest-id, issue-3-manifest-onto-old-payload).
 */
function kindClash(id: Uint8Array, have: ChunkKind, want: ChunkKind): Error | undefined {
  if (have === want) return undefined;
  return EngineErrors.CHUNK_CORRUPT(`chunk ${toHex(id)} is stored as a ${KIND_NAMES[have]}; a ${KIND_NAMES[want]} with the same id cannot be stored`);
}

/**
 * Create the chunk row of a newly stored chunk; false when a row of the same kind already existed
 * (touched instead), the clash error when it is of another kind (nothing written).
 */
export function createChunkRow(tx: MetaTx, id: Uint8Array, kind: ChunkKind, loc: ChunkLoc, storedLength: number, bucketId: Buffer, now: number): boolean | Error {
  const k = chunkKey(id);
  const raw = tx.get(k);
  if (raw) {
    // The caller has just stored the bytes: a quarantined row is healthy again.
    const { quarantinedAt: _repaired, ...row } = decodeChunkRow(raw);
    const clash = kindClash(id, row.kind, kind);
    if (clash) return clash;
    tx.put(k, encodeChunkRow({ ...row, touchedAt: now, unreferencedAt: 0 }));
    return false;
  }
  tx.put(k, encodeChunkRow({ kind, loc, storedLength, createdAt: now, touchedAt: now, unreferencedAt: 0, bucketId }));
  return true;
}

/**
 * Dedup claim (§12 step 1): when the row exists and is not quarantined, touch it and return true
 * (the clash error when the row is of another kind than `kind`).
 * A quarantined chunk counts as absent (§12: "exists (and is not quarantined)"): the writer stores
 * the bytes again, which repairs every version that shares the chunk.
 */
export function touchIfPresent(tx: MetaTx, id: Uint8Array, kind: ChunkKind, now: number): boolean | Error {
  const k = chunkKey(id);
  const raw = tx.get(k);
  if (!raw) return false;
  const row = decodeChunkRow(raw);
  const clash = kindClash(id, row.kind, kind);
  if (clash) return clash;
  if (row.quarantinedAt !== undefined) return false;
  tx.put(k, encodeChunkRow({ ...row, touchedAt: now, unreferencedAt: 0 }));
  return true;
}

/** The referrer bytes of an intent. */
export function intentReferrer(intentId: Uint8Array): Buffer {
  return referrer(Referrer.INTENT, intentId);
}

/** Hold `id` under intent `intentId` (reference + membership row, so the intent can be dropped later). */
export function holdUnderIntent(tx: MetaTx, intentId: Uint8Array, id: Uint8Array): void {
  addRef(tx, id, intentReferrer(intentId));
  tx.put(memberKey(intentId, id), EMPTY);
}

/**
 * Drop an intent: every reference it holds, its membership rows and its record (§7.4 step 5, abort,
 * expiry). `referenced` (hex ids): chunks the caller's transaction leaves referenced by a manifest —
 * the chunks and CMs of the tree a commit stores, which hold their `vm:`/`cm:` references by then
 * (§9: the intent is dropped "after the VM refs exist"; a CM or VM row that exists holds its
 * children's references, GC drops them only with the row). Their intent reference and membership
 * row are deleted without reading whether another reference remains (a membership row is written
 * and deleted with its reference). Every other member is checked as by dropRef. A commit of a 1 GiB
 * object saved a point read and a range read per chunk: the range reads' garbage (~5 KB each) was
 * most of what the end of sixteen uploads allocated (bench/RESULTS.md, sessions 12 and 13).
 */
export function dropIntent(tx: MetaTx, intentId: Uint8Array, now: number, referenced?: ReadonlySet<string>): void {
  dropMembers(tx, intentId, now, undefined, referenced);
  tx.del(intentKey(intentId));
}

/**
 * Rows one bounded drop transaction deletes or drops: an aborted upload's part rows and members
 * (multipart.ts), a failed or expired PUT's members (put-intents.ts). A member costs ~4 writes
 * (~27 µs): a batch is a transaction of a few ms.
 */
export const DRAIN_BATCH = 256;

/**
 * dropIntent a batch at a time: drop up to `limit` of the intent's members; when fewer were left,
 * the record goes too and the answer is true. Each call is bounded, so a caller can spread a large
 * intent over many short transactions (an aborted upload's drain, multipart.ts).
 */
export function dropIntentBatch(tx: MetaTx, intentId: Uint8Array, now: number, limit: number, referenced?: ReadonlySet<string>): boolean {
  if (dropMembers(tx, intentId, now, limit, referenced) === limit) return false;
  tx.del(intentKey(intentId));
  return true;
}

/** Drop up to `limit` members of an intent (all when undefined); returns how many. */
function dropMembers(tx: MetaTx, intentId: Uint8Array, now: number, limit?: number, referenced?: ReadonlySet<string>): number {
  const ref = intentReferrer(intentId);
  const range = prefixRange(memberPrefix(intentId));
  const members = [...tx.range(limit === undefined ? range : { ...range, limit })].map(([k]) => k);
  for (const k of members) {
    tx.del(k);
    const id = idOfMemberKey(k);
    if (referenced?.has(toHex(id))) tx.del(refKey(id, ref));
    else dropRef(tx, id, ref, now);
  }
  return members.length;
}

const ZERO_COUNTERS: Counters = { objects: 0, logicalBytes: 0, physicalBytes: 0 };

/** Add deltas to a bucket's counters (no-op for a bucket that no longer exists, e.g. GC after delete). */
export function bumpCounters(tx: MetaTx, bucketId: Uint8Array, d: Partial<Counters>, create = false): void {
  const k = countersKey(bucketId);
  const raw = tx.get(k);
  if (!raw && !create) return;
  const c = raw ? decodeCounters(raw) : ZERO_COUNTERS;
  tx.put(k, encodeCounters({
    objects: c.objects + (d.objects ?? 0),
    logicalBytes: c.logicalBytes + (d.logicalBytes ?? 0),
    physicalBytes: c.physicalBytes + (d.physicalBytes ?? 0),
  }));
}
