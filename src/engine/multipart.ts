/**
 * Multipart uploads (s3-surface.md §4.5, ccow.md §9): an upload is a durable intent plus records;
 * each part is chunked on its own grid and recorded with its leaf refs; complete concatenates the
 * parts' refs with shifted offsets and bulk-loads the tree — no part byte is copied or re-read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fromHex, nextTurn, toHex } from '../common/index.js';
import type { MetaTx } from '../storage/contract/index.js';
import type { ChecksumAlgorithm, CommitCondition, CompletedUpload, CompletePart, ObjectAddr, ObjectVersion, PutOptions, StoredChecksum, UploadedPart, UploadInfo, VersionAttrs } from './api.js';
import type { Intent } from './chunk-writer.js';
import { commitTx, unquote } from './commit.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import {
  decodeCompletedUploadRecord, decodeIntentRecord, decodePartRecord, decodeUploadRecord, encodeCompletedUploadRecord, encodeIntentRecord, encodePartRecord, encodeUploadRecord,
  type IntentRecord, type PartRecord, type UploadRecord,
} from './format/records.js';
import type { VmMeta } from './format/vm.js';
import { bucketPrefix, decodeObjectKey, encodeObjectKey, escapeKeyPrefix, intentKey, partKey, prefixRange, T, uploadByKeyKey, uploadDoneKey, uploadKey } from './keys.js';
import { commonPrefixOf, seekPast } from './listing.js';
import { stripUndefined, read } from './objects.js';
import { DRAIN_BATCH, dropIntentBatch } from './refs.js';
import { toObjectVersion } from './resolve.js';
import { GROWS, storage } from './storage-errors.js';
import { buildTree, shiftRefs, treeIds } from './tree.js';
import { uvidTs } from './uvid.js';
import { checkKey, checksumFrom, cleanMap, DIGEST_OF, ingestBody, largeCommitTurn, leavesOf, makeVm, storeCms } from './write-path.js';
import { prefixEnd } from '../common/index.js';

const MAX_PART_NUMBER = 10000;

function toUploadInfo(bucket: string, r: UploadRecord): UploadInfo {
  const u: UploadInfo = { bucket, key: r.key, uploadId: r.uploadId, initiated: new Date(r.initiated), attrs: structuredClone(r.attrs) };
  if (r.initiator !== undefined) u.initiator = r.initiator;
  if (r.checksumAlgorithm) u.checksumAlgorithm = r.checksumAlgorithm;
  if (r.checksumType) u.checksumType = r.checksumType;
  return u;
}

function toUploadedPart(p: PartRecord): UploadedPart {
  const out: UploadedPart = { partNumber: p.partNumber, size: p.size, etag: `"${p.md5}"`, lastModified: new Date(p.lastModified) };
  if (p.checksum) out.checksum = p.checksum;
  return out;
}

function uploadIdBytes(uploadId: string): Buffer | undefined {
  return /^[0-9a-f]{32}$/.test(uploadId) ? fromHex(uploadId) : undefined;
}

async function loadUpload(core: Core, b: Bucket, uploadId: string): Promise<UploadRecord> {
  const id = uploadIdBytes(uploadId);
  const raw = id && (await storage(core.backend.meta.get(uploadKey(b.id, id))));
  if (!raw) throw EngineErrors.NO_SUCH_UPLOAD(`no such upload: ${uploadId}`);
  return decodeUploadRecord(raw);
}

/** Last upload-id timestamp issued per engine, so ids of one process strictly increase. */
const lastUploadTs = new WeakMap<Core, bigint>();

/**
 * Above every timestamp a time-ordered upload id of this engine carries so far (µs): the clock, or
 * the last id when the issuer ran ahead of it (a frozen clock, the UVID floor after a restart).
 */
export function uploadIdTsCeiling(core: Core): bigint {
  const clock = BigInt(Math.floor(core.now())) * 1000n;
  const last = lastUploadTs.get(core) ?? 0n;
  return (last > clock ? last : clock) + 1n;
}

/**
 * A new upload id: u64 BE µs timestamp ‖ 8 random bytes (formats.md, "Upload ids").
 *
 * ListMultipartUploads lists a key's uploads in initiation order, and AWS pages them with an
 * upload-id-marker compared lexicographically (API_ListMultipartUploads: "upload ID
 * lexicographically greater than the specified upload-id-marker"). Ids whose bytes sort by time
 * make both hold with the `W` index (bucketId ‖ enc(key) ‖ uploadId) unchanged. The timestamp comes
 * from the UVID issuer (never behind any UVID issued, floored across restarts, ccow.md §6) and is
 * bumped past the previous id's, so ids issued within one µs (or under a frozen test clock) still
 * sort in creation order. Ids issued before this layout (16 random bytes) stay valid; they sort by
 * their bytes, i.e. almost always after every time-ordered id of the same key.
 */
function newUploadId(core: Core): Buffer {
  let ts = uvidTs(core.uvids.next());
  const last = lastUploadTs.get(core);
  if (last !== undefined && ts <= last) ts = last + 1n;
  lastUploadTs.set(core, ts);
  const id = randomBytes(16);
  id.writeBigUInt64BE(ts, 0);
  return id;
}

function uploadIntent(core: Core, r: UploadRecord): Intent {
  // Already persisted at createUpload; upload intents never expire by time (§9).
  return { id: fromHex(r.intentId), kind: 'upload', epoch: core.epoch, lease: 0, renewedAt: 1, createdAt: r.initiated };
}

export async function createUpload(
  core: Core,
  addr: ObjectAddr,
  opts: { attrs?: VersionAttrs; initiator?: string; checksumAlgorithm?: ChecksumAlgorithm; checksumType?: 'FULL_OBJECT' | 'COMPOSITE' },
): Promise<UploadInfo> {
  const b = await core.bucket(addr.bucket, addr.bucketId);
  checkKey(addr.key);
  const uploadId = newUploadId(core);
  const intentId = randomBytes(16);
  const now = core.now();
  const rec: UploadRecord = stripUndefined({
    uploadId: toHex(uploadId), key: addr.key, initiated: Math.floor(now), attrs: structuredClone(opts.attrs ?? {}), initiator: opts.initiator,
    checksumAlgorithm: opts.checksumAlgorithm, checksumType: opts.checksumType, intentId: toHex(intentId),
    chunkSize: b.rec.chunkSize, codec: b.rec.codec,
  });
  await storage(core.backend.meta.transaction((tx) => {
    // A DeleteBucket that committed since the lookup above must win: an upload recorded now would
    // be acknowledged in a bucket that is gone, and its records and never-expiring intent would stay.
    core.bucketInTx(tx, b);
    tx.put(intentKey(intentId), encodeIntentRecord({ kind: 'upload', epoch: core.epoch, createdAt: now }));
    tx.put(uploadKey(b.id, uploadId), encodeUploadRecord(rec));
    tx.put(uploadByKeyKey(b.id, encodeObjectKey(addr.key), uploadId), Buffer.alloc(0));
  }, GROWS));
  return toUploadInfo(b.rec.name, rec);
}

export async function getUpload(core: Core, bucket: string, uploadId: string): Promise<UploadInfo | undefined> {
  const b = await core.bucket(bucket);
  const id = uploadIdBytes(uploadId);
  const raw = id && (await storage(core.backend.meta.get(uploadKey(b.id, id))));
  return raw ? toUploadInfo(b.rec.name, decodeUploadRecord(raw)) : undefined;
}

function checkPartNumber(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) throw EngineErrors.INVALID_ARGUMENT(`part number must be 1..${MAX_PART_NUMBER}`);
}

/** Upload one part: its chunks join the upload's intent; the part record keeps its leaf refs. */
export async function putPart(
  core: Core,
  bucket: string,
  uploadId: string,
  partNumber: number,
  body: AsyncIterable<Uint8Array>,
  opts: Omit<PutOptions, keyof VersionAttrs | 'condition'> = {},
): Promise<UploadedPart> {
  checkPartNumber(partNumber);
  const b = await core.bucket(bucket);
  const up = await loadUpload(core, b, uploadId);
  const intent = uploadIntent(core, up);
  const alg = opts.checksumAlgorithm ?? up.checksumAlgorithm;
  const digests = alg ? [...(opts.digests ?? []), DIGEST_OF[alg]] : (opts.digests ?? []);
  const ing = await ingestBody(core, intent, b.id, body, { chunkSize: up.chunkSize, codec: up.codec, digests, expectedSize: opts.expectedSize, maxSize: opts.maxSize });
  if (opts.verify) await opts.verify(ing.digests);
  const part: PartRecord = stripUndefined({
    partNumber, size: ing.size, md5: ing.digests.md5.toString('hex'), lastModified: Math.floor(core.now()),
    checksum: checksumFrom(alg, ing.digests), refs: leavesOf(ing),
  });
  await storage(core.backend.meta.transaction((tx) => {
    if (tx.get(uploadKey(b.id, fromHex(up.uploadId))) === undefined) {
      // Aborted or completed meanwhile. What this part stored is held by the intent only while it
      // lives: an aborted upload's drain drops it (chunks joining after the Abort are refused,
      // chunk-writer.ts renewIntent), a Complete's commit dropped every member with the intent.
      throw EngineErrors.NO_SUCH_UPLOAD(`no such upload: ${uploadId}`);
    }
    tx.put(partKey(fromHex(up.uploadId), partNumber), encodePartRecord(part));
  }, GROWS));
  return toUploadedPart(part);
}

/** UploadPartCopy: a byte range of an existing version, streamed (verified) into a new part. */
export async function copyPart(
  core: Core,
  bucket: string,
  uploadId: string,
  partNumber: number,
  src: ObjectAddr & { versionId?: string },
  range?: { offset: number; length: number },
): Promise<UploadedPart> {
  checkPartNumber(partNumber);
  const r = await read(core, src, { versionId: src.versionId, offset: range?.offset, length: range?.length });
  return putPart(core, bucket, uploadId, partNumber, r.body);
}

export async function listParts(core: Core, bucket: string, uploadId: string, opts: { marker?: number; limit?: number } = {}): Promise<{ parts: UploadedPart[]; truncated: boolean; next?: number }> {
  const b = await core.bucket(bucket);
  const up = await loadUpload(core, b, uploadId);
  const limit = opts.limit ?? 1000;
  const id = fromHex(up.uploadId);
  const parts: UploadedPart[] = [];
  let truncated = false;
  const start = partKey(id, Math.min((opts.marker ?? 0) + 1, 0xffff));
  for await (const [, v] of core.backend.meta.range({ gte: start, lt: prefixEnd(Buffer.concat([Buffer.from([T.PART]), id])) })) {
    if (parts.length >= limit) {
      truncated = true;
      break;
    }
    parts.push(toUploadedPart(decodePartRecord(v)));
  }
  const out: { parts: UploadedPart[]; truncated: boolean; next?: number } = { parts, truncated };
  if (truncated && parts.length) out.next = parts[parts.length - 1]!.partNumber;
  return out;
}

/** Validate the client's part list against the stored parts (InvalidPartOrder, InvalidPart, EntityTooSmall). */
async function chosenParts(core: Core, up: UploadRecord, parts: readonly CompletePart[]): Promise<PartRecord[]> {
  if (parts.length === 0) throw EngineErrors.INVALID_ARGUMENT('a multipart upload needs at least one part');
  const id = fromHex(up.uploadId);
  const out: PartRecord[] = [];
  let prev = 0;
  for (const [i, p] of parts.entries()) {
    // 10,000 parts are ~10,000 synchronous reads: let other requests run in between.
    if (i % 500 === 499) await nextTurn();
    if (p.partNumber <= prev) throw EngineErrors.INVALID_PART_ORDER(`part ${p.partNumber} after part ${prev}`);
    prev = p.partNumber;
    const raw = await storage(core.backend.meta.get(partKey(id, p.partNumber)));
    const rec = raw && decodePartRecord(raw);
    if (!rec || unquote(p.etag) !== rec.md5) throw EngineErrors.INVALID_PART(`part ${p.partNumber} not found or ETag mismatch`);
    out.push(rec);
  }
  out.forEach((r, i) => {
    if (i < out.length - 1 && r.size < core.o.minPartSize) {
      // The details S3 names in its EntityTooSmall (the ETag unquoted, as S3 writes it there).
      const details = { ProposedSize: r.size, MinSizeAllowed: core.o.minPartSize, PartNumber: r.partNumber, ETag: r.md5 };
      throw EngineErrors.ENTITY_TOO_SMALL(`part ${r.partNumber} is ${r.size} bytes, below ${core.o.minPartSize}`, { details });
    }
  });
  return out;
}

/** ETag of a multipart object: md5 of the concatenated binary part MD5s, dash, part count (§11). */
export function multipartEtag(md5s: readonly string[]): string {
  const h = createHash('md5');
  for (const m of md5s) h.update(fromHex(m));
  return `"${h.digest('hex')}-${md5s.length}"`;
}

/**
 * Most intent holds a Complete's commit drops (~2 deletes each, no read: ~10 ms per 1,000): a
 * larger upload leaves the rest to the background drain rather than hold every write of the store
 * (10^4 parts of 5 chunks: ~10^5 rows, 608 ms and +83 MiB of lmdb-js pending writes in one
 * transaction). Below it nothing changes: the drain's drops read each chunk's references, whose
 * garbage was most of what 16 concurrent 1 GiB uploads allocated (issue-4-commit-intent-reads).
 */
const COMMIT_DROP_MAX = 4096;

export async function completeUpload(
  core: Core,
  bucket: string,
  uploadId: string,
  parts: readonly CompletePart[],
  opts: { condition?: CommitCondition; checksum?: StoredChecksum } = {},
): Promise<ObjectVersion> {
  const b = await core.bucket(bucket);
  const up = await loadUpload(core, b, uploadId);
  const chosen = await chosenParts(core, up, parts);
  const leaves = [];
  let size = 0;
  for (const p of chosen) {
    leaves.push(...shiftRefs(p.refs, size));
    size += p.size;
  }
  const intent = uploadIntent(core, up);
  const tree = buildTree(leaves, core.o.btreeOrder);
  // Large ones store their CMs and commit in turn (write-path.ts largeCommitTurn).
  const endTurn = await largeCommitTurn(core, leaves.length);
  try {
    if (tree.cms.length) await storeCms(core, intent, b.id, tree.cms);
    const a = up.attrs;
    const meta: VmMeta = stripUndefined({
      kind: 'bytes' as const, size, chunkSize: up.chunkSize, btreeOrder: core.o.btreeOrder, codec: up.codec, hashType: 1 as const,
      etag: multipartEtag(chosen.map((p) => p.md5)), contentType: a.contentType, checksum: opts.checksum,
      parts: chosen.map((p) => stripUndefined({ size: p.size, etag: `"${p.md5}"`, checksum: p.checksum })),
      userMeta: cleanMap(a.userMeta, true), sysMeta: cleanMap(a.sysMeta),
    });
    const vm = makeVm(meta, tree.root);
    let ended = true;
    const v = await storage(core.backend.meta.transaction((tx) => {
      if (tx.get(uploadKey(b.id, fromHex(up.uploadId))) === undefined) throw EngineErrors.NO_SUCH_UPLOAD(`no such upload: ${uploadId}`);
      // Up to COMMIT_DROP_MAX of the intent's holds in the commit (without a read: the tree's own,
      // refs.ts dropIntent), then a batch of part rows and the rest as an Abort drops them
      // (endUpload): an upload of up to 256 parts and 4,096 chunks ends here, as before.
      const rec = commitTx(core, tx, {
        bucket: b, key: up.key, vm, storageClass: a.storageClass, tags: a.tags, acl: a.acl, condition: opts.condition,
        intentId: intent.id, treeIds: treeIds(tree), intentBatch: COMMIT_DROP_MAX, extra: (t) => void (ended = endUpload(core, t, b, up)),
      });
      const v = toObjectVersion(b.rec.name, up.key, rec!, true, vm.meta);
      // In the same transaction: the upload is gone exactly when its answer is kept.
      tx.put(uploadDoneKey(b.id, fromHex(up.uploadId)), encodeCompletedUploadRecord(stripUndefined({
        key: up.key, partsDigest: partsDigest(parts), versionId: v.versionId, etag: v.etag, checksum: v.checksum, completedAt: core.now(),
      })));
      return v;
    }, GROWS));
    if (!ended) drainLater(core, intent.id);
    return v;
  } finally {
    endTurn();
  }
}

/**
 * How long a completed upload's answer is kept for a retried Complete. S3 answers a retry with the
 * same parts 200 again for hours (adobe/S3Mock#2586 shows it against S3; a missing upload is 404
 * NoSuchUpload): an SDK that timed out on a long Complete and retries must not fail an upload that
 * was stored. The housekeeping worker deletes older answers.
 */
export const COMPLETED_UPLOAD_TTL_MS = 6 * 3600_000;

/** SHA-256 (hex) of a Complete's part list: numbers and unquoted ETags, in order. */
export function partsDigest(parts: readonly { partNumber: number; etag: string }[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(`${p.partNumber}:${unquote(p.etag)}\n`);
  return h.digest('hex');
}

/**
 * The answer of an upload completed less than COMPLETED_UPLOAD_TTL_MS ago with the same parts, or
 * undefined (no such upload, another part list, or too old).
 */
export async function completedUpload(core: Core, bucket: string, uploadId: string, parts: readonly CompletePart[]): Promise<CompletedUpload | undefined> {
  const b = await core.bucket(bucket);
  const id = uploadIdBytes(uploadId);
  const raw = id && (await storage(core.backend.meta.get(uploadDoneKey(b.id, id))));
  if (!raw) return undefined;
  const r = decodeCompletedUploadRecord(raw);
  if (core.now() - r.completedAt > COMPLETED_UPLOAD_TTL_MS || r.partsDigest !== partsDigest(parts)) return undefined;
  const out: CompletedUpload = { key: r.key, versionId: r.versionId, etag: r.etag };
  if (r.checksum) out.checksum = r.checksum;
  return out;
}

/**
 * Abort (§9): the upload's records go in one transaction, so the upload is gone when this answers
 * (ListParts, UploadPart, Complete: NoSuchUpload, as API_AbortMultipartUpload describes). What its
 * intent holds — the part rows and a reference per chunk — is dropped in the same transaction up to
 * one batch (DRAIN_BATCH rows: every small upload, so a stream of Aborts costs what it did before);
 * a larger upload's intent is marked aborted and the rest is dropped a batch per transaction
 * (drainAbortedStep): at once in the background, and by the intent-expiry worker (and GC's run) for
 * what a restart or a failure left. Dropped whole in the Abort's own transaction it cost ~27 µs per
 * chunk with every write of the store waiting: 10^4 parts of two chunks, one 426 ms transaction
 * (issue-3-abort-large-upload). Every Abort through the drain, one transaction per upload in series,
 * fell behind a client aborting ~470 small uploads a second (soak25: 34,000 aborted intents queued).
 */
export async function abortUpload(core: Core, bucket: string, uploadId: string): Promise<void> {
  const b = await core.bucket(bucket);
  const up = await loadUpload(core, b, uploadId);
  const intentId = fromHex(up.intentId);
  // No GROWS: an Abort frees space, so it must work on a full disk too (the record grows by ~60 B).
  const dropped = await storage(core.backend.meta.transaction((tx) => {
    if (tx.get(uploadKey(b.id, fromHex(up.uploadId))) === undefined) throw EngineErrors.NO_SUCH_UPLOAD(`no such upload: ${uploadId}`);
    return endUpload(core, tx, b, up);
  }));
  if (!dropped) drainLater(core, intentId);
}

/**
 * An upload ends (Abort, or Complete after its commit): its upload rows go, and up to DRAIN_BATCH of
 * its part rows and intent members; true when nothing was left. Otherwise its intent record says
 * it ended (`abortedAt`, `uploadId`) and the rest is the background drain's (drainLater), which a
 * restart resumes: a Complete of 10^4 parts dropped ~10^5 rows in its one transaction (608 ms and
 * +83 MiB of pending writes, every write of the store waiting).
 */
function endUpload(core: Core, tx: MetaTx, b: Bucket, up: UploadRecord): boolean {
  const id = fromHex(up.uploadId);
  const intentId = fromHex(up.intentId);
  tx.del(uploadKey(b.id, id));
  tx.del(uploadByKeyKey(b.id, encodeObjectKey(up.key), id));
  const raw = tx.get(intentKey(intentId));
  if (dropAbortedRows(tx, intentId, up.uploadId, core.now())) return true;
  const rec: IntentRecord = raw ? decodeIntentRecord(raw) : { kind: 'upload', epoch: core.epoch, createdAt: up.initiated };
  tx.put(intentKey(intentId), encodeIntentRecord({ ...rec, abortedAt: Math.floor(core.now()), uploadId: up.uploadId }));
  return false;
}

/** Leave an ended upload's rows to the background drain (or, when it cannot take them, to the scan). */
function drainLater(core: Core, intentId: Buffer): void {
  if (!drainSoon(core, intentId)) drainerOf(core).mayHaveAborted = true;
}

/**
 * Drop up to DRAIN_BATCH rows of an aborted upload: its part rows first (a part row names chunks its
 * intent holds; fsck checks them while it is there), then its intent's members; true when nothing
 * was left and the intent record is gone too.
 */
function dropAbortedRows(tx: MetaTx, intentId: Buffer, uploadId: string | undefined, now: number): boolean {
  let budget = DRAIN_BATCH;
  if (uploadId !== undefined) {
    const parts = [...tx.range({ ...prefixRange(Buffer.concat([Buffer.from([T.PART]), fromHex(uploadId)])), limit: budget })];
    for (const [k] of parts) tx.del(k);
    budget -= parts.length;
    if (budget === 0) return false;
  }
  return dropIntentBatch(tx, intentId, now, budget);
}

/**
 * One bounded step of an aborted upload's drain; true when its intent is gone. A member joins only
 * while the intent is not aborted (chunk-writer.ts renewIntent), and the record goes in the step that
 * finds fewer members than it may drop, so none is left behind.
 */
function drainAbortedStep(tx: MetaTx, intentId: Buffer, now: number): boolean {
  const raw = tx.get(intentKey(intentId));
  if (raw === undefined) return true;
  const rec = decodeIntentRecord(raw);
  if (rec.abortedAt === undefined) return true;
  return dropAbortedRows(tx, intentId, rec.uploadId, now);
}

/**
 * The background drain of one engine: the aborted intents waiting for it (one loop per engine, not
 * one per Abort), the loop while it runs, and how many transactions it ran (drainProgress).
 */
interface Drainer {
  queue: Buffer[];
  running?: Promise<void>;
  steps: number;
  closed: boolean;
  /**
   * False once a scan of the intent table found no aborted intent and none has been left since
   * outside the background drain's queue: the intent-expiry worker then skips the scan (it read
   * every open upload's intent each step). True at start (a store may hold what a previous process
   * left), after an Abort the queue could not take (full, or closing), after a drain step failed.
   * Not after every Abort that left a drain: the queue drains it, and each such Abort made the
   * worker's next step read the whole intent table (every open upload's) again.
   */
  mayHaveAborted: boolean;
}

const drainers = new WeakMap<Core, Drainer>();

function drainerOf(core: Core): Drainer {
  let d = drainers.get(core);
  if (!d) drainers.set(core, (d = { queue: [], steps: 0, closed: false, mayHaveAborted: true }));
  return d;
}

/**
 * How many transactions background drains have run so far. The intent-expiry worker reports work
 * when it moved: a drain's last step makes its chunks GC candidates behind the back of a worker
 * loop that may have just found the queue empty and be about to sleep.
 */
export function drainProgress(core: Core): number {
  return drainers.get(core)?.steps ?? 0;
}

/** Large aborted uploads the background drain keeps in its queue at the most. */
const MAX_QUEUED_DRAINS = 1024;

/** Start draining `intentId` in the background after the Abort answered; false when it cannot. */
function drainSoon(core: Core, intentId: Buffer): boolean {
  const d = drainerOf(core);
  // Past the cap the intent-expiry worker finds it (its record says aborted): the queue stays small.
  if (d.closed || d.queue.length >= MAX_QUEUED_DRAINS) return false;
  d.queue.push(intentId);
  if (d.running) return true;
  const loop = async (): Promise<void> => {
    for (let id = d.queue.shift(); id !== undefined && !d.closed; id = d.queue.shift()) await drainAborted(core, d, id);
  };
  // Cleared in a later microtask, so never before it is set (even by a loop that did nothing).
  d.running = loop().finally(() => (d.running = undefined));
  return true;
}

/**
 * Drain aborted intent `intentId` to its end, a transaction per step; stops when the engine closes.
 * A failure leaves the intent to the intent-expiry worker (the queue goes on with the next).
 */
async function drainAborted(core: Core, d: Drainer, intentId: Buffer): Promise<void> {
  for (;;) {
    if (d.closed) {
      // Stopped with rows left (Engine.close): a start scans anyway; said for a caller still here.
      d.mayHaveAborted = true;
      return;
    }
    try {
      if (await storage(core.backend.meta.transaction((tx) => drainAbortedStep(tx, intentId, core.now())))) return;
    } catch {
      // Left to the intent-expiry worker's scan (or GC's run).
      d.mayHaveAborted = true;
      return;
    } finally {
      // Also when the transaction failed: it may have committed all the same (its acknowledgement lost).
      d.steps++;
    }
  }
}

/** Stop the background drain (Engine.close): it ends after its current transaction. */
export async function stopDrains(core: Core): Promise<void> {
  const d = drainerOf(core);
  d.closed = true;
  await d.running;
}

/**
 * Drain aborted uploads' intents (abortUpload) for up to `maxSteps` transactions; returns how many
 * ran (0: nothing was left to drain). The intent-expiry worker calls it (after a restart, or a
 * background drain that failed), and GC's run drains them all first, so that `ccow gc` frees what
 * an Abort released.
 */
export async function drainAbortedUploads(core: Core, maxSteps = Infinity): Promise<number> {
  const d = drainerOf(core);
  // GC's run frees what every Abort released: the intents the background drain holds included.
  if (maxSteps === Infinity) while (d.running) await d.running;
  if (!d.mayHaveAborted) return 0;
  // Cleared before the scan: an intent left meanwhile (a drain step failed, the queue full) sets it again.
  d.mayHaveAborted = false;
  // At most as many as the steps allowed can finish (each takes one at least): the rest wait for
  // the next call rather than being read into memory now.
  const aborted: Buffer[] = [];
  try {
    for await (const [k, v] of core.backend.meta.range(prefixRange(Buffer.from([T.INTENT])))) {
      if (decodeIntentRecord(v).abortedAt !== undefined && aborted.push(Buffer.from(k.subarray(1))) >= maxSteps) break;
    }
  } catch (e) {
    d.mayHaveAborted = true;
    throw e;
  }
  // Found some: they may outlast this call (steps run out, a transaction fails), so look again.
  if (aborted.length > 0) d.mayHaveAborted = true;
  let steps = 0;
  for (const id of aborted) {
    for (let gone = false; !gone && steps < maxSteps; steps++) {
      gone = await storage(core.backend.meta.transaction((tx) => drainAbortedStep(tx, id, core.now())));
    }
  }
  return steps;
}

export async function listUploads(
  core: Core,
  bucket: string,
  opts: { prefix?: string; delimiter?: string; keyMarker?: string; uploadIdMarker?: string; limit: number },
): Promise<{ uploads: UploadInfo[]; commonPrefixes: string[]; truncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }> {
  const b = await core.bucket(bucket);
  const out: Awaited<ReturnType<typeof listUploads>> = { uploads: [], commonPrefixes: [], truncated: false };
  if (opts.limit <= 0) return out;
  const base = bucketPrefix(T.UPLOAD_BY_KEY, b.id);
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter || undefined;
  const start = Buffer.concat([base, escapeKeyPrefix(prefix)]);
  let lower: { key: Buffer; inclusive: boolean } = { key: start, inclusive: true };
  if (opts.keyMarker !== undefined) {
    const enc = encodeObjectKey(opts.keyMarker);
    // A key-marker in a common prefix (the prefix itself or a key under it) resumes past every key
    // under that prefix, as the object listings do (listing.ts afterMarker; LocalStack's
    // AWS-validated list-multiparts-manual-first-file).
    const cp = opts.keyMarker.startsWith(prefix) ? commonPrefixOf(opts.keyMarker, prefix, delimiter) : undefined;
    const mk = opts.uploadIdMarker && uploadIdBytes(opts.uploadIdMarker)
      ? { key: Buffer.concat([base, enc, fromHex(opts.uploadIdMarker)]), inclusive: false }
      : cp !== undefined
        ? { key: seekPast(base, cp), inclusive: true }
        : { key: prefixEnd(Buffer.concat([base, enc]))!, inclusive: true };
    if (Buffer.compare(mk.key, lower.key) >= 0) lower = mk;
  }
  const upper = prefixEnd(start);
  let count = 0;
  for (;;) {
    let seek: Buffer | undefined;
    const range = { ...(lower.inclusive ? { gte: lower.key } : { gt: lower.key }), ...(upper ? { lt: upper } : {}) };
    for await (const [k] of core.backend.meta.range(range)) {
      const { key, end } = decodeObjectKey(k, base.length);
      const cp = commonPrefixOf(key, prefix, delimiter);
      if (count === opts.limit) {
        out.truncated = true;
        break;
      }
      count++;
      if (cp !== undefined) {
        out.commonPrefixes.push(cp);
        out.nextKeyMarker = cp;
        delete out.nextUploadIdMarker;
        seek = seekPast(base, cp);
        break;
      }
      const raw = await storage(core.backend.meta.get(uploadKey(b.id, k.subarray(end, end + 16))));
      if (!raw) continue;
      const u = toUploadInfo(b.rec.name, decodeUploadRecord(raw));
      out.uploads.push(u);
      out.nextKeyMarker = u.key;
      out.nextUploadIdMarker = u.uploadId;
    }
    if (!seek || out.truncated) break;
    lower = { key: seek, inclusive: true };
  }
  // The markers name the last entry listed whether or not more follow: S3 answers
  // NextKeyMarker / NextUploadIdMarker on a complete page too (s3/handlers/multipart.ts).
  return out;
}
