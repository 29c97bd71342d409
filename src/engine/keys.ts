/**
 * Metadata key spaces (shared/spec/ccow.md §7.2, §16, §17; byte layouts in src/engine/formats.md).
 * Every key starts with a one-byte table prefix; multi-byte integers are big-endian so keys sort.
 */
import { CHUNK_ID_BYTES, prefixEnd, type ChunkId } from '../common/index.js';
import { invertUvid, UVID_BYTES, type Uvid } from './uvid.js';

/** One-byte table prefixes. */
export const T = {
  /** engine state: segment id, process epoch */
  STATE: 0x45, // 'E'
  BUCKET: 0x62, // 'b' name → bucket record
  COUNTERS: 0x6b, // 'k' bucketId → byte counters
  USER: 0x75, // 'u' accessKey → user record
  NI: 0x6e, // 'n' bucketId ‖ enc(key) ‖ ~uvid → version record
  CUR: 0x63, // 'c' bucketId ‖ enc(key) → head version record
  /** 'C' id ‖ sub → everything about one chunk, kept adjacent (see `Sub`). */
  CHUNK: 0x43,
  GCQ: 0x47, // 'G' id → enqueuedAt
  INTENT: 0x49, // 'I' intentId → intent record
  MEMBER: 0x4a, // 'J' intentId ‖ id → '' (chunks an intent holds)
  UPLOAD: 0x55, // 'U' bucketId ‖ uploadId → upload record
  UPLOAD_BY_KEY: 0x57, // 'W' bucketId ‖ enc(key) ‖ uploadId → ''
  UPLOAD_DONE: 0x44, // 'D' bucketId ‖ uploadId → completed upload (answer to a retried Complete)
  PART: 0x50, // 'P' uploadId ‖ u16 partNumber → part record
  BSNAP: 0x53, // 'S' bucketId ‖ utf8(name) → bucket snapshot record
  FEED: 0x46, // 'F' u64 seq → feed record
  CURSOR: 0x4b, // 'K' utf8(consumer name) → feed cursor record
  /** 'Q' uvid ‖ bucketId ‖ enc(key) → '': quiet delete markers by age (housekeeping.ts, derived.ts). */
  QUIET: 0x51,
  /** 'O' enc(owner) ‖ utf8(bucket name) → '': buckets by owner (ListBuckets; derived.ts). */
  OWNER: 0x4f,
} as const;

/**
 * Records of one chunk share the prefix `C ‖ id` and differ by a sub-kind byte, so a chunk's row,
 * manifest bytes and back-references sit on the same B-tree page. Content-addressed ids are
 * random; with separate tables every write would dirty one random page per table, and that write
 * amplification grows with the store (seen as small puts slowing down at 10^6 objects).
 */
export const Sub = { ROW: 0x00, BLOB: 0x01, REF: 0x02 } as const;

/** Referrer kinds of back-references (ccow.md §9), the first byte of the referrer. */
export const Referrer = {
  VER: 0x76, // 'v' bucketId(16) ‖ uvid(16)
  SNAP: 0x73, // 's' snapshot id
  VM: 0x6d, // 'm' vmId(32)
  CM: 0x63, // 'c' cmId(32)
  INTENT: 0x69, // 'i' intentId(16)
} as const;

/** Length of bucket ids, intent ids and upload ids. */
export const ID16 = 16;

const EMPTY = Buffer.alloc(0);

/** The value of an index row whose key says everything (`J`, `W`, `Q`). */
export const NO_VALUE: Uint8Array = EMPTY;

function key(prefix: number, ...parts: Uint8Array[]): Buffer {
  let n = 1;
  for (const p of parts) n += p.length;
  const out = Buffer.allocUnsafe(n);
  out[0] = prefix;
  let o = 1;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Order-preserving encoding of an object key (§7.2): UTF-8 with 0x00 escaped as 0x00 0xFF, then the
 * terminator 0x00 0x01. A key sorts before every longer key it prefixes, and no encoding contains
 * 0xFF except inside an escape, which is what lets a listing seek past a common prefix.
 */
export function encodeObjectKey(k: string): Buffer {
  const raw = Buffer.from(k, 'utf8');
  return Buffer.concat([escapeBytes(raw), TERMINATOR]);
}

const TERMINATOR = Buffer.from([0x00, 0x01]);

/** 0x00 → 0x00 0xFF; everything else as is (no terminator: for prefixes). */
export function escapeBytes(raw: Buffer): Buffer {
  let zeros = 0;
  for (let i = raw.indexOf(0); i !== -1; i = raw.indexOf(0, i + 1)) zeros++;
  if (zeros === 0) return raw;
  const out = Buffer.allocUnsafe(raw.length + zeros);
  let o = 0;
  for (const b of raw) {
    out[o++] = b;
    if (b === 0) out[o++] = 0xff;
  }
  return out;
}

/** The escaped form of a key prefix (listing bounds). */
export function escapeKeyPrefix(p: string): Buffer {
  return escapeBytes(Buffer.from(p, 'utf8'));
}

/** Decode `enc(key)` starting at `start`; returns the key and the offset just past its terminator. */
export function decodeObjectKey(b: Uint8Array, start: number): { key: string; end: number } {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  // Most keys hold no 0x00 byte: their first 0x00 is the terminator (a listing decodes a key per row).
  const z0 = buf.indexOf(0, start);
  if (z0 >= 0 && buf[z0 + 1] === 0x01) return { key: buf.toString('utf8', start, z0), end: z0 + 2 };
  const parts: Buffer[] = [];
  let from = start;
  for (;;) {
    const z = buf.indexOf(0, from);
    if (z < 0 || z + 1 >= buf.length) throw new TypeError('unterminated object key');
    const next = buf[z + 1];
    if (next === 0x01) {
      parts.push(buf.subarray(from, z));
      return { key: Buffer.concat(parts).toString('utf8'), end: z + 2 };
    }
    if (next !== 0xff) throw new TypeError('bad escape in object key');
    parts.push(buf.subarray(from, z + 1));
    from = z + 2;
  }
}

/** Name-index key of one version. */
export function niKey(bucketId: Uint8Array, encKey: Uint8Array, uvid: Uint8Array): Buffer {
  return key(T.NI, bucketId, encKey, invertUvid(uvid));
}

/** Name-index prefix of all versions of one key (encKey includes its terminator). */
export function niKeyPrefix(bucketId: Uint8Array, encKey: Uint8Array): Buffer {
  return key(T.NI, bucketId, encKey);
}

/** UVID of a name-index key (its last 16 bytes, inverted back). */
export function uvidOfNiKey(k: Uint8Array): Uvid {
  return invertUvid(k.subarray(k.length - UVID_BYTES)) as Uvid;
}

/**
 * Quiet-marker index key of a name-index key (`n ‖ bucketId ‖ enc(key) ‖ ~uvid` →
 * `Q ‖ uvid ‖ bucketId ‖ enc(key)`): the markers sort by their UVID, that is by age (§6), so the
 * tombstone purge reads only the ones past their retention.
 */
export function quietKeyOfNiKey(k: Uint8Array): Buffer {
  return key(T.QUIET, uvidOfNiKey(k), k.subarray(1, k.length - UVID_BYTES));
}

/** The name-index key a quiet-marker index key stands for, and its parts. */
export function niKeyOfQuietKey(q: Uint8Array): { ni: Buffer; uvid: Uvid; bucketId: Buffer; encKey: Buffer } {
  const uvid = Buffer.from(q.subarray(1, 1 + UVID_BYTES)) as Uvid;
  const bucketId = Buffer.from(q.subarray(1 + UVID_BYTES, 1 + UVID_BYTES + ID16));
  const encKey = Buffer.from(q.subarray(1 + UVID_BYTES + ID16));
  return { ni: niKey(bucketId, encKey, uvid), uvid, bucketId, encKey };
}

/** Current-table key of one object key. */
export function curKey(bucketId: Uint8Array, encKey: Uint8Array): Buffer {
  return key(T.CUR, bucketId, encKey);
}

/** Prefix of a bucket's rows in a per-bucket table (`NI`, `CUR`, `UPLOAD`, `UPLOAD_BY_KEY`, `BSNAP`). */
export function bucketPrefix(table: number, bucketId: Uint8Array, extra: Uint8Array = EMPTY): Buffer {
  return key(table, bucketId, extra);
}

/** `{gte, lt}` bounds of every key starting with `prefix`. */
export function prefixRange(prefix: Uint8Array): { gte: Buffer; lt?: Buffer } {
  const lt = prefixEnd(prefix);
  const gte = Buffer.from(prefix);
  return lt ? { gte, lt } : { gte };
}

export const bucketKey = (name: string): Buffer => key(T.BUCKET, Buffer.from(name, 'utf8'));
export const countersKey = (bucketId: Uint8Array): Buffer => key(T.COUNTERS, bucketId);
export const userKey = (accessKey: string): Buffer => key(T.USER, Buffer.from(accessKey, 'utf8'));
export const chunkKey = (id: Uint8Array): Buffer => key(T.CHUNK, id, SUB_ROW);
export const blobKey = (id: Uint8Array): Buffer => key(T.CHUNK, id, SUB_BLOB);
const SUB_ROW = Buffer.from([Sub.ROW]);
const SUB_BLOB = Buffer.from([Sub.BLOB]);
const SUB_REF = Buffer.from([Sub.REF]);
export const gcqKey = (id: Uint8Array): Buffer => key(T.GCQ, id);
export const intentKey = (intentId: Uint8Array): Buffer => key(T.INTENT, intentId);
export const memberKey = (intentId: Uint8Array, id: Uint8Array): Buffer => key(T.MEMBER, intentId, id);
export const memberPrefix = (intentId: Uint8Array): Buffer => key(T.MEMBER, intentId);
export const uploadKey = (bucketId: Uint8Array, uploadId: Uint8Array): Buffer => key(T.UPLOAD, bucketId, uploadId);
export const uploadDoneKey = (bucketId: Uint8Array, uploadId: Uint8Array): Buffer => key(T.UPLOAD_DONE, bucketId, uploadId);
export const uploadByKeyKey = (bucketId: Uint8Array, encKey: Uint8Array, uploadId: Uint8Array): Buffer =>
  key(T.UPLOAD_BY_KEY, bucketId, encKey, uploadId);
export const bsnapKey = (bucketId: Uint8Array, name: string): Buffer => key(T.BSNAP, bucketId, Buffer.from(name, 'utf8'));
/** Owner-index prefix of one owner's buckets (the owner encoded as an object key: prefix-free). */
export const ownerPrefix = (owner: string): Buffer => key(T.OWNER, encodeObjectKey(owner));
export const ownerKey = (owner: string, name: string): Buffer => key(T.OWNER, encodeObjectKey(owner), Buffer.from(name, 'utf8'));
export const stateKey = (name: string): Buffer => key(T.STATE, Buffer.from(name, 'latin1'));
/** A bucket whose hidden entries a snapshot delete left to sweep (snapshots.ts): `E ‖ "hsweep:" ‖ bucketId`. */
export const hiddenSweepKey = (bucketId: Uint8Array): Buffer => key(T.STATE, Buffer.from('hsweep:', 'latin1'), bucketId);
export const HIDDEN_SWEEP_PREFIX = key(T.STATE, Buffer.from('hsweep:', 'latin1'));
export const cursorKey = (name: string): Buffer => key(T.CURSOR, Buffer.from(name, 'utf8'));

/** Part key: uploadId ‖ u16 BE part number. */
export function partKey(uploadId: Uint8Array, partNumber: number): Buffer {
  const n = Buffer.allocUnsafe(2);
  n.writeUInt16BE(partNumber, 0);
  return key(T.PART, uploadId, n);
}

/** Feed key: u64 BE sequence number. */
export function feedKey(seq: bigint): Buffer {
  const b = Buffer.allocUnsafe(9);
  b[0] = T.FEED;
  b.writeBigUInt64BE(seq, 1);
  return b;
}

/** Sequence number of a feed key. */
export function seqOfFeedKey(k: Uint8Array): bigint {
  return Buffer.from(k.buffer, k.byteOffset, k.byteLength).readBigUInt64BE(1);
}

/** Back-reference key: 'C' ‖ chunk id ‖ REF ‖ referrer. */
export function refKey(id: Uint8Array, referrer: Uint8Array): Buffer {
  return key(T.CHUNK, id, SUB_REF, referrer);
}

/** Prefix of every back-reference held on `id`. */
export function refPrefix(id: Uint8Array): Buffer {
  return key(T.CHUNK, id, SUB_REF);
}

/** Sub-kind byte of a `CHUNK` key. */
export function subOfChunkKey(k: Uint8Array): number {
  return k[1 + CHUNK_ID_BYTES]!;
}

/** Referrer bytes: kind byte ‖ parts. */
export function referrer(kind: number, ...parts: Uint8Array[]): Buffer {
  return key(kind, ...parts);
}

/** Chunk id at the end of a `MEMBER` key. */
export function idOfMemberKey(k: Uint8Array): ChunkId {
  return Buffer.from(k.subarray(1 + ID16, 1 + ID16 + CHUNK_ID_BYTES)) as unknown as ChunkId;
}

/** Chunk id of a `CHUNK` (any sub-kind) or `GCQ` key. */
export function idOfKey(k: Uint8Array): ChunkId {
  return Buffer.from(k.subarray(1, 1 + CHUNK_ID_BYTES)) as unknown as ChunkId;
}
