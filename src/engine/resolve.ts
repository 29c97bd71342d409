/**
 * Finding the version a read names (shared/spec/ccow.md §7.2, §10): the current object through
 * `cur` (one get), a version id through the name index, or the view of a bucket snapshot.
 */
import { fromHex, type ChunkId } from '../common/index.js';
import type { ObjectVersion, PartInfo } from './api.js';
import type { Bucket, Core } from './core.js';
import { EngineErrors } from './errors.js';
import { seenAt } from './commit.js';
import { decodeSnapshotRecord, decodeVersionRecord, type VersionRecord } from './format/records.js';
import type { VersionManifest, VmMeta, VmPart } from './format/vm.js';
import { bsnapKey, curKey, encodeObjectKey, niKey, niKeyPrefix, prefixRange, uvidOfNiKey } from './keys.js';
import { storage } from './storage-errors.js';
import { invertUvid, uvidMs, uvidToVersionId, versionIdToUvid, type Uvid } from './uvid.js';

/** A resolved version: its record, its UVID and whether it is the visible head. */
export interface Resolved {
  rec: VersionRecord;
  uvid: Uvid;
  isLatest: boolean;
}

/**
 * Error for "the version asked for is a delete marker"; carries its version id and its time (the
 * UVID's, as listings show it) for the S3 layer, which answers a marker named by versionId with
 * `Last-Modified` (API_GetObject / API_HeadObject, x-amz-delete-marker).
 */
export function deleteMarkerError(rec: VersionRecord, uvid: Uint8Array): Error {
  const versionId = rec.isNull ? 'null' : uvidToVersionId(uvid);
  return Object.assign(EngineErrors.DELETE_MARKER(`delete marker ${versionId}`), { versionId, lastModified: new Date(uvidMs(uvid)) });
}

/** S3 version id of a record. */
export function versionIdOf(rec: VersionRecord): string {
  return rec.isNull ? 'null' : uvidToVersionId(fromHex(rec.uvid));
}

/**
 * The key's entries newest first, up to and including the first that `stop` accepts: reads stop
 * there, so finding the head (or a null version written since a suspension) does not read the
 * key's whole history (every GET by version id of a key with 10^5 versions read all 10^5).
 */
async function entriesUntil(core: Core, b: Bucket, key: string, stop: (rec: VersionRecord) => boolean): Promise<{ uvid: Uvid; rec: VersionRecord }[]> {
  const out: { uvid: Uvid; rec: VersionRecord }[] = [];
  for await (const [k, v] of core.backend.meta.range(prefixRange(niKeyPrefix(b.id, encodeObjectKey(key))))) {
    const rec = decodeVersionRecord(v);
    out.push({ uvid: uvidOfNiKey(k), rec });
    if (stop(rec)) break;
  }
  return out;
}

const visible = (rec: VersionRecord): boolean => !rec.hidden;

/**
 * The version `opts` names. Delete markers throw DELETE_MARKER (with `versionId`), except the
 * quiet markers of never-versioned buckets, which read as NO_SUCH_KEY (S3 shows no marker there).
 */
export async function resolveVersion(core: Core, b: Bucket, key: string, opts: { versionId?: string; snapshot?: string } = {}): Promise<Resolved> {
  if (opts.snapshot !== undefined) return resolveInSnapshot(core, b, key, opts.snapshot);
  if (opts.versionId === undefined) {
    const raw = await storage(core.backend.meta.get(curKey(b.id, encodeObjectKey(key))));
    if (raw) {
      const rec = decodeVersionRecord(raw);
      return { rec, uvid: fromHex(rec.uvid) as Uvid, isLatest: true };
    }
    const head = (await entriesUntil(core, b, key, visible)).find((e) => visible(e.rec));
    if (!head) throw EngineErrors.NO_SUCH_KEY(`no such key: ${key}`);
    if (head.rec.quiet) throw EngineErrors.NO_SUCH_KEY(`no such key: ${key}`);
    throw deleteMarkerError(head.rec, head.uvid);
  }
  const found = await findVersion(core, b, key, opts.versionId);
  if (found.rec.deleted) throw deleteMarkerError(found.rec, found.uvid);
  return found;
}

/**
 * A version by id ('null' or base32hex UVID), markers included; NO_SUCH_VERSION when absent or
 * hidden, or when it is a quiet marker: a delete in a never-versioned bucket removes the object
 * (S3 keeps no marker there), so the key reads as one that never existed, by id too.
 */
export async function findVersion(core: Core, b: Bucket, key: string, versionId: string): Promise<Resolved> {
  const isNull = (rec: VersionRecord): boolean => rec.isNull && !rec.hidden;
  const all = await entriesUntil(core, b, key, versionId === 'null' ? isNull : visible);
  const head = all.find((e) => visible(e.rec));
  let hit: { uvid: Uvid; rec: VersionRecord } | undefined;
  if (versionId === 'null') hit = all.find((e) => isNull(e.rec));
  else {
    const u = versionIdToUvid(versionId);
    if (!u) throw EngineErrors.INVALID_ARGUMENT(`invalid version id: ${versionId}`);
    const raw = await storage(core.backend.meta.get(niKey(b.id, encodeObjectKey(key), u)));
    if (raw) hit = { uvid: u, rec: decodeVersionRecord(raw) };
    if (hit?.rec.hidden) hit = undefined;
  }
  if (hit?.rec.quiet) hit = undefined;
  if (!hit) throw EngineErrors.NO_SUCH_VERSION(`no such version: ${versionId}`);
  return { uvid: hit.uvid, rec: hit.rec, isLatest: head !== undefined && head.rec.uvid === hit.rec.uvid };
}

/** UVID cut-off of a bucket snapshot, or NO_SUCH_SNAPSHOT. */
export async function snapshotCutoff(core: Core, b: Bucket, name: string): Promise<Uvid> {
  const raw = await storage(core.backend.meta.get(bsnapKey(b.id, name)));
  if (!raw) throw EngineErrors.NO_SUCH_SNAPSHOT(`no snapshot ${name} in ${b.rec.name}`);
  return fromHex(decodeSnapshotRecord(raw).uvid) as Uvid;
}

/**
 * §10 view at T: the key's entry with the largest UVID ≤ T among those the view sees (hidden ones
 * included unless they were hidden at or before T: seenAt).
 */
async function resolveInSnapshot(core: Core, b: Bucket, key: string, snapshot: string): Promise<Resolved> {
  const t = await snapshotCutoff(core, b, snapshot);
  const prefix = niKeyPrefix(b.id, encodeObjectKey(key));
  const { lt } = prefixRange(prefix);
  for await (const [k, v] of core.backend.meta.range({ gte: Buffer.concat([prefix, invertUvid(t)]), lt })) {
    const rec = decodeVersionRecord(v);
    if (!seenAt(rec, t)) continue;
    if (rec.deleted) throw EngineErrors.NO_SUCH_KEY(`no such key in snapshot ${snapshot}: ${key}`);
    return { rec, uvid: uvidOfNiKey(k), isLatest: false };
  }
  throw EngineErrors.NO_SUCH_KEY(`no such key in snapshot ${snapshot}: ${key}`);
}

/** The public parts list of each VM's parts (VMs are immutable; the cached ones are shared). */
const partInfos = new WeakMap<readonly VmPart[], readonly Readonly<PartInfo>[]>();

/**
 * The parts of a VM as ObjectVersion.parts, built once per decoded VM and frozen (the array, each
 * part and its checksum), so that the HEADs and GETs of a version served from the VM cache share it:
 * rebuilt per request, a 10^4-part object's engine HEAD took 0.35 ms instead of 0.04
 * (issue-3-parts-array-shared). Frozen, a caller that tried to change it would throw (ESM is strict).
 */
function partsOf(parts: readonly VmPart[]): readonly Readonly<PartInfo>[] {
  let out = partInfos.get(parts);
  if (!out) {
    out = Object.freeze(parts.map((p, i): PartInfo => Object.freeze({ partNumber: i + 1, size: p.size, etag: p.etag, ...(p.checksum ? { checksum: Object.freeze({ ...p.checksum }) } : {}) })));
    partInfos.set(parts, out);
  }
  return out;
}

/** The public view of one version (record + VM attributes when known). */
export function toObjectVersion(bucket: string, key: string, rec: VersionRecord, isLatest: boolean, meta?: VmMeta): ObjectVersion {
  const uvid = fromHex(rec.uvid);
  const id = uvidToVersionId(uvid);
  const v: ObjectVersion = {
    bucket,
    key,
    versionId: rec.isNull ? 'null' : id,
    uvid: id,
    generation: rec.generation,
    isLatest,
    deleteMarker: rec.deleted,
    size: rec.size,
    etag: rec.etag,
    lastModified: new Date(uvidMs(uvid)),
    userMeta: { ...(meta?.userMeta ?? {}) },
    sysMeta: { ...(meta?.sysMeta ?? {}) },
    storageClass: rec.storageClass,
  };
  if (rec.contentType !== undefined) v.contentType = rec.contentType;
  if (rec.checksumAlgorithm) v.checksumAlgorithm = rec.checksumAlgorithm;
  if (rec.checksumType) v.checksumType = rec.checksumType;
  if (meta?.checksum) v.checksum = { ...meta.checksum };
  if (meta?.parts) v.parts = partsOf(meta.parts);
  if (rec.tags) v.tags = { ...rec.tags };
  if (rec.acl !== undefined) v.acl = rec.acl;
  if (rec.vmId) v.vmId = rec.vmId;
  return v;
}

/** A resolved version with its VM (and, for an embedded VM, the VM bytes). */
export interface HeadResult {
  v: ObjectVersion;
  r: Resolved;
  meta: VmMeta;
  vmId: ChunkId;
  vm: VersionManifest;
  vmBytes?: Buffer;
}

/**
 * Resolve and load the VM attributes. `vmBytes: true` also returns an embedded VM's bytes
 * (`HeadResult.vmBytes`), which a copy re-embeds; reads do not need them.
 */
export async function headVersion(core: Core, b: Bucket, key: string, opts: { versionId?: string; snapshot?: string; vmBytes?: boolean } = {}): Promise<HeadResult> {
  for (let attempt = 1; ; attempt++) {
    const r = await resolveVersion(core, b, key, opts);
    const vmId = fromHex(r.rec.vmId!) as unknown as ChunkId;
    let loaded: { vm: VersionManifest; bytes?: Buffer };
    try {
      loaded = await core.loadVersionVm(b.id, key, r.rec, { bytes: opts.vmBytes === true });
    } catch (e) {
      // The version was purged between its lookup and the read of its embedded VM (the two are
      // separate reads): a GET/HEAD/copy of the current version racing a DELETE or an overwrite
      // in a never-versioned bucket failed with CHUNK_MISSING (500). Read again, as if after that
      // write; a version named by id is gone (NO_SUCH_VERSION), as it would be then.
      if (!EngineErrors.NO_SUCH_VERSION.is(e) || opts.versionId !== undefined || opts.snapshot !== undefined || attempt >= 8) throw e;
      continue;
    }
    const { vm, bytes } = loaded;
    const out: HeadResult = { v: toObjectVersion(b.rec.name, key, r.rec, r.isLatest, vm.meta), r, meta: vm.meta, vmId, vm };
    if (bytes) out.vmBytes = bytes;
    return out;
  }
}
