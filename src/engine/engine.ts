/**
 * The Engine facade (shared/spec/ccow.md §1): one object implementing `EngineApi` over a
 * StorageBackend. Each method delegates to the module owning that concern; `createEngine` opens the
 * engine state and runs start-up recovery (§13: expire single-PUT intents of older process epochs).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { StorageBackend } from '../storage/contract/index.js';
import type * as A from './api.js';
import { bucketClone } from './bucket-clone.js';
import * as buckets from './buckets.js';
import { Core } from './core.js';
import { carryDerivedIndexes, derivedIndexReadyTx, markDerivedIndexBuilt } from './derived.js';
import { deleteCursor, feedFloorTs, getCursor, readFeed, setCursor } from './feed.js';
import { decodeCleanStopRecord, decodeStateRecord, encodeCleanStopRecord, encodeStateRecord, type StateRecord } from './format/records.js';
import { fsck } from './fsck.js';
import { expireIntents, makeWorkers, runGc, sweepOrphans } from './gc.js';
import { stateKey } from './keys.js';
import * as mp from './multipart.js';
import * as objects from './objects.js';
import * as listing from './listing.js';
import { resolveOptions, type EngineOptions } from './options.js';
import * as snaps from './snapshots.js';
import { storage } from './storage-errors.js';
import { systemClock } from './uvid.js';

/**
 * The CCOW engine. Build it with `createEngine`. Every method passes its outcome through `storage()`:
 * a storage error that a module let through raw (a listing's range scan of a closed store, an I/O
 * error in a cursor) still reaches the S3 layer as an engine error (UNAVAILABLE → 503), never as
 * an unknown error (500 InternalError).
 */
export class Engine implements A.EngineApi {
  readonly #core: Core;

  /** @internal use createEngine */
  constructor(core: Core) {
    this.#core = core;
  }

  /** Segment id, node id and process epoch of this engine. */
  get identity(): { segmentId: number; nodeId: number; epoch: number } {
    const c = this.#core;
    return { segmentId: c.segmentId, nodeId: c.nodeId, epoch: c.epoch };
  }

  /** Payload puts issued to the ChunkStore so far (dedup diagnostics). */
  get payloadPuts(): number {
    return this.#core.writer.puts;
  }

  putUser(u: Omit<A.User, 'createdAt'> & { createdAt?: Date }): Promise<A.User> {
    return storage(buckets.putUser(this.#core, u));
  }
  getUser(accessKey: string): Promise<A.User | undefined> {
    return storage(buckets.getUser(this.#core, accessKey));
  }
  listUsers(): Promise<A.User[]> {
    return storage(buckets.listUsers(this.#core));
  }
  deleteUser(accessKey: string): Promise<boolean> {
    return storage(buckets.deleteUser(this.#core, accessKey));
  }

  createBucket(name: string, opts: A.CreateBucketOptions): Promise<A.BucketInfo> {
    return storage(buckets.createBucket(this.#core, name, opts));
  }
  deleteBucket(name: string, opts?: { bucketId?: string }): Promise<void> {
    return storage(buckets.deleteBucket(this.#core, name, opts));
  }
  getBucket(name: string): Promise<A.BucketInfo | undefined> {
    return storage(buckets.getBucket(this.#core, name));
  }
  listBuckets(owner?: string): Promise<A.BucketInfo[]> {
    return storage(buckets.listBuckets(this.#core, owner));
  }
  putBucketConfig(name: string, kind: string, value: unknown, opts?: { bucketId?: string }): Promise<A.BucketInfo> {
    return storage(buckets.putBucketConfig(this.#core, name, kind, value, opts));
  }
  bucketStats(name: string): Promise<A.BucketStats> {
    return storage(buckets.bucketStats(this.#core, name));
  }

  putObject(addr: A.ObjectAddr, body: AsyncIterable<Uint8Array>, opts?: A.PutOptions): Promise<A.ObjectVersion> {
    return storage(objects.putObject(this.#core, addr, body, opts));
  }
  head(addr: A.ObjectAddr, opts?: { versionId?: string; snapshot?: string }): Promise<A.ObjectVersion> {
    return storage(objects.head(this.#core, addr, opts));
  }
  read(addr: A.ObjectAddr, opts?: A.ReadOptions): Promise<A.ReadResult> {
    return storage(objects.read(this.#core, addr, opts));
  }
  deleteObject(addr: A.ObjectAddr, opts?: { versionId?: string; condition?: A.CommitCondition; acl?: unknown }): Promise<A.DeleteResult> {
    return storage(objects.deleteObject(this.#core, addr, opts));
  }
  copyObject(
    src: A.ObjectAddr & { versionId?: string },
    dst: A.ObjectAddr,
    opts?: { replace?: A.VersionAttrs; tags?: Record<string, string>; acl?: unknown; condition?: A.CommitCondition; checksumAlgorithm?: A.ChecksumAlgorithm },
  ): Promise<A.ObjectVersion> {
    return storage(objects.copyObject(this.#core, src, dst, opts));
  }
  updateVersionMeta(
    addr: A.ObjectAddr,
    versionId: string | undefined,
    patch: { tags?: Record<string, string> | null; acl?: unknown },
    opts?: { expect?: A.ObjectVersion },
  ): Promise<A.ObjectVersion> {
    return storage(objects.updateVersionMeta(this.#core, addr, versionId, patch, opts));
  }
  listObjects(bucket: string, opts: A.ListOptions): Promise<A.ListPage> {
    return storage(listing.listObjects(this.#core, bucket, opts));
  }
  listVersions(bucket: string, opts: A.ListVersionsOptions): Promise<A.VersionsPage> {
    return storage(listing.listVersions(this.#core, bucket, opts));
  }

  createUpload(addr: A.ObjectAddr, opts: { attrs?: A.VersionAttrs; initiator?: string; checksumAlgorithm?: A.ChecksumAlgorithm; checksumType?: 'FULL_OBJECT' | 'COMPOSITE' }): Promise<A.UploadInfo> {
    return storage(mp.createUpload(this.#core, addr, opts));
  }
  getUpload(bucket: string, uploadId: string): Promise<A.UploadInfo | undefined> {
    return storage(mp.getUpload(this.#core, bucket, uploadId));
  }
  putPart(bucket: string, uploadId: string, partNumber: number, body: AsyncIterable<Uint8Array>, opts?: Omit<A.PutOptions, keyof A.VersionAttrs | 'condition'>): Promise<A.UploadedPart> {
    return storage(mp.putPart(this.#core, bucket, uploadId, partNumber, body, opts));
  }
  copyPart(bucket: string, uploadId: string, partNumber: number, src: A.ObjectAddr & { versionId?: string }, range?: { offset: number; length: number }): Promise<A.UploadedPart> {
    return storage(mp.copyPart(this.#core, bucket, uploadId, partNumber, src, range));
  }
  listParts(bucket: string, uploadId: string, opts?: { marker?: number; limit?: number }): Promise<{ parts: A.UploadedPart[]; truncated: boolean; next?: number }> {
    return storage(mp.listParts(this.#core, bucket, uploadId, opts));
  }
  completeUpload(bucket: string, uploadId: string, parts: A.CompletePart[], opts?: { condition?: A.CommitCondition; checksum?: A.StoredChecksum }): Promise<A.ObjectVersion> {
    return storage(mp.completeUpload(this.#core, bucket, uploadId, parts, opts));
  }
  completedUpload(bucket: string, uploadId: string, parts: A.CompletePart[]): Promise<A.CompletedUpload | undefined> {
    return storage(mp.completedUpload(this.#core, bucket, uploadId, parts));
  }
  abortUpload(bucket: string, uploadId: string): Promise<void> {
    return storage(mp.abortUpload(this.#core, bucket, uploadId));
  }
  listUploads(
    bucket: string,
    opts: { prefix?: string; delimiter?: string; keyMarker?: string; uploadIdMarker?: string; limit: number },
  ): Promise<{ uploads: A.UploadInfo[]; commonPrefixes: string[]; truncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }> {
    return storage(mp.listUploads(this.#core, bucket, opts));
  }

  snapshotCreate(bucket: string, name: string): Promise<A.SnapshotInfo> {
    return storage(snaps.snapshotCreate(this.#core, bucket, name));
  }
  snapshotList(bucket: string): Promise<A.SnapshotInfo[]> {
    return storage(snaps.snapshotList(this.#core, bucket));
  }
  snapshotDelete(bucket: string, name: string): Promise<void> {
    return storage(snaps.snapshotDelete(this.#core, bucket, name));
  }
  clone(src: A.ObjectAddr & { versionId?: string; snapshot?: string }, dst: A.ObjectAddr): Promise<A.ObjectVersion> {
    return storage(objects.clone(this.#core, src, dst));
  }
  bucketClone(src: string, snapshot: string, dst: string, opts?: { owner?: string }): Promise<A.BucketInfo> {
    return storage(bucketClone(this.#core, src, snapshot, dst, opts));
  }

  feedRead(fromSeq: bigint, limit: number): Promise<A.FeedRecord[]> {
    return storage(readFeed(this.#core.backend.meta, fromSeq, limit));
  }
  /**
   * Move the feed cursor of consumer `name` to `seq` (the first record it has not processed; only
   * forward) and register it: retention keeps what it has not passed (§14). Returns the cursor.
   */
  feedCursorSet(name: string, seq: bigint): Promise<bigint> {
    return storage(setCursor(this.#core.backend.meta, name, seq, this.#core.now()));
  }
  /** The feed cursor of consumer `name`; undefined when not registered. */
  feedCursorGet(name: string): Promise<bigint | undefined> {
    return storage(getCursor(this.#core.backend.meta, name));
  }
  /** Unregister consumer `name`: retention stops waiting for it. */
  feedCursorDelete(name: string): Promise<void> {
    return storage(deleteCursor(this.#core.backend.meta, name));
  }
  fsck(): Promise<A.FsckReport> {
    return storage(fsck(this.#core));
  }
  gc(opts?: { graceMs?: number }): Promise<number> {
    return storage(runGc(this.#core, opts?.graceMs ?? this.#core.o.holdMs));
  }
  /** Delete stored chunks that have no chunk row (failed or crashed writers, §13); returns how many. */
  sweepOrphans(): Promise<number> {
    return storage(sweepOrphans(this.#core));
  }
  workers(): A.Worker[] {
    return makeWorkers(this.#core);
  }
  /**
   * Stops the digest worker: a put still hashing, or a multi-chunk put started afterwards, fails with
   * UNAVAILABLE. The backend stays open: its owner closes it.
   */
  async close(): Promise<void> {
    // An Abort's background drain first: what it leaves is the intent-expiry worker's after a restart.
    await mp.stopDrains(this.#core);
    await this.#core.close();
    await recordCleanStop(this.#core);
  }
}

/**
 * Orphans (stored chunk bytes without a row) appear when a process dies between a chunk's put and
 * its row, or when a write or GC delete fails (writer.orphansSuspected). A process that stops with
 * neither says so, and the next start skips the orphan sweep's walk over every chunk file (§13,
 * §17: 80,000 chunks took 1.3–5 s and mapped ~280 MiB of LMDB at each start). Best effort: a
 * store without the row is swept, as after a crash.
 */
async function recordCleanStop(core: Core): Promise<void> {
  if (core.writer.orphansSuspected || core.writer.inflight.size > 0) return;
  await core.backend.meta
    .transaction((tx) => tx.put(stateKey(CLEAN_STOP), encodeCleanStopRecord({ epoch: core.epoch, at: Math.floor(core.now()) })))
    .catch(() => undefined);
}

const CLEAN_STOP = 'clean-stop';

/** Load (or create at first start) the engine state and bump the process epoch. */
async function openState(backend: StorageBackend, o: EngineOptions): Promise<StateRecord & { cleanStart: boolean }> {
  return storage(backend.meta.transaction((tx) => {
    const k = stateKey('state');
    const raw = tx.get(k);
    const prev = raw ? decodeStateRecord(raw) : undefined;
    const next: StateRecord = {
      segmentId: o.segmentId ?? prev?.segmentId ?? randomInt(1, 0x10000),
      segmentGuid: prev?.segmentGuid ?? randomBytes(16).toString('hex'),
      nodeId: o.nodeId ?? prev?.nodeId ?? 1,
      epoch: (prev?.epoch ?? 0) + 1,
    };
    tx.put(k, encodeStateRecord(next));
    const now = (o.clock ?? systemClock).now();
    // The previous process's clean stop counts once: this one has not stopped yet. A new store
    // has nothing to sweep.
    const stop = tx.get(stateKey(CLEAN_STOP));
    const cleanStart = prev === undefined || (stop !== undefined && decodeCleanStopRecord(stop).epoch === prev.epoch);
    if (stop !== undefined) tx.del(stateKey(CLEAN_STOP));
    carryDerivedIndexes(tx, prev?.epoch, next.epoch, now);
    if (!derivedIndexReadyTx(tx, 'owner')) {
      buckets.rebuildOwnerIndex(tx);
      markDerivedIndexBuilt(tx, 'owner', next.epoch, now);
    }
    return { ...next, cleanStart };
  }));
}

/**
 * Open an engine over `backend`. Recovery needs no manual step: metadata is transactional, and
 * single-PUT intents of crashed processes (older epochs) are expired here so their chunks become
 * GC candidates; multipart intents survive.
 * @example
 * const engine = await createEngine(createMemoryBackend(), { holdMs: 0 });
 */
export async function createEngine(backend: StorageBackend, opts: EngineOptions = {}): Promise<Engine> {
  const o = resolveOptions(opts);
  const state = await openState(backend, opts);
  // One past the largest ts in use: this process's seq starts at random, so reusing that ts could
  // issue a UVID below one of the previous process's (a snapshot cut-off would then see it, §6).
  const floorTs = (await storage(feedFloorTs(backend.meta))) + 1n;
  const core = new Core(backend, o, { segmentId: state.segmentId, nodeId: state.nodeId, epoch: state.epoch, floorTs, cleanStart: state.cleanStart });
  // Through storage() as every method: its range scans let storage errors through raw.
  await storage(expireIntents(core, true));
  return new Engine(core);
}
