/**
 * Version manifests (shared/spec/ccow.md §7.1): the immutable description of one version's content.
 * `"CCVM" | u8 formatVersion=1 | u32 metaLength | meta (canonical JSON) | u32 refCount | refs`.
 * The VM holds no name and no UVID, so equal content + attributes give one VM id.
 */
import type { ChecksumAlgorithm, StoredChecksum } from '../api.js';
import { ByteReader, ByteWriter, canonicalJson, formatError } from './bin.js';
import { readRef, refSize, writeRef, type ChunkRef } from './ref.js';
import { transientBuffer } from '../../common/index.js';

export const VM_TAG = 'CCVM';
export const VM_FORMAT = 1;

/** One multipart part as the VM records it. */
export interface VmPart {
  size: number;
  etag: string;
  checksum?: StoredChecksum;
}

/** VM attributes (the `meta` JSON). Sizes are u64 and stored as decimal strings (§7.1). */
export interface VmMeta {
  kind: 'bytes' | 'kv';
  size: number;
  chunkSize: number;
  btreeOrder: number;
  codec: 'none' | 'lz4' | 'zstd';
  hashType: 1;
  replicationCount?: number;
  numberOfVersions?: number;
  deleteAfter?: number;
  contentType?: string;
  /** Quoted S3 ETag. */
  etag: string;
  checksum?: StoredChecksum;
  parts?: VmPart[];
  userMeta?: Record<string, string>;
  sysMeta?: Record<string, string>;
}

/** A decoded version manifest. */
export interface VersionManifest {
  meta: VmMeta;
  /** Root of the chunk tree (≤ btreeOrder entries), or one inline ref. */
  refs: ChunkRef[];
}

/** Fields of VmMeta in code-unit order: the JSON shape below is written in this order. */
const META_KEYS = new Set(['btreeOrder', 'checksum', 'chunkSize', 'codec', 'contentType', 'deleteAfter', 'etag', 'hashType', 'kind', 'numberOfVersions', 'parts', 'replicationCount', 'size', 'sysMeta', 'userMeta']);

/**
 * JSON shape of the meta: u64 fields as strings. Built with its keys already in canonical order, so
 * canonicalJson copies nothing (every put encodes one); a meta with a field this list does not
 * know takes the generic path, so no field is ever dropped.
 */
function metaToJson(m: VmMeta): Record<string, unknown> {
  const parts = m.parts?.map((p) => ({ ...p, size: String(p.size) }));
  const deleteAfter = m.deleteAfter === undefined ? undefined : String(m.deleteAfter);
  for (const k in m) if (!META_KEYS.has(k)) return { ...m, size: String(m.size), deleteAfter, parts };
  // The mapped type makes the compiler insist on every member of VmMeta.
  const json: { [K in keyof VmMeta]-?: unknown } = {
    btreeOrder: m.btreeOrder,
    checksum: m.checksum,
    chunkSize: m.chunkSize,
    codec: m.codec,
    contentType: m.contentType,
    deleteAfter,
    etag: m.etag,
    hashType: m.hashType,
    kind: m.kind,
    numberOfVersions: m.numberOfVersions,
    parts,
    replicationCount: m.replicationCount,
    size: String(m.size),
    sysMeta: m.sysMeta,
    userMeta: m.userMeta,
  };
  return json;
}

const ALGS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

function u64Of(v: unknown, what: string): number {
  if (typeof v !== 'string' || !/^\d{1,16}$/.test(v)) throw formatError(`version manifest (${what})`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw formatError(`version manifest (${what})`);
  return n;
}

function checksumOf(c: unknown): StoredChecksum | undefined {
  if (c === undefined) return undefined;
  const o = c as StoredChecksum;
  if (!ALGS.includes(o.algorithm) || (o.type !== 'FULL_OBJECT' && o.type !== 'COMPOSITE') || typeof o.value !== 'string') {
    throw formatError('version manifest (checksum)');
  }
  return { algorithm: o.algorithm, type: o.type, value: o.value };
}

function metaFromJson(j: Record<string, unknown>): VmMeta {
  if (j.kind !== 'bytes' && j.kind !== 'kv') throw formatError('version manifest (kind)');
  // JSON holds no undefined values, so only the fields converted here can be absent: they are set
  // only when present (no delete afterwards, which would turn the object into a slow dictionary).
  const m = { ...j } as unknown as VmMeta;
  m.size = u64Of(j.size, 'size');
  if (j.checksum !== undefined) m.checksum = checksumOf(j.checksum);
  if (j.deleteAfter !== undefined) m.deleteAfter = u64Of(j.deleteAfter, 'deleteAfter');
  const parts = j.parts as { size: unknown; etag: string; checksum?: unknown }[] | undefined;
  if (parts !== undefined) {
    m.parts = parts.map((p) => {
      const part: VmPart = { size: u64Of(p.size, 'part size'), etag: p.etag };
      if (p.checksum !== undefined) part.checksum = checksumOf(p.checksum);
      return part;
    });
  }
  return m;
}

/** Encode a VM (the bytes whose BLAKE3 is the VM id). */
export function encodeVm(vm: VersionManifest): Buffer {
  const meta = Buffer.from(canonicalJson(metaToJson(vm.meta)), 'utf8');
  // The bytes are stored (or embedded, records.ts embedVm) and dropped: a slab slice will do.
  const w = new ByteWriter(4 + 1 + 4 + meta.length + 4 + vm.refs.reduce((n, r) => n + refSize(r), 0), transientBuffer);
  w.ascii(VM_TAG).u8(VM_FORMAT).u32(meta.length).bytes(meta).u32(vm.refs.length);
  for (const r of vm.refs) writeRef(w, r);
  return w.finish();
}

/** Decode a VM; throws CCOW_ERR_FORMAT on anything unexpected. */
export function decodeVm(b: Uint8Array): VersionManifest {
  const rd = new ByteReader(b, 'version manifest');
  rd.expectTag(VM_TAG);
  if (rd.u8() !== VM_FORMAT) throw formatError('version manifest (unknown format version)');
  const metaLen = rd.u32();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(rd.bytes(metaLen).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw formatError('version manifest (meta JSON)');
  }
  const n = rd.u32();
  const refs: ChunkRef[] = [];
  for (let i = 0; i < n; i++) refs.push(readRef(rd));
  rd.end();
  return { meta: metaFromJson(json), refs };
}
