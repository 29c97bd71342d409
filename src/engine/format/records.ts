/**
 * Engine records stored as metadata values (src/engine/formats.md). Each starts with a 3-byte ASCII
 * format tag; most bodies are canonical JSON (small, rare, and easy to evolve), the hot fixed-size
 * rows (chunk rows, counters) are binary.
 */
import type { ChecksumAlgorithm, Codec, StoredChecksum, VersionAttrs, Versioning } from '../api.js';
import { ByteReader, ByteWriter, decodeTagged, encodeTagged, formatError } from './bin.js';
import { readRef, refSize, writeRef, type ChunkRef } from './ref.js';
import { transientBuffer } from '../../common/index.js';

/** Version record (`ni1`, ccow.md §7.2): the name-index and `cur` value of one version. */
export interface VersionRecord {
  /** 32 hex. */
  uvid: string;
  generation: number;
  baseUvid?: string;
  originSegment: number;
  /** µs time of generation 1. */
  createdAt: number;
  /** 64 hex; absent for delete markers. */
  vmId?: string;
  /**
   * The VM has no chunk children (inline or empty data) and its bytes live in the name-index value
   * itself (`ni2`), not in the chunk tables: such a version costs no chunk records and no GC (§3).
   */
  vmEmbedded?: boolean;
  deleted: boolean;
  isNull: boolean;
  /** Purged while pinned by a bucket snapshot: visible only to snapshot views (§10). */
  hidden?: boolean;
  /**
   * 32 hex: a UVID issued by the purge that hid the entry. Views of snapshots taken after it do not
   * see the entry (it was gone by then). Entries hidden before this was recorded have none and are
   * seen by every view that reaches them, as they were then.
   */
  hiddenAt?: string;
  /** A delete marker written while the bucket was never versioned: hidden from S3 listings (§7.3). */
  quiet?: boolean;
  size: number;
  /** Quoted ETag ('' for delete markers). */
  etag: string;
  contentType?: string;
  storageClass: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  tags?: Record<string, string>;
  acl?: unknown;
}

export const encodeVersionRecord = (r: VersionRecord): Buffer => encodeTagged('ni1', r);

/**
 * A name-index value: `ni1` (the record alone) or, when the version's VM is embedded,
 * `"ni2" | u32 jsonLength | canonical JSON | VM bytes`.
 */
export function encodeVersionValue(r: VersionRecord, vm?: Uint8Array): Buffer {
  return vm ? embedVm(encodeVersionRecord(r), vm) : encodeVersionRecord(r);
}

/** The `ni2` value of an already encoded `ni1` record (a commit encodes its record JSON once). */
export function embedVm(ni1: Buffer, vm: Uint8Array): Buffer {
  const json = ni1.subarray(3);
  // A value to store: it lives until its commit is durable (common/slab.ts).
  const out = transientBuffer(3 + 4 + json.length + vm.length);
  out.write('ni2', 0, 'latin1');
  out.writeUInt32LE(json.length, 3);
  json.copy(out, 7);
  out.set(vm, 7 + json.length);
  return out;
}

/**
 * Where the record JSON of a name-index value lies: `ni1` is the tag then JSON to the end, `ni2`
 * the tag, a u32 length, the JSON, then the VM bytes (from `end`). Throws a format error on a wrong
 * tag or a truncated `ni2`; `embedded` tells the two forms apart.
 */
function recordSpan(v: Uint8Array): { b: Buffer; start: number; end: number; embedded: boolean } {
  const b = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  // 'n' 'i' then '1' or '2', checked on the bytes: a listing decodes one value per key.
  if (b.length < 3 || b[0] !== 0x6e || b[1] !== 0x69 || (b[2] !== 0x31 && b[2] !== 0x32)) throw formatError('version record (bad tag)');
  if (b[2] === 0x31) return { b, start: 3, end: b.length, embedded: false };
  if (b.length < 7 || 7 + b.readUInt32LE(3) > b.length) throw formatError('version record (truncated)');
  return { b, start: 7, end: 7 + b.readUInt32LE(3), embedded: true };
}

function parseRecord(b: Buffer, start: number, end: number): VersionRecord {
  try {
    return JSON.parse(b.toString('utf8', start, end)) as VersionRecord;
  } catch {
    throw formatError('version record (bad JSON)');
  }
}

/** Decode either name-index value form; `vm` (a view) is set for `ni2`. */
export function decodeVersionValue(v: Uint8Array): { rec: VersionRecord; vm?: Buffer } {
  const { b, start, end, embedded } = recordSpan(v);
  const rec = parseRecord(b, start, end);
  return embedded ? { rec, vm: b.subarray(end) } : { rec };
}

/** The VM bytes of an `ni2` value (a view), without decoding its record; undefined for `ni1`. */
export function embeddedVmOf(v: Uint8Array): Buffer | undefined {
  const { b, end, embedded } = recordSpan(v);
  return embedded ? b.subarray(end) : undefined;
}

/** The record of a name-index or `cur` value (either form), without a view of an embedded VM. */
export function decodeVersionRecord(v: Uint8Array): VersionRecord {
  const { b, start, end } = recordSpan(v);
  return parseRecord(b, start, end);
}

/** Bucket record (`bk1`). */
export interface BucketRecord {
  name: string;
  /** 32 hex. */
  id: string;
  owner: string;
  /** ms since the epoch. */
  createdAt: number;
  versioning: Versioning;
  chunkSize: number;
  codec: Codec;
  configs: Record<string, unknown>;
}

/**
 * `configs` key of a bucket clone still being filled (bucket-clone.ts, ccow.md §10): until the
 * clone's last transaction removes it, no lookup by name finds the bucket, though its name is taken.
 */
export const CLONE_MARK = 'ccow:cloneOf';

/** What a filling clone records under CLONE_MARK: its source and how far it got. */
export interface CloneMark {
  /** The source bucket's id and name, and the snapshot whose view is cloned. */
  srcId: string;
  src: string;
  snapshot: string;
  /** Last key cloned (the fill resumes after it). */
  after?: string;
}

/** The clone mark of a bucket still being filled, else undefined. */
export function cloneMarkOf(r: BucketRecord): CloneMark | undefined {
  return r.configs[CLONE_MARK] as CloneMark | undefined;
}

export const encodeBucketRecord = (r: BucketRecord): Buffer => encodeTagged('bk1', r);
export const decodeBucketRecord = (b: Uint8Array): BucketRecord => decodeTagged<BucketRecord>('bk1', b, 'bucket record');

/** User record (`us1`). */
export interface UserRecord {
  accessKey: string;
  secretKey: string;
  tenantId: string;
  name: string;
  createdAt: number;
}

export const encodeUserRecord = (r: UserRecord): Buffer => encodeTagged('us1', r);
export const decodeUserRecord = (b: Uint8Array): UserRecord => decodeTagged<UserRecord>('us1', b, 'user record');

/** Intent record (`in1`, ccow.md §9): a writer that holds chunks before its commit. */
export interface IntentRecord {
  kind: 'put' | 'upload';
  /** Process epoch of the owner; single-PUT intents of older epochs expire at start (§13). */
  epoch: number;
  createdAt: number;
  /** ms; absent = never expires by time (multipart uploads). */
  expiresAt?: number;
  /**
   * ms: the upload ended (aborted, or completed with more rows left than its transaction drops).
   * Its upload record is gone; the background drain, the intent-expiry worker (and GC's run) drop
   * what the intent still holds a bounded batch per transaction, then the record (multipart.ts
   * drainAbortedStep). Absent in records of older builds (they dropped at once). The name is the
   * Abort's, which set it first; a completed upload's rows go the same way.
   */
  abortedAt?: number;
  /** 32 hex, with `abortedAt`: the ended upload, whose part rows the drain deletes first. */
  uploadId?: string;
}

export const encodeIntentRecord = (r: IntentRecord): Buffer => encodeTagged('in1', r);
export const decodeIntentRecord = (b: Uint8Array): IntentRecord => decodeTagged<IntentRecord>('in1', b, 'intent record');

/** Multipart upload record (`up1`). */
export interface UploadRecord {
  /** 32 hex. */
  uploadId: string;
  key: string;
  /** ms. */
  initiated: number;
  attrs: VersionAttrs;
  /** Who created the upload (protocol layer's id: a tenant); absent in records written before it was kept. */
  initiator?: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  /** 32 hex: the upload's durable intent. */
  intentId: string;
  chunkSize: number;
  codec: Codec;
}

export const encodeUploadRecord = (r: UploadRecord): Buffer => encodeTagged('up1', r);
export const decodeUploadRecord = (b: Uint8Array): UploadRecord => decodeTagged<UploadRecord>('up1', b, 'upload record');

/**
 * Completed multipart upload (`ud1`): what CompleteMultipartUpload answered, kept for a while after
 * the upload record is gone so that a retried Complete with the same parts gets the same answer
 * (S3 answers it 200, where a missing upload would be 404 NoSuchUpload).
 */
export interface CompletedUploadRecord {
  key: string;
  /** 64 hex: SHA-256 of the completed part list (numbers and ETags, multipart.ts `partsDigest`). */
  partsDigest: string;
  versionId: string;
  /** Quoted S3 ETag of the object. */
  etag: string;
  checksum?: StoredChecksum;
  /** ms. */
  completedAt: number;
}

export const encodeCompletedUploadRecord = (r: CompletedUploadRecord): Buffer => encodeTagged('ud1', r);
export const decodeCompletedUploadRecord = (b: Uint8Array): CompletedUploadRecord => decodeTagged<CompletedUploadRecord>('ud1', b, 'completed upload record');

/** Bucket snapshot record (`sn1`, ccow.md §10). */
export interface SnapshotRecord {
  name: string;
  /** 32 hex: the cut-off T. */
  uvid: string;
  createdAt: number;
}

export const encodeSnapshotRecord = (r: SnapshotRecord): Buffer => encodeTagged('sn1', r);
export const decodeSnapshotRecord = (b: Uint8Array): SnapshotRecord => decodeTagged<SnapshotRecord>('sn1', b, 'snapshot record');

/** Change-feed record (`fd1`, ccow.md §14). `seq` is a decimal string (u64). */
export interface FeedRecordBody {
  seq: string;
  op: 'version' | 'purge' | 'meta' | 'bucket';
  bucket: string;
  tenant?: string;
  key?: string;
  uvid?: string;
  vmId?: string;
  generation?: number;
  deleted?: boolean;
  size?: number;
  etag?: string;
  originSegment?: number;
  viaIsgw: boolean;
  /** µs. */
  at: number;
}

export const encodeFeedRecord = (r: FeedRecordBody): Buffer => encodeTagged('fd1', r);
export const decodeFeedRecord = (b: Uint8Array): FeedRecordBody => decodeTagged<FeedRecordBody>('fd1', b, 'feed record');

/** A feed consumer's cursor (`cu1`, ccow.md §14): the first seq it has not processed yet. */
export interface CursorRecord {
  /** u64 as a decimal string. */
  seq: string;
  /** ms of the last move. */
  updatedAt: number;
}

export const encodeCursorRecord = (r: CursorRecord): Buffer => encodeTagged('cu1', r);
export const decodeCursorRecord = (b: Uint8Array): CursorRecord => decodeTagged<CursorRecord>('cu1', b, 'feed cursor');

/**
 * Scrub progress (`sc1`, at state key `scrub`; ccow.md §17): when the next pass starts, and within a
 * pass where it is, so a restart resumes the pass instead of starting over or skipping it.
 */
export interface ScrubRecord {
  /** ms: a pass starts once the clock reaches this. */
  nextPassAt: number;
  /** ms when the running pass started (absent between passes). */
  passStartedAt?: number;
  /** Hex id of the last chunk the running pass checked. */
  cursor?: string;
}

export const encodeScrubRecord = (r: ScrubRecord): Buffer => encodeTagged('sc1', r);
export const decodeScrubRecord = (b: Uint8Array): ScrubRecord => decodeTagged<ScrubRecord>('sc1', b, 'scrub state');

/**
 * A complete derived index (`ix1`, at state key `ix:<name>`; derived.ts): the epoch of the last
 * process that kept it up to date, and when it was built (ms). Absent: the index is incomplete.
 */
export interface DerivedIndexRecord {
  epoch: number;
  builtAt: number;
}

export const encodeDerivedIndexRecord = (r: DerivedIndexRecord): Buffer => encodeTagged('ix1', r);
export const decodeDerivedIndexRecord = (b: Uint8Array): DerivedIndexRecord => decodeTagged<DerivedIndexRecord>('ix1', b, 'derived index state');

/**
 * A clean stop (`cs1`, at state key `clean-stop`; engine.ts): process `epoch` closed its engine at
 * `at` (ms) with no chunk write in flight and no orphan suspected. Deleted at every start.
 */
export interface CleanStopRecord {
  epoch: number;
  at: number;
}

export const encodeCleanStopRecord = (r: CleanStopRecord): Buffer => encodeTagged('cs1', r);
export const decodeCleanStopRecord = (b: Uint8Array): CleanStopRecord => decodeTagged<CleanStopRecord>('cs1', b, 'clean stop');

/** Engine state (`st1`): segment identity, fixed at first start; the process epoch. */
export interface StateRecord {
  segmentId: number;
  segmentGuid: string;
  nodeId: number;
  epoch: number;
}

export const encodeStateRecord = (r: StateRecord): Buffer => encodeTagged('st1', r);
export const decodeStateRecord = (b: Uint8Array): StateRecord => decodeTagged<StateRecord>('st1', b, 'state record');

/** Part record (`pt1`): JSON attributes, then the part's leaf refs (offsets from the part's first byte). */
export interface PartRecord {
  partNumber: number;
  size: number;
  /** Hex MD5 of the part's bytes. */
  md5: string;
  lastModified: number;
  checksum?: StoredChecksum;
  refs: ChunkRef[];
}

export function encodePartRecord(p: PartRecord): Buffer {
  const { refs, ...attrs } = p;
  const json = encodeTagged('', attrs);
  const w = new ByteWriter(3 + 4 + json.length + 4 + refs.reduce((n, r) => n + refSize(r), 0));
  w.ascii('pt1').u32(json.length).bytes(json).u32(refs.length);
  for (const r of refs) writeRef(w, r);
  return w.finish();
}

export function decodePartRecord(b: Uint8Array): PartRecord {
  const rd = new ByteReader(b, 'part record');
  rd.expectTag('pt1');
  const attrs = decodeTagged<Omit<PartRecord, 'refs'>>('', rd.bytes(rd.u32()), 'part record');
  const n = rd.u32();
  const refs: ChunkRef[] = [];
  for (let i = 0; i < n; i++) refs.push(readRef(rd));
  rd.end();
  // Added to the parsed object, not `{ ...attrs, refs }` (a member added after a spread is slow on
  // Node 20's V8; a Complete decodes up to 10,000 of these).
  if (attrs === null || typeof attrs !== 'object') throw formatError('part record (not an object)');
  const rec = attrs as PartRecord;
  rec.refs = refs;
  return rec;
}

/** Kinds of stored chunks (chunk rows). */
export const ChunkKind = { PAYLOAD: 1, CM: 2, VM: 3 } as const;
export type ChunkKind = (typeof ChunkKind)[keyof typeof ChunkKind];

/** Where a chunk's bytes live: the ChunkStore, or the engine's manifest blobs in the MetaStore. */
export const ChunkLoc = { STORE: 0, BLOB: 1 } as const;
export type ChunkLoc = (typeof ChunkLoc)[keyof typeof ChunkLoc];

/** Chunk row (`ch1`, ccow.md §17 `chunks`): binary, fixed 49 bytes. Times in ms. */
export interface ChunkRow {
  kind: ChunkKind;
  loc: ChunkLoc;
  storedLength: number;
  createdAt: number;
  touchedAt: number;
  /** 0 while referenced (or never unreferenced). */
  unreferencedAt: number;
  /** Bucket the physical bytes are charged to (16 bytes). */
  bucketId: Buffer;
  /**
   * Set (ms) when a read or the scrub found the stored bytes corrupt or missing (ccow.md §17
   * "scrub … mismatch → quarantine"): the bytes were removed, and the next put of the same content
   * stores them again instead of deduplicating onto the damaged copy. `ch2` rows carry it.
   */
  quarantinedAt?: number;
}

/** `ch1` (49 bytes), or `ch2` (57: ch1's fields, then f64 LE quarantinedAt) for a quarantined chunk. */
export function encodeChunkRow(r: ChunkRow): Buffer {
  const q = r.quarantinedAt !== undefined;
  const b = Buffer.allocUnsafe(3 + 1 + 1 + 4 + 24 + 16 + (q ? 8 : 0));
  b.write(q ? 'ch2' : 'ch1', 0, 'latin1');
  if (q) b.writeDoubleLE(r.quarantinedAt!, 49);
  b[3] = r.kind;
  b[4] = r.loc;
  b.writeUInt32LE(r.storedLength, 5);
  b.writeDoubleLE(r.createdAt, 9);
  b.writeDoubleLE(r.touchedAt, 17);
  b.writeDoubleLE(r.unreferencedAt, 25);
  r.bucketId.copy(b, 33, 0, 16);
  return b;
}

export function decodeChunkRow(v: Uint8Array): ChunkRow {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const tag = b.toString('latin1', 0, 3);
  if (!((tag === 'ch1' && b.length === 49) || (tag === 'ch2' && b.length === 57))) throw formatError('chunk row');
  const kind = b[3]!;
  const loc = b[4]!;
  if (kind < 1 || kind > 3 || loc > 1) throw formatError('chunk row (kind/loc)');
  return {
    kind: kind as ChunkKind,
    loc: loc as ChunkLoc,
    storedLength: b.readUInt32LE(5),
    createdAt: b.readDoubleLE(9),
    touchedAt: b.readDoubleLE(17),
    unreferencedAt: b.readDoubleLE(25),
    bucketId: Buffer.from(b.subarray(33, 49)),
    ...(tag === 'ch2' ? { quarantinedAt: b.readDoubleLE(49) } : {}),
  };
}

/** Per-bucket byte counters (`ct1`, ccow.md §17): binary f64s. */
export interface Counters {
  objects: number;
  logicalBytes: number;
  physicalBytes: number;
}

export function encodeCounters(c: Counters): Buffer {
  const b = Buffer.allocUnsafe(3 + 24);
  b.write('ct1', 0, 'latin1');
  b.writeDoubleLE(c.objects, 3);
  b.writeDoubleLE(c.logicalBytes, 11);
  b.writeDoubleLE(c.physicalBytes, 19);
  return b;
}

export function decodeCounters(v: Uint8Array): Counters {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (b.length !== 27 || b.toString('latin1', 0, 3) !== 'ct1') throw formatError('counters');
  return { objects: b.readDoubleLE(3), logicalBytes: b.readDoubleLE(11), physicalBytes: b.readDoubleLE(19) };
}

/** `tag` (3 ASCII bytes) followed by `body`. */
function withTag(tag: string, body: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(3 + body.length);
  b.write(tag, 0, 'latin1');
  b.set(body, 3);
  return b;
}

/**
 * The `bodyLength` bytes after `tag` (a view), or the whole value when it is the untagged form an
 * older build wrote (exactly `bodyLength` bytes); a format error otherwise.
 */
function tagBody(tag: string, v: Uint8Array, bodyLength: number, what: string): Buffer {
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (b.length === bodyLength) return b;
  if (b.length !== 3 + bodyLength || b.toString('latin1', 0, 3) !== tag) throw formatError(what);
  return b.subarray(3);
}

/**
 * GC queue value (`gq1`, at `G ‖ chunk id`; ccow.md §9 candidates queue): `"gq1" | f64 LE
 * enqueuedAt` (ms), 11 bytes: the stamp the candidate's hold runs from at the earliest, 0 when it
 * was queued without one (refs.ts markUnreferenced). Stores written before the tag hold the bare
 * f64 (8 bytes), which {@link decodeGcQueueValue} still reads: the lengths tell the two forms apart.
 */
export function encodeGcQueueValue(enqueuedAt: number): Buffer {
  const body = Buffer.allocUnsafe(8);
  body.writeDoubleLE(enqueuedAt, 0);
  return withTag('gq1', body);
}

/** `enqueuedAt` (ms) of a `gq1` value or of the untagged 8-byte form; a format error otherwise. */
export function decodeGcQueueValue(v: Uint8Array): number {
  return tagBody('gq1', v, 8, 'gc queue value').readDoubleLE(0);
}

/**
 * Queued hidden-entry sweep (`hs1`, at `E ‖ "hsweep:" ‖ bucketId`; snapshots.ts): `"hs1" | 16 B
 * token`, 19 bytes. The token is random per snapshot delete, so a sweep drops the row only if no
 * later delete queued the bucket again. Stores written before the tag hold the bare 16-byte token,
 * which {@link decodeHiddenSweep} still reads.
 */
export function encodeHiddenSweep(token: Uint8Array): Buffer {
  if (token.length !== 16) throw formatError('hidden sweep token (not 16 bytes)');
  return withTag('hs1', token);
}

/** The 16-byte token (a copy) of an `hs1` value or of the untagged 16-byte form; a format error otherwise. */
export function decodeHiddenSweep(v: Uint8Array): Buffer {
  return Buffer.from(tagBody('hs1', v, 16, 'hidden sweep value'));
}
