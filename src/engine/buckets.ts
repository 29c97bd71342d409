/**
 * Buckets (shared/spec/ccow.md §1, §17) and users (tenants, spec README §3). Bucket records are
 * cached by the Core; every change goes through a transaction that also appends a feed record.
 */
import { randomBytes } from 'node:crypto';
import { MAX_META_KEY_BYTES, type MetaTx } from '../storage/contract/index.js';
import type { BucketInfo, BucketStats, CreateBucketOptions, User, Versioning } from './api.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { appendFeed } from './feed.js';
import { forgetCutoffs } from './commit.js';
import { cloneMarkOf, decodeBucketRecord, decodeCounters, decodeSnapshotRecord, decodeUserRecord, decodeVersionRecord, encodeBucketRecord, encodeUserRecord, type BucketRecord, type UserRecord } from './format/records.js';
import { bucketKey, bucketPrefix, countersKey, NO_VALUE, ownerKey, ownerPrefix, prefixRange, quietKeyOfNiKey, T, userKey } from './keys.js';
import { MAX_CHUNK_SIZE, DEFAULT_CHUNK_SIZE } from './options.js';
import { bumpCounters } from './refs.js';
import { GROWS, storage } from './storage-errors.js';

/**
 * Public views already built, per record. Core caches a bucket's record and replaces it on every
 * change, so a view keyed by the record object is never stale; it is frozen (configs deeply) so it
 * can be handed to every request instead of a structuredClone per request (the S3 front end asks
 * for the bucket on each one).
 */
const views = new WeakMap<BucketRecord, BucketInfo>();

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Public view of a bucket record (frozen; shared between callers). */
export function toBucketInfo(r: BucketRecord): BucketInfo {
  let info = views.get(r);
  if (!info) {
    info = Object.freeze({ name: r.name, id: r.id, owner: r.owner, createdAt: new Date(r.createdAt), versioning: r.versioning, chunkSize: r.chunkSize, codec: r.codec, configs: deepFreeze(structuredClone(r.configs)) });
    views.set(r, info);
  }
  return info;
}

function checkChunkSize(core: Core, n: number): void {
  if (!Number.isSafeInteger(n) || n < core.o.minChunkSize || n > MAX_CHUNK_SIZE || n % 512 !== 0) {
    throw EngineErrors.INVALID_ARGUMENT(`chunk size must be a multiple of 512 in ${core.o.minChunkSize}..${MAX_CHUNK_SIZE}`);
  }
}

function checkCodec(c: unknown): void {
  if (c !== 'none' && c !== 'lz4' && c !== 'zstd') throw EngineErrors.INVALID_ARGUMENT(`unknown codec ${String(c)}`);
}

function bucketFeed(core: Core, name: string, tenant: string): Parameters<typeof appendFeed>[1][number] {
  return { op: 'bucket', bucket: name, tenant, viaIsgw: false, at: Math.floor(core.now() * 1000) };
}

/**
 * Create a bucket. `check` runs inside the creating transaction (a throw creates nothing): a bucket
 * clone checks there that its snapshot still exists (bucket-clone.ts).
 */
export async function createBucket(core: Core, name: string, opts: CreateBucketOptions, check?: (tx: MetaTx) => void): Promise<BucketInfo> {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkChunkSize(core, chunkSize);
  const codec = opts.codec ?? 'none';
  checkCodec(codec);
  const rec: BucketRecord = {
    name, id: randomBytes(16).toString('hex'), owner: opts.owner, createdAt: Math.floor(core.now()),
    versioning: 'Unversioned', chunkSize, codec, configs: structuredClone(opts.configs ?? {}),
  };
  await storage(core.backend.meta.transaction((tx) => {
    if (tx.get(bucketKey(name)) !== undefined) throw EngineErrors.BUCKET_EXISTS(`bucket ${name} exists`);
    check?.(tx);
    tx.put(bucketKey(name), encodeBucketRecord(rec));
    tx.put(ownerKey(rec.owner, name), NO_VALUE);
    bumpCounters(tx, Buffer.from(rec.id, 'hex'), {}, true);
    appendFeed(tx, [bucketFeed(core, name, rec.owner)]);
    core.cacheBucket(name, rec);
  }, GROWS)).catch((e: unknown) => {
    core.forgetBucket(name);
    throw e;
  });
  return toBucketInfo(rec);
}

/**
 * Delete an empty bucket: no version (quiet unversioned markers excepted, §1) and no upload. The
 * quiet markers, snapshots and counters go with it, in the one transaction that checks every row:
 * removed earlier, a page at a time, the markers were lost when a write landed meanwhile and the
 * bucket then stayed (review15), and §7.3's markers must outlive the feed retention in buckets ISGW
 * serves, or a late older write brings an object back. So a bucket of 50,000 markers (`aws s3 rb
 * --force` right after deleting every object) holds the event loop ~270 ms; a bucket that is not
 * empty is refused at its first live row.
 */
export async function deleteBucket(core: Core, name: string, opts: { bucketId?: string } = {}): Promise<void> {
  const b = await core.bucket(name, opts.bucketId);
  let gen = 0;
  await storage(core.backend.meta.transaction((tx) => {
    const raw = tx.get(bucketKey(name));
    if (!raw || decodeBucketRecord(raw).id !== b.rec.id) throw EngineErrors.NO_SUCH_BUCKET(`bucket ${name} does not exist`);
    for (const _ of tx.range({ ...prefixRange(bucketPrefix(T.UPLOAD, b.id)), limit: 1 })) throw EngineErrors.BUCKET_NOT_EMPTY('bucket has uploads in progress');
    const quiet: Uint8Array[] = [];
    for (const [k, v] of tx.range(prefixRange(bucketPrefix(T.NI, b.id)))) {
      if (!isQuiet(v)) throw EngineErrors.BUCKET_NOT_EMPTY(`bucket ${name} is not empty`);
      quiet.push(k);
    }
    const snapshots = [...tx.range(prefixRange(bucketPrefix(T.BSNAP, b.id)))];
    // A bucket clone filling from one of its snapshots needs it until it is done (bucket-clone.ts).
    // One look at the bucket records for all of them: one per snapshot read buckets × snapshots
    // rows in this write transaction (issue-3-many-snapshots).
    const clones = snapshots.length > 0 ? clonesOf(tx, b.rec.id) : new Map<string, string>();
    for (const [, v] of snapshots) {
      const clone = clones.get(decodeSnapshotRecord(v).name);
      if (clone !== undefined) throw EngineErrors.BUCKET_NOT_EMPTY(`bucket ${clone} is being cloned from a snapshot of ${name}`);
    }
    for (const k of quiet) {
      tx.del(k);
      tx.del(quietKeyOfNiKey(k));
    }
    for (const [k] of snapshots) tx.del(k);
    tx.del(countersKey(b.id));
    tx.del(bucketKey(name));
    tx.del(ownerKey(b.rec.owner, name));
    appendFeed(tx, [bucketFeed(core, name, b.rec.owner)]);
    gen = core.cacheBucket(name, null);
    forgetCutoffs(core, b.id);
  })).catch((e: unknown) => {
    core.forgetBucket(name);
    // A transaction that ran after this one's callback read its snapshot deletes: not to be kept.
    forgetCutoffs(core, b.id);
    throw e;
  });
  core.settleDelete(name, gen);
}

/**
 * The bucket clone filling from snapshot `snapshot` of the bucket with id `srcId`, if any, as seen
 * in `tx`: that snapshot and its bucket stay until the fill is done (snapshotDelete, deleteBucket).
 * A store has few buckets.
 */
export function cloneUsing(tx: MetaTx, srcId: string, snapshot: string): string | undefined {
  return clonesOf(tx, srcId).get(snapshot);
}

/** The bucket clones filling from snapshots of the bucket with id `srcId`, as seen in `tx`: snapshot name → clone. */
function clonesOf(tx: MetaTx, srcId: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [, v] of tx.range(prefixRange(Buffer.from([T.BUCKET])))) {
    const r = decodeBucketRecord(v);
    const m = cloneMarkOf(r);
    if (m && m.srcId === srcId && !out.has(m.snapshot)) out.set(m.snapshot, r.name);
  }
  return out;
}

/** A quiet marker of a never-versioned bucket that no snapshot keeps (§1: it does not make a bucket non-empty). */
function isQuiet(v: Uint8Array): boolean {
  const r = decodeVersionRecord(v);
  return r.deleted && r.quiet === true && !r.hidden;
}

export function getBucket(core: Core, name: string): Promise<BucketInfo | undefined> {
  // A cached bucket answers without an async hop (every request asks, authorisation first).
  const cached = core.cachedBucket(name);
  // A clone still filling is not there yet (bucket-clone.ts).
  if (cached !== undefined) return Promise.resolve(cached && !cached.cloning ? toBucketInfo(cached.rec) : undefined);
  return core.findBucket(name).then((b) => (b && !b.cloning ? toBucketInfo(b.rec) : undefined));
}

/**
 * The buckets of `owner` (all buckets when undefined), by name. An owner's come from the owner
 * index: reading every bucket record for each ListBuckets cost a user of 22 buckets 21–27 ms in a
 * store of 10^4 buckets.
 */
export async function listBuckets(core: Core, owner?: string): Promise<BucketInfo[]> {
  const out: BucketInfo[] = [];
  if (owner === undefined) {
    for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.BUCKET])))) {
      const r = decodeBucketRecord(v);
      if (cloneMarkOf(r) === undefined) out.push(toBucketInfo(r));
    }
    return out;
  }
  const prefix = ownerPrefix(owner);
  const names: string[] = [];
  for await (const [k] of core.backend.meta.range(prefixRange(prefix))) names.push(Buffer.from(k).subarray(prefix.length).toString('utf8'));
  for (const name of names) {
    // Deleted since the index was read, or (never here) another owner's: left out.
    const b = await core.findBucket(name);
    if (b && !b.cloning && b.rec.owner === owner) out.push(toBucketInfo(b.rec));
  }
  return out;
}

/**
 * Rebuild the owner index from the bucket table (derived.ts): at a start on a store whose index is
 * not complete (a new build on an older build's store, or an older build ran in between). One
 * transaction over the bucket table, at start only.
 */
export function rebuildOwnerIndex(tx: MetaTx): void {
  for (const [k] of [...tx.range(prefixRange(Buffer.from([T.OWNER])))]) tx.del(k);
  for (const [, v] of tx.range(prefixRange(Buffer.from([T.BUCKET])))) {
    const r = decodeBucketRecord(v);
    tx.put(ownerKey(r.owner, r.name), NO_VALUE);
  }
}

/**
 * Hex id → name of every bucket record, from one scan of the bucket table: for a worker that meets
 * rows of many buckets keyed by id (bucketById per bucket read the whole table each time).
 */
export async function bucketNamesById(core: Core): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.BUCKET])))) {
    const r = decodeBucketRecord(v);
    out.set(r.id, r.name);
  }
  return out;
}

/**
 * The bucket whose id is `id` (16 bytes), as a worker that found it in a row keyed by id needs it:
 * a scan of the bucket table (names are the keys). The bucket then under that name, which a caller
 * that must have the same one checks (`b.id`, or core.bucketInTx in its transaction).
 */
export async function bucketById(core: Core, id: Buffer): Promise<Bucket | undefined> {
  const hex = id.toString('hex');
  for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.BUCKET])))) {
    const r = decodeBucketRecord(v);
    if (r.id === hex) return core.findBucket(r.name);
  }
  return undefined;
}

function nextVersioning(cur: Versioning, v: unknown): Versioning {
  if (v === 'Enabled' || v === 'Suspended') return v;
  if (v === 'Unversioned' && cur === 'Unversioned') return cur;
  throw EngineErrors.INVALID_ARGUMENT(`versioning cannot become ${String(v)}`);
}

/**
 * Set or (value undefined) remove a configuration document. 'versioning' takes a Versioning;
 * 'codec' and 'chunkSize' change the layout of later writes (existing versions keep theirs).
 */
export async function putBucketConfig(core: Core, name: string, kind: string, value: unknown, opts: { bucketId?: string } = {}): Promise<BucketInfo> {
  const b = await core.bucket(name, opts.bucketId);
  const rec = await storage(core.backend.meta.transaction((tx) => {
    const raw = tx.get(bucketKey(name));
    const r = raw && decodeBucketRecord(raw);
    // The bucket the caller looked up (and was authorised on): not one re-created under its name since.
    if (!r || r.id !== b.rec.id) throw EngineErrors.NO_SUCH_BUCKET(`bucket ${name} does not exist`);
    if (kind === 'versioning') r.versioning = nextVersioning(r.versioning, value);
    else if (kind === 'codec') {
      checkCodec(value);
      r.codec = value as BucketRecord['codec'];
    } else if (kind === 'chunkSize') {
      checkChunkSize(core, value as number);
      r.chunkSize = value as number;
    } else if (value === undefined) delete r.configs[kind];
    else r.configs[kind] = structuredClone(value);
    tx.put(bucketKey(name), encodeBucketRecord(r));
    appendFeed(tx, [bucketFeed(core, name, r.owner)]);
    core.cacheBucket(name, r);
    return r;
  })).catch((e: unknown) => {
    core.forgetBucket(name);
    throw e;
  });
  return toBucketInfo(rec);
}

export async function bucketStats(core: Core, name: string): Promise<BucketStats> {
  const b = await core.bucket(name);
  const raw = await storage(core.backend.meta.get(countersKey(b.id)));
  const c = raw ? decodeCounters(raw) : { objects: 0, logicalBytes: 0, physicalBytes: 0 };
  return { objects: c.objects, logicalBytes: c.logicalBytes, physicalBytes: c.physicalBytes };
}

// ---- users ----

function toUser(r: ReturnType<typeof decodeUserRecord>): User {
  return { accessKey: r.accessKey, secretKey: r.secretKey, tenantId: r.tenantId, name: r.name, createdAt: new Date(r.createdAt) };
}

export async function putUser(core: Core, u: Omit<User, 'createdAt'> & { createdAt?: Date }): Promise<User> {
  if (!u.accessKey) throw EngineErrors.INVALID_ARGUMENT('access key must not be empty');
  const rec = { accessKey: u.accessKey, secretKey: u.secretKey, tenantId: u.tenantId, name: u.name, createdAt: (u.createdAt ?? new Date(core.now())).getTime() };
  core.usersGen++;
  core.users.delete(u.accessKey);
  try {
    await storage(core.backend.meta.transaction((tx) => tx.put(userKey(u.accessKey), encodeUserRecord(rec)), GROWS));
  } finally {
    core.usersGen++;
    core.users.delete(u.accessKey);
  }
  return toUser(rec);
}

/** The user of an access key (cached: Core.users; every signed request asks). */
export function getUser(core: Core, accessKey: string): Promise<User | undefined> {
  // A cached user answers without an async hop (every signed request asks).
  const rec = accessKey ? core.users.get(accessKey) : undefined;
  return rec !== undefined ? Promise.resolve(toUser(rec)) : readUser(core, accessKey);
}

/**
 * Whether a user can have this access key: not empty, and its row's key within what a store holds
 * (a longer one could never have been written; asked of the store, it throws a TypeError). A
 * signed request carries whatever access key its client sends (issue-4-long-access-key).
 */
function storableAccessKey(accessKey: string): boolean {
  return accessKey !== '' && userKey(accessKey).length <= MAX_META_KEY_BYTES;
}

async function readUser(core: Core, accessKey: string): Promise<User | undefined> {
  if (!storableAccessKey(accessKey)) return undefined;
  let rec = core.users.get(accessKey);
  if (rec === undefined) {
    const gen = core.usersGen;
    const raw = await storage(core.backend.meta.get(userKey(accessKey)));
    if (!raw) return undefined;
    rec = decodeUserRecord(raw);
    // Unknown keys are not remembered (made-up keys must not evict real users), nor is a read that
    // a putUser/deleteUser overlapped (it may predate that change).
    if (gen === core.usersGen) core.users.set(accessKey, rec);
  }
  return toUser(rec);
}

/** Every user, in access-key order (kept in memory until a user changes: Core.userTable). */
export async function listUsers(core: Core): Promise<User[]> {
  let t = core.userTable;
  if (t === undefined || t.gen !== core.usersGen) {
    const gen = core.usersGen;
    const recs: UserRecord[] = [];
    for await (const [, v] of core.backend.meta.range(prefixRange(Buffer.from([T.USER])))) recs.push(decodeUserRecord(v));
    t = { gen, recs };
    // Not kept when a putUser/deleteUser overlapped the read (it may predate that change).
    if (gen === core.usersGen) core.userTable = t;
  }
  return t.recs.map(toUser);
}

export async function deleteUser(core: Core, accessKey: string): Promise<boolean> {
  if (!storableAccessKey(accessKey)) return false;
  core.usersGen++;
  core.users.delete(accessKey);
  try {
    return await storage(core.backend.meta.transaction((tx) => {
      const k = userKey(accessKey);
      if (tx.get(k) === undefined) return false;
      tx.del(k);
      return true;
    }));
  } finally {
    core.usersGen++;
    core.users.delete(accessKey);
  }
}
