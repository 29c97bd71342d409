/**
 * The Engine facade's public shapes (shared/spec/ccow.md §1). The S3 and S3X layers code against
 * `EngineApi`; `Engine` (engine/engine.ts) implements it. Changing a shape here is a cross-layer
 * change: update both sides in one commit.
 */

/** Bucket versioning state as S3 names it (ccow.md §7.3). */
export type Versioning = 'Unversioned' | 'Enabled' | 'Suspended';

/** Per-bucket chunk codec (ccow.md §3). */
export type Codec = 'none' | 'lz4' | 'zstd';

/** Object checksum algorithms (s3-surface.md §5.1). */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

/** A stored checksum: base64 of the big-endian digest; COMPOSITE values end in `-N`. */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  type: 'FULL_OBJECT' | 'COMPOSITE';
  value: string;
}

/** Digests the engine can compute while streaming a put, in the same pass. */
export type DigestName = 'md5' | 'sha1' | 'sha256' | 'crc32' | 'crc32c' | 'crc64nvme';

/** Digests of a put body; raw bytes (big-endian for CRCs). `md5` is always present. */
export type PutDigests = { size: number; md5: Buffer } & Partial<Record<Exclude<DigestName, 'md5'>, Buffer>>;

/** A tenant: the owner of buckets (spec README §3). */
export interface User {
  accessKey: string;
  secretKey: string;
  /** 64 lowercase hex; the S3 Owner/ID. */
  tenantId: string;
  name: string;
  createdAt: Date;
}

/** Bucket record as the S3 layer sees it. */
export interface BucketInfo {
  name: string;
  /** 32 hex, new for every creation of the name. */
  id: string;
  owner: string;
  createdAt: Date;
  versioning: Versioning;
  chunkSize: number;
  codec: Codec;
  /** Free-form configuration documents by kind (cors, policy, acl, tagging, lifecycle…), as the S3 layer stored them. */
  configs: Record<string, unknown>;
}

/**
 * The bucket config `lifecycle` as the S3 layer stores it (PutBucketLifecycleConfiguration,
 * s3-surface.md §3) and the lifecycle worker reads it (ccow.md §17). Tagged `v: 1`; golden
 * fixture test/fixtures/s3/stored-lifecycle-v1.json. All conditions of a filter must hold; days
 * are whole days; `date` is ISO 8601 at midnight UTC.
 */
export interface LifecycleConfig {
  v: 1;
  rules: LifecycleRule[];
}

/** One lifecycle rule (a `Disabled` rule is kept but not applied). */
export interface LifecycleRule {
  id?: string;
  status: 'Enabled' | 'Disabled';
  filter: { prefix?: string; tags?: Record<string, string>; objectSizeGreaterThan?: number; objectSizeLessThan?: number };
  /** Current versions: expire after `days` / on `date`; or remove expired delete markers. */
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  /** Noncurrent versions: expire `noncurrentDays` after becoming noncurrent, keeping the newest `newerNoncurrentVersions`. */
  noncurrentVersionExpiration?: { noncurrentDays?: number; newerNoncurrentVersions?: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/** Options of createBucket. */
export interface CreateBucketOptions {
  owner: string;
  /** 4 KiB … 8 MiB, default 1 MiB. */
  chunkSize?: number;
  codec?: Codec;
  configs?: Record<string, unknown>;
}

/** Address of an object. */
export interface ObjectAddr {
  bucket: string;
  key: string;
  /**
   * The id (BucketInfo.id) of the bucket the caller looked up and authorised the request on: a write
   * then fails with NO_SUCH_BUCKET if the name has since come to name another bucket (deleted and
   * re-created, by anyone, while a request body was still arriving). Absent: whichever bucket has
   * the name when the call looks it up.
   */
  bucketId?: string;
}

/** One multipart part as recorded in the VM (for partNumber reads and GetObjectAttributes). */
export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  checksum?: StoredChecksum;
}

/** What a head/read/put returns about one version (version record + VM attributes). */
export interface ObjectVersion {
  bucket: string;
  key: string;
  /** S3 version id: base32hex of the UVID (26 chars), or 'null' for a null version. */
  versionId: string;
  /** The real id (26 chars) even for null versions. */
  uvid: string;
  generation: number;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  /** Quoted S3 ETag, e.g. `"9e107d9d372bb6826bd81d3542a419d6"` or `"…-3"`. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  userMeta: Record<string, string>;
  /** cache-control, content-disposition, content-encoding, content-language, expires, … */
  sysMeta: Record<string, string>;
  storageClass: string;
  checksum?: StoredChecksum;
  /** Algorithm and type of the checksum, from the version record: known in listings, which read no VM. */
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  /**
   * Read-only and frozen: one array per cached VM, shared by every HEAD/GET of the version
   * (resolve.ts toObjectVersion); rebuilt per request it cost a 10^4-part object ~0.3 ms each.
   */
  parts?: readonly Readonly<PartInfo>[];
  tags?: Record<string, string>;
  acl?: unknown;
  /** Hex VM id (absent for delete markers). */
  vmId?: string;
}

/** Write-time attributes of a new version. */
export interface VersionAttrs {
  contentType?: string;
  userMeta?: Record<string, string>;
  sysMeta?: Record<string, string>;
  storageClass?: string;
  tags?: Record<string, string>;
  acl?: unknown;
}

/** Commit conditions evaluated under the per-object commit lock (s3-surface.md §4.2). */
export interface CommitCondition {
  /** '*' : fail when a current object exists. */
  ifNoneMatch?: '*';
  /** Quoted or unquoted ETag the current object must have (absent object → NO_SUCH_KEY). */
  ifMatch?: string;
}

/** Options of putObject. */
export interface PutOptions extends VersionAttrs {
  /** Store this algorithm's FULL_OBJECT checksum with the version (computed while streaming). */
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Further digests to compute in the same pass (e.g. sha256 to check x-amz-content-sha256). */
  digests?: DigestName[];
  /** The body must have exactly this many bytes (else ENGINE INCOMPLETE_BODY, nothing committed). */
  expectedSize?: number;
  /** Refuse bodies over this many bytes (ENTITY_TOO_LARGE). */
  maxSize?: number;
  /** Called after the body ended, before the commit; throw to abort (nothing becomes visible). */
  verify?: (d: PutDigests) => void | Promise<void>;
  condition?: CommitCondition;
}

/** Read selection. */
export interface ReadOptions {
  versionId?: string;
  offset?: number;
  /** Bytes from offset; default to the end. */
  length?: number;
  /** Read through a bucket snapshot's view (ccow.md §10) instead of the live bucket. */
  snapshot?: string;
  /**
   * Read chunks into reused buffers: each yielded piece stays valid until the consumer has asked for
   * the piece after the next one, or ends the iteration (copy it to keep it). For consumers that
   * have at most two pieces in use, e.g. an HTTP response that writes a piece, pulls the next and
   * waits for the first write's callback before pulling again.
   */
  lend?: boolean;
}

/** Result of read(): the version and its (possibly ranged) bytes, streamed with back-pressure. */
export interface ReadResult {
  version: ObjectVersion;
  /** Each chunk is BLAKE3-verified before it is yielded; corruption throws CHUNK_CORRUPT. */
  body: AsyncIterable<Uint8Array>;
  /**
   * The same bytes as `body`, when the engine already holds them in memory (an object stored
   * inline in its manifest, ccow.md §3): a caller may send these and drop `body` (nothing to close).
   */
  bytes?: Uint8Array;
}

/** Result of deleteObject. */
export interface DeleteResult {
  /** Version id of the new delete marker, or of the purged version. */
  versionId?: string;
  deleteMarker: boolean;
}

/** Options of listObjects (scan of the current-version table). */
export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  /** Exclusive start key. When it is a common prefix under `delimiter`, every key under it is skipped. */
  startAfter?: string;
  limit: number;
  /** List a bucket snapshot's view (ccow.md §10): for each key the newest entry at or before the cut-off. */
  snapshot?: string;
}

/** One current object in a listing. */
export interface ListEntry {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  /** The version's `acl` as the protocol layer stored it (listings show the object's owner from it). */
  acl?: unknown;
}

/** A page of listObjects. `next` is the last key or common prefix emitted when truncated. */
export interface ListPage {
  entries: ListEntry[];
  commonPrefixes: string[];
  truncated: boolean;
  next?: { key: string; isPrefix: boolean };
}

/** Options of listVersions (scan of the name index). */
export interface ListVersionsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  /** 'null' or a version id; needs keyMarker. */
  versionIdMarker?: string;
  limit: number;
}

/** A page of listVersions; entries in key order, a key's versions newest first. */
export interface VersionsPage {
  entries: ObjectVersion[];
  commonPrefixes: string[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** A multipart upload. */
export interface UploadInfo {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: Date;
  attrs: VersionAttrs;
  /** Who created the upload, as the protocol layer named it (absent for uploads recorded before it was kept). */
  initiator?: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
}

/** One uploaded part. */
export interface UploadedPart {
  partNumber: number;
  size: number;
  /** Quoted MD5 ETag. */
  etag: string;
  lastModified: Date;
  checksum?: StoredChecksum;
}

/** What a completed upload answered (a retried Complete with the same parts gets it again). */
export interface CompletedUpload {
  key: string;
  versionId: string;
  etag: string;
  checksum?: StoredChecksum;
}

/** Part list entry of completeUpload. */
export interface CompletePart {
  partNumber: number;
  etag: string;
  /** Checksum value the client listed for the part (base64), if any. */
  checksum?: string;
}

/** Byte counters of a bucket (ccow.md §17). */
export interface BucketStats {
  objects: number;
  logicalBytes: number;
  physicalBytes: number;
}

/** One change-feed record (ccow.md §14). */
export interface FeedRecord {
  seq: bigint;
  op: 'version' | 'purge' | 'meta' | 'bucket';
  /** The bucket's owner when the record was written (absent in records written before it was kept). */
  tenant?: string;
  bucket: string;
  key?: string;
  uvid?: string;
  vmId?: string;
  generation?: number;
  deleted?: boolean;
  size?: number;
  etag?: string;
  /** The segment that created the version's generation 1 (version and purge records). */
  originSegment?: number;
  /** Applied from another segment by ISGW (isgw.md §4). */
  viaIsgw: boolean;
  /** µs. */
  at: number;
}

/** A bucket snapshot (ccow.md §10). */
export interface SnapshotInfo {
  bucket: string;
  name: string;
  uvid: string;
  createdAt: Date;
}

/** fsck report (ccow.md §9 audit). Clean when every list is empty. */
export interface FsckReport {
  chunksChecked: number;
  missing: string[];
  corrupt: string[];
  leaked: string[];
  danglingRefs: string[];
  /**
   * Back-references a live parent implies but the chunk does not hold (`chunk<-kind:referrer`): a
   * version's `ver:` on its VM, a manifest's `vm:`/`cm:` on its children, an intent's on its
   * members and on its upload's part chunks (ccow.md §9). GC would delete such a chunk while it is
   * in use once its other references went.
   */
  missingRefs: string[];
  /**
   * The versions that cannot be read because a chunk below them is missing or corrupt (ccow.md
   * §13: "the object is listed in the damage report"), in bucket, key order.
   */
  damaged: { bucket: string; key: string; versionId: string }[];
  /**
   * Rows a derived index (the owner and quiet-marker indexes, src/engine/derived.ts) lacks or has
   * too many, when it is recorded complete: `<index>: missing …` or `<index>: stale row <hex>`.
   */
  indexErrors: string[];
}

/** Background job (ccow.md §17). */
export interface Worker {
  readonly name: string;
  step(): Promise<'busy' | 'idle'>;
  /**
   * Whether work came due since the worker last said idle, other than by its own pacing: candidates
   * another worker's or a request's release made due (GC), orphans suspected after a failed write
   * (orphan sweep). Synchronous and without I/O: a runner asks it of every idle worker each round,
   * and otherwise steps an idle worker again only after its idle pause (src/cli/workers.ts).
   */
  readonly due?: () => boolean;
}

/** The engine facade as the protocol layers use it. */
export interface EngineApi {
  // users (tenants)
  putUser(u: Omit<User, 'createdAt'> & { createdAt?: Date }): Promise<User>;
  getUser(accessKey: string): Promise<User | undefined>;
  listUsers(): Promise<User[]>;
  deleteUser(accessKey: string): Promise<boolean>;

  // buckets
  createBucket(name: string, opts: CreateBucketOptions): Promise<BucketInfo>;
  /** BUCKET_NOT_EMPTY when any version or upload exists. */
  /** `bucketId`: as ObjectAddr.bucketId (NO_SUCH_BUCKET when the name now names another bucket). */
  deleteBucket(name: string, opts?: { bucketId?: string }): Promise<void>;
  getBucket(name: string): Promise<BucketInfo | undefined>;
  listBuckets(owner?: string): Promise<BucketInfo[]>;
  /** Set (or with `undefined`, remove) a configuration document; 'versioning' takes a Versioning. */
  /** `bucketId`: as ObjectAddr.bucketId (NO_SUCH_BUCKET when the name now names another bucket). */
  putBucketConfig(name: string, kind: string, value: unknown, opts?: { bucketId?: string }): Promise<BucketInfo>;
  bucketStats(name: string): Promise<BucketStats>;

  // objects
  putObject(addr: ObjectAddr, body: AsyncIterable<Uint8Array>, opts?: PutOptions): Promise<ObjectVersion>;
  /** NO_SUCH_KEY (with the marker's version when the head is a delete marker), NO_SUCH_VERSION. */
  head(addr: ObjectAddr, opts?: { versionId?: string; snapshot?: string }): Promise<ObjectVersion>;
  read(addr: ObjectAddr, opts?: ReadOptions): Promise<ReadResult>;
  /** `acl`: stored with a new delete marker (who created it); ignored when a version is purged. */
  deleteObject(addr: ObjectAddr, opts?: { versionId?: string; condition?: CommitCondition; acl?: unknown }): Promise<DeleteResult>;
  /**
   * New version of dst sharing src's VM (COPY) or a new VM with src's refs and `replace` attrs.
   * `checksumAlgorithm` (CopyObject `x-amz-checksum-algorithm`): the copy stores a FULL_OBJECT
   * checksum of that algorithm, computed by reading the source unless it already has one; chunks
   * are shared either way.
   */
  copyObject(
    src: ObjectAddr & { versionId?: string },
    dst: ObjectAddr,
    opts?: { replace?: VersionAttrs; tags?: Record<string, string>; acl?: unknown; condition?: CommitCondition; checksumAlgorithm?: ChecksumAlgorithm },
  ): Promise<ObjectVersion>;
  /**
   * Change tags/ACL of one version in place (metadata-only; recorded in the feed as 'meta'): the one
   * current (no `versionId`) or named at the commit. `expect`: the version the caller was authorised
   * on; the change never lands on another version (one replaced meanwhile: onto it if still there,
   * else void, and `expect` is answered).
   */
  updateVersionMeta(
    addr: ObjectAddr,
    versionId: string | undefined,
    patch: { tags?: Record<string, string> | null; acl?: unknown },
    opts?: { expect?: ObjectVersion },
  ): Promise<ObjectVersion>;
  listObjects(bucket: string, opts: ListOptions): Promise<ListPage>;
  listVersions(bucket: string, opts: ListVersionsOptions): Promise<VersionsPage>;

  // multipart
  createUpload(addr: ObjectAddr, opts: { attrs?: VersionAttrs; initiator?: string; checksumAlgorithm?: ChecksumAlgorithm; checksumType?: 'FULL_OBJECT' | 'COMPOSITE' }): Promise<UploadInfo>;
  getUpload(bucket: string, uploadId: string): Promise<UploadInfo | undefined>;
  putPart(bucket: string, uploadId: string, partNumber: number, body: AsyncIterable<Uint8Array>, opts?: Omit<PutOptions, keyof VersionAttrs | 'condition'>): Promise<UploadedPart>;
  /** A part made of a byte range of an existing version (UploadPartCopy); shares chunks where aligned. */
  copyPart(bucket: string, uploadId: string, partNumber: number, src: ObjectAddr & { versionId?: string }, range?: { offset: number; length: number }): Promise<UploadedPart>;
  listParts(bucket: string, uploadId: string, opts?: { marker?: number; limit?: number }): Promise<{ parts: UploadedPart[]; truncated: boolean; next?: number }>;
  /**
   * `opts.checksum`: the object checksum the protocol layer derived from the part checksums
   * (COMPOSITE or FULL_OBJECT by CRC combination, s3-surface.md §5.3); stored with the version as is.
   */
  completeUpload(bucket: string, uploadId: string, parts: CompletePart[], opts?: { condition?: CommitCondition; checksum?: StoredChecksum }): Promise<ObjectVersion>;
  /** The answer of an upload completed recently with these parts (see multipart.ts), else undefined. */
  completedUpload(bucket: string, uploadId: string, parts: CompletePart[]): Promise<CompletedUpload | undefined>;
  abortUpload(bucket: string, uploadId: string): Promise<void>;
  listUploads(bucket: string, opts: { prefix?: string; delimiter?: string; keyMarker?: string; uploadIdMarker?: string; limit: number }): Promise<{ uploads: UploadInfo[]; commonPrefixes: string[]; truncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }>;

  // snapshots and clones
  snapshotCreate(bucket: string, name: string): Promise<SnapshotInfo>;
  snapshotList(bucket: string): Promise<SnapshotInfo[]>;
  /** Errors: NO_SUCH_SNAPSHOT; SNAPSHOT_IN_USE while a bucket clone of it is being made. */
  snapshotDelete(bucket: string, name: string): Promise<void>;
  /** Clone an object (optionally as seen by a bucket snapshot) to a new key: zero bytes copied. */
  clone(src: ObjectAddr & { versionId?: string; snapshot?: string }, dst: ObjectAddr): Promise<ObjectVersion>;
  /**
   * Create bucket `dst` from snapshot `snapshot` of bucket `src` (ccow.md §10): every key the
   * snapshot's view shows, as that version (tags kept; no payload copied, no ACLs: `owner`, default
   * the source's owner, owns it all). Unversioned, with the source's chunk size and compression and
   * none of its configuration. It appears whole once filled (O(objects)); a fill that fails is
   * removed again, one a crash interrupted stays invisible and is finished by the bucket-clone
   * worker or by the same call made again. Meanwhile the snapshot cannot be deleted
   * (SNAPSHOT_IN_USE) nor its bucket (BUCKET_NOT_EMPTY). Errors: NO_SUCH_BUCKET, NO_SUCH_SNAPSHOT,
   * BUCKET_EXISTS, INVALID_ARGUMENT, and storage errors.
   */
  bucketClone(src: string, snapshot: string, dst: string, opts?: { owner?: string }): Promise<BucketInfo>;

  // feed, maintenance
  feedRead(fromSeq: bigint, limit: number): Promise<FeedRecord[]>;
  fsck(): Promise<FsckReport>;
  /** Run GC until the queue is empty; `graceMs` overrides the hold (0 only in tests). Returns chunks deleted. */
  gc(opts?: { graceMs?: number }): Promise<number>;
  workers(): Worker[];
  close(): Promise<void>;
}
