/**
 * Shared state of one engine instance: the backend, options, UVID issuer, locks, the chunk writer,
 * the digest worker and small caches. Every engine module works on a `Core`; the `Engine` class is
 * only the facade over them.
 */
import { randomBytes } from 'node:crypto';
import { chunkIdHex, chunkIdOf, compareBytes, fromHex, type ChunkId } from '../common/index.js';
import type { ChunkGetOptions, MetaTx, StorageBackend } from '../storage/contract/index.js';
import { BufferPool } from './buffer-pool.js';
import { ByteBudget } from './budget.js';
import { ChunkWriter, type Intent } from './chunk-writer.js';
import { DigestPool } from './digest-pool.js';
import { EngineErrors } from './errors.js';
import { decodeCm, type ChunkManifest } from './format/cm.js';
import { cloneMarkOf, decodeBucketRecord, embeddedVmOf, type BucketRecord, type UserRecord, type VersionRecord } from './format/records.js';
import { decodeVm, type VersionManifest } from './format/vm.js';
import { blobKey, bucketKey, encodeObjectKey, niKey } from './keys.js';
import { KeyedLock } from './locks.js';
import type { ResolvedOptions } from './options.js';
import { quarantineChunk } from './quarantine.js';
import { RecentReads } from './recent-reads.js';
import { storage } from './storage-errors.js';
import { UvidIssuer, type Clock } from './uvid.js';

/** A bucket as the engine works with it: the record and its id as bytes. */
export interface Bucket {
  rec: BucketRecord;
  id: Buffer;
  /** A bucket clone still filling (records.ts CLONE_MARK): lookups by name do not find it. */
  cloning: boolean;
}

/**
 * A copy in memory of its own: Buffer.from would cut a small one from Node's shared 8 KiB pool, and
 * a cached manifest would then pin that whole pool.
 */
function compactCopy(b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  out.set(b);
  return out;
}

/** Largest embedded VM (bytes) the VM cache keeps; larger ones carry inline data. */
const EMBEDDED_VM_CACHE_MAX = 1024;

/** Names without a bucket remembered (~150 bytes each). */
const ABSENT_BUCKETS_CACHED = 4096;

/** Small LRU map (insertion order = recency). */
class Lru<V> {
  readonly #m = new Map<string, V>();
  readonly #cap: number;
  constructor(cap: number) {
    this.#cap = cap;
  }
  get(k: string): V | undefined {
    const v = this.#m.get(k);
    if (v !== undefined) {
      this.#m.delete(k);
      this.#m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.#m.delete(k);
    this.#m.set(k, v);
    if (this.#m.size > this.#cap) this.#m.delete(this.#m.keys().next().value!);
  }
  delete(k: string): void {
    this.#m.delete(k);
  }
}

export class Core {
  readonly backend: StorageBackend;
  readonly o: ResolvedOptions;
  readonly clock: Clock;
  readonly segmentId: number;
  readonly nodeId: number;
  readonly epoch: number;
  readonly uvids: UvidIssuer;
  /** Per chunk id (hex): ChunkStore.put + record vs GC row delete + unlink (§13). */
  readonly chunkLocks = new KeyedLock();
  /** The turn of large writers' CM stores and commits, one at a time (write-path.ts largeCommitTurn). */
  readonly largeCommits = new KeyedLock();
  readonly writer: ChunkWriter;
  readonly pool: DigestPool | undefined;
  /** Reused chunk buffers (fresh memory is expensive to touch; see buffer-pool.ts). */
  /** Chunk buffers of puts (their 1 MiB chunks: ~64 kept). */
  readonly buffers = new BufferPool({ shared: true, aligned: true, maxFreeBytes: 64 * 1024 * 1024 });
  /** Bytes of chunks in flight across all puts (EngineOptions.putBudget). */
  readonly putBudget: ByteBudget;
  /** Bytes streaming reads hold beyond their base read-ahead (EngineOptions.readBudget). */
  readonly readBudget: ByteBudget;
  /** Long reads done lately: a repeat goes through the page cache (recent-reads.ts). */
  readonly recentReads = new RecentReads();
  /** Buffers lent to readers (ReadOptions.lend). */
  readonly readBuffers = new BufferPool({ shared: false, maxFreeBytes: 32 * 1024 * 1024, classSize: 64 * 1024 });
  /**
   * Buckets by name: every bucket looked up, and every change a transaction recorded (cacheBucket;
   * null: deleted). Bounded by the buckets that exist, never by what clients ask for: lookups of
   * names that do not exist, and deletes once committed, go to #absent.
   */
  readonly #buckets = new Map<string, Bucket | null>();
  /**
   * Names a lookup found no bucket under (a bounded LRU). Anonymous requests name any bucket they
   * like: kept in #buckets, 100,000 HEADs of random names grew the gateway by ~14 MiB, without end.
   * Only plain reads and committed deletes land here (settleDelete) — a delete's null stays in
   * #buckets while it is pending, so a commit can never see an evicted entry and re-read a name
   * whose delete is not yet committed.
   */
  readonly #absent = new Lru<null>(ABSENT_BUCKETS_CACHED);
  /** Bumped by every recorded bucket change: a lookup caches what it read only if none came meanwhile. */
  #bucketGen = 0;
  readonly #salt = randomBytes(4);
  #intentSeq = 0;
  readonly #vms: Lru<VersionManifest>;
  readonly #cms: Lru<ChunkManifest>;
  /**
   * Users by access key. Every signed request reads its user, and the
   * engine is the only writer of user records (the data dir is locked to one process), so
   * putUser/deleteUser keep this exact.
   */
  readonly users = new Lru<UserRecord>(1024);
  /** Bumped by every user change: a lookup that a change overlapped is not cached. */
  usersGen = 0;
  /**
   * Every user record, as `listUsers` last read them, valid while `usersGen` is still `gen`. The
   * S3 layer asks for the whole table per request to resolve grantees and owner names (CreateBucket,
   * a PUT with an ACL, Get/Put*Acl): 1,000 rows per request with 1,000 users.
   */
  userTable: { gen: number; recs: UserRecord[] } | undefined;
  /**
   * Snapshot cut-offs by bucket id (hex), as commit.ts `snapshotCutoffs` read them inside a
   * transaction. Every purge asks, and reading a bucket's snapshot rows each time made an overwrite
   * in an unversioned bucket or a delete by version id cost every snapshot of the bucket
   * (issue-3-many-snapshots). The engine is the only writer of snapshot rows (the data dir is
   * locked to one process): snapshotCreate/snapshotDelete/deleteBucket drop the entry inside their
   * transaction, so the next transaction reads the rows again, and once more when theirs settled
   * (a failed commit must not leave what a transaction read through its writes).
   */
  readonly cutoffs = new Lru<readonly Buffer[]>(1024);

  constructor(backend: StorageBackend, o: ResolvedOptions, ids: { segmentId: number; nodeId: number; epoch: number; floorTs: bigint; cleanStart?: boolean }) {
    this.backend = backend;
    this.o = o;
    this.clock = o.clock;
    this.segmentId = ids.segmentId;
    this.nodeId = ids.nodeId;
    this.epoch = ids.epoch;
    const onSkew = o.onClockSkew;
    this.uvids = new UvidIssuer({
      clock: o.clock,
      segmentId: ids.segmentId,
      nodeId: ids.nodeId,
      floorTs: ids.floorTs,
      ...(onSkew ? { onSkew: (behindUs: bigint, ts: bigint) => onSkew({ behindMs: Number(behindUs / 1000n), aheadAt: Number(ts / 1000n) }) } : {}),
    });
    this.writer = new ChunkWriter(backend, o.clock, this.chunkLocks);
    // After anything but a clean stop of the previous process (engine.ts `clean-stop`), orphans
    // may be there until a sweep of this process has looked: the orphan sweep runs at once (gc.ts),
    // and this process's own close records no clean stop before (an admin command opening the
    // store after a crash must not hide the crash from the next start).
    this.writer.orphansSuspected = !(ids.cleanStart ?? false);
    this.pool = o.digestWorker ? new DigestPool() : undefined;
    this.putBudget = new ByteBudget(o.putBudget);
    this.readBudget = new ByteBudget(o.readBudget);
    this.#vms = new Lru(o.vmCacheSize);
    this.#cms = new Lru(256);
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * A new intent owned by this process (§9). Its record is written with its first chunk. The id is
   * epoch ‖ counter ‖ a per-process random salt: unique across restarts without a random draw per
   * put (most small puts never write their intent at all).
   */
  newIntent(kind: Intent['kind']): Intent {
    const id = Buffer.allocUnsafe(16);
    id.writeUInt32BE(this.epoch >>> 0, 0);
    id.writeDoubleBE(++this.#intentSeq, 4);
    this.#salt.copy(id, 12);
    return { id, kind, epoch: this.epoch, lease: this.o.intentLeaseMs, renewedAt: 0, createdAt: this.now() };
  }

  /** The cached bucket (null: cached as absent), or undefined when the cache does not know. */
  cachedBucket(name: string): Bucket | null | undefined {
    // Not `??`: a delete's null in #buckets is an answer (the bucket is gone), not "unknown".
    const c = this.#buckets.get(name);
    return c !== undefined ? c : this.#absent.get(name);
  }

  /** Remember what a read found under `name` (absent names in the bounded #absent). */
  #remember(name: string, b: Bucket | null): void {
    if (b) this.#buckets.set(name, b);
    else if (this.#buckets.has(name)) this.#buckets.set(name, null);
    else this.#absent.set(name, null);
  }

  /** The bucket or undefined (cached; the engine is the only writer of bucket records). */
  async findBucket(name: string): Promise<Bucket | undefined> {
    const c = this.cachedBucket(name);
    if (c !== undefined) return c ?? undefined;
    const gen = this.#bucketGen;
    const raw = await storage(this.backend.meta.get(bucketKey(name)));
    const b = raw ? toBucket(decodeBucketRecord(raw)) : null;
    // Cached only if no bucket change was recorded while the read was out: a DeleteBucket that
    // committed meanwhile cached "gone", and caching what was read before it would bring the
    // bucket back for every later call — commits included (bucketInTx trusts the cache).
    if (this.#bucketGen === gen) this.#remember(name, b);
    return b ?? undefined;
  }

  /** The bucket or NO_SUCH_BUCKET. */
  bucket(name: string, id?: string): Promise<Bucket> {
    // A cached bucket answers without a second async hop (every object operation asks).
    const c = this.#buckets.get(name);
    if (c) return (id === undefined || c.rec.id === id) && !c.cloning ? Promise.resolve(c) : this.#bucketSlow(name, id);
    return this.#bucketSlow(name, id);
  }

  async #bucketSlow(name: string, id?: string): Promise<Bucket> {
    const b = await this.findBucket(name);
    // `id`: the bucket the caller authorised its request on (ObjectAddr.bucketId), not another one
    // created under the name since. A clone still filling is not there yet (bucket-clone.ts).
    if (!b || (id !== undefined && b.rec.id !== id) || b.cloning) throw EngineErrors.NO_SUCH_BUCKET(`bucket ${name} does not exist`);
    return b;
  }

  /**
   * Record a bucket change. Called *inside* the transaction that makes it, so that every later
   * transaction (they run in commit order) sees it through `bucketInTx`; `forgetBucket` undoes it
   * if that transaction then fails.
   */
  cacheBucket(name: string, rec: BucketRecord | null): number {
    this.#absent.delete(name);
    this.#buckets.set(name, rec ? toBucket(rec) : null);
    return ++this.#bucketGen;
  }

  /**
   * A bucket delete recorded by `cacheBucket` (which returned `gen`) has committed: its null may
   * now be forgotten like any absent name, unless another bucket change was recorded since (that
   * one may still be pending). Without this, every name ever deleted stayed in #buckets.
   */
  settleDelete(name: string, gen: number): void {
    if (this.#bucketGen !== gen || this.#buckets.get(name) !== null) return;
    this.#buckets.delete(name);
    this.#absent.set(name, null);
  }

  /** Drop a cached bucket (it is re-read on next use). */
  forgetBucket(name: string): void {
    this.#bucketGen++;
    this.#absent.delete(name);
    this.#buckets.delete(name);
  }

  /**
   * The bucket as of this transaction: a commit must not land in a bucket deleted (or re-created)
   * since the caller looked it up, and must use the versioning state in force now (§7.3).
   */
  bucketInTx(tx: MetaTx, b: Bucket): Bucket {
    let cur = this.cachedBucket(b.rec.name);
    if (cur === undefined) {
      const raw = tx.get(bucketKey(b.rec.name));
      cur = raw ? toBucket(decodeBucketRecord(raw)) : null;
      this.#remember(b.rec.name, cur);
    }
    if (!cur || cur.rec.id !== b.rec.id) throw EngineErrors.NO_SUCH_BUCKET(`bucket ${b.rec.name} does not exist`);
    return cur;
  }

  /** Load and verify a VM (§5: every manifest is hash-checked on read). */
  async loadVm(id: Uint8Array): Promise<VersionManifest> {
    const hex = chunkIdHex(id as ChunkId);
    const hit = this.#vms.get(hex);
    if (hit) return hit;
    const vm = decodeVm(await this.loadBlob(id, 'version manifest'));
    this.#vms.set(hex, vm);
    return vm;
  }

  /** Load and verify a CM. */
  loadCm = async (id: ChunkId): Promise<ChunkManifest> => {
    const hex = chunkIdHex(id);
    const hit = this.#cms.get(hex);
    if (hit) return hit;
    const cm = decodeCm(await this.loadBlob(id, 'chunk manifest'));
    this.#cms.set(hex, cm);
    return cm;
  };

  /**
   * The VM of a version record: from the chunk tables, or for an embedded VM (`vmEmbedded`) from
   * the version's own name-index value. Embedded VMs come back with their bytes (a COPY re-embeds them).
   */
  async loadVersionVm(bucketId: Uint8Array, key: string, rec: VersionRecord, opts: { bytes?: boolean } = {}): Promise<{ vm: VersionManifest; bytes?: Buffer }> {
    const id = fromHex(rec.vmId!);
    if (!rec.vmEmbedded) return { vm: await this.loadVm(id) };
    // A cached VM was hash-checked when it was decoded and is named by its id, so a hit needs
    // neither the stored bytes nor a second check; only a COPY (which re-embeds them) reads them.
    const hit = opts.bytes ? undefined : this.#vms.get(rec.vmId!);
    if (hit) return { vm: hit };
    const raw = await storage(this.backend.meta.get(niKey(bucketId, encodeObjectKey(key), fromHex(rec.uvid))));
    // No entry: the version was purged since `rec` was read (an overwrite or a delete in a
    // never-versioned or suspended bucket) — gone, not damaged; resolve.ts headVersion reads again.
    if (!raw) throw EngineErrors.NO_SUCH_VERSION(`version ${rec.uvid} of ${key} was purged while it was read`);
    const bytes = embeddedVmOf(raw);
    if (!bytes) throw EngineErrors.CHUNK_MISSING(`embedded version manifest ${rec.vmId} is missing`);
    return { vm: this.embeddedVm(rec, bytes), bytes };
  }

  /** The VM of `rec` from its embedded bytes (already read), verified against the id and cached as loadVersionVm does. */
  embeddedVm(rec: VersionRecord, bytes: Buffer): VersionManifest {
    if (compareBytes(chunkIdOf(bytes), fromHex(rec.vmId!)) !== 0) throw EngineErrors.CHUNK_CORRUPT(`embedded version manifest ${rec.vmId} does not match its id`);
    let vm = this.#vms.get(rec.vmId!);
    if (!vm && bytes.length <= EMBEDDED_VM_CACHE_MAX) {
      // Decoded from a compact copy: the cached VM must not pin the store's buffer (value-slab).
      vm = decodeVm(compactCopy(bytes));
      this.#vms.set(rec.vmId!, vm);
    }
    // An embedded VM with inline data (~4 KiB of views into the value) is not cached: re-reading
    // it (one get, one hash) costs less than copying it to keep.
    return vm ?? decodeVm(bytes);
  }

  /**
   * Manifest bytes, verified against their id: a compact copy, since decoded manifests are cached
   * and keep views into these bytes (a store's value may be a piece of a larger slab).
   */
  async loadBlob(id: Uint8Array, what: string): Promise<Buffer> {
    const raw = await storage(this.backend.meta.get(blobKey(id)));
    if (!raw) throw EngineErrors.CHUNK_MISSING(`${what} ${chunkIdHex(id as ChunkId)} is missing`);
    if (compareBytes(chunkIdOf(raw), id) !== 0) throw EngineErrors.CHUNK_CORRUPT(`${what} ${chunkIdHex(id as ChunkId)} does not match its id`);
    return compactCopy(raw);
  }

  /**
   * Payload bytes of chunk `id`, verified (§5): a mismatch is CHUNK_CORRUPT, never served, unless
   * the store holds a good copy too (then that is served). A damaged or missing chunk is quarantined
   * first (quarantine.ts), so that a new put of the same content stores it again.
   */
  async loadChunk(id: ChunkId, alloc?: (size: number) => Buffer, streaming = false): Promise<Uint8Array> {
    const opts: ChunkGetOptions = {};
    if (alloc) opts.alloc = alloc;
    if (streaming) opts.streaming = true;
    let raw: Uint8Array;
    try {
      raw = await storage(this.backend.chunks.get(id, opts));
    } catch (e) {
      if (EngineErrors.CHUNK_MISSING.is(e) || EngineErrors.CHUNK_CORRUPT.is(e)) await quarantineChunk(this, id, 'read');
      throw e;
    }
    if (compareBytes(chunkIdOf(raw), id) !== 0) {
      // The store may hold another, good copy (ChunkGetOptions.verify): the quarantine looks for
      // one and leaves a chunk that has one alone; then read that copy.
      if (!(await quarantineChunk(this, id, 'read'))) {
        const again = await storage(this.backend.chunks.get(id, { ...opts, verify: true })).catch(() => undefined);
        if (again && compareBytes(chunkIdOf(again), id) === 0) return again;
      }
      throw EngineErrors.CHUNK_CORRUPT(`chunk ${chunkIdHex(id)} does not match its id`);
    }
    return raw;
  }

  /** Forget cached manifests (GC deleted them). */
  forgetManifest(id: Uint8Array): void {
    const hex = chunkIdHex(id as ChunkId);
    this.#vms.delete(hex);
    this.#cms.delete(hex);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

function toBucket(rec: BucketRecord): Bucket {
  return { rec, id: fromHex(rec.id), cloning: cloneMarkOf(rec) !== undefined };
}
