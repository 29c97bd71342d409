/**
 * Object operations of the facade: put, head, read, delete, copy, clone, metadata updates
 * (shared/spec/ccow.md §7, §10). Each write ends in exactly one commit transaction (commit.ts).
 */
import type { ChecksumAlgorithm, CommitCondition, DeleteResult, ObjectAddr, ObjectVersion, PutOptions, ReadOptions, ReadResult, VersionAttrs } from './api.js';
import { applyEffects, commitTx, entryAt, FAILED_IF_MATCH, FAILED_IF_NONE_MATCH, headEntries, keyEntries, newEffects, purgeEntry, purgeWindow, refreshCur, snapshotCutoffs, visibleHead, type CommitVm, type KeyEntry } from './commit.js';
import type { Bucket, Core } from './core.js';
import { copyChecksum, withChecksum } from './copy-checksum.js';
import { EngineErrors } from './errors.js';
import { encodeVersionRecord, encodeVersionValue, type VersionRecord } from './format/records.js';
import type { VmMeta } from './format/vm.js';
import { curKey, encodeObjectKey } from './keys.js';
import { readRange } from './reader.js';
import { RefKind } from './format/ref.js';
import { abandonPut, trackPut, untrackPut } from './put-intents.js';
import { deleteMarkerError, headVersion, resolveVersion, toObjectVersion, versionIdOf } from './resolve.js';
import { GROWS, storage } from './storage-errors.js';
import { buildTree, treeIds } from './tree.js';
import { versionIdToUvid } from './uvid.js';
import { checkKey, checksumFrom, cleanMap, ingestBody, largeCommitTurn, leavesOf, makeVm, storeCms } from './write-path.js';

/** PUT: body → chunks → CMs → VM → one commit (§13 write order). */
export async function putObject(core: Core, addr: ObjectAddr, body: AsyncIterable<Uint8Array>, opts: PutOptions = {}): Promise<ObjectVersion> {
  const b = await core.bucket(addr.bucket, addr.bucketId);
  checkKey(addr.key);
  const intent = core.newIntent('put');
  trackPut(core, intent);
  let committed = false;
  let endTurn: (() => void) | undefined;
  try {
    const digests = opts.checksumAlgorithm ? [...(opts.digests ?? []), checksumDigest(opts.checksumAlgorithm)] : (opts.digests ?? []);
    const ing = await ingestBody(core, intent, b.id, body, { chunkSize: b.rec.chunkSize, codec: b.rec.codec, digests, expectedSize: opts.expectedSize, maxSize: opts.maxSize });
    if (opts.verify) await opts.verify(ing.digests);
    const tree = buildTree(leavesOf(ing), core.o.btreeOrder);
    endTurn = await largeCommitTurn(core, ing.leaves.length);
    if (tree.cms.length) await storeCms(core, intent, b.id, tree.cms);
    const meta: VmMeta = {
      kind: 'bytes',
      size: ing.size,
      chunkSize: b.rec.chunkSize,
      btreeOrder: core.o.btreeOrder,
      codec: b.rec.codec,
      hashType: 1,
      etag: `"${ing.digests.md5.toString('hex')}"`,
      contentType: opts.contentType,
      checksum: checksumFrom(opts.checksumAlgorithm, ing.digests),
      userMeta: cleanMap(opts.userMeta, true),
      sysMeta: cleanMap(opts.sysMeta),
    };
    const vm = makeVm(stripUndefined(meta), tree.root);
    const rec = await commit(core, {
      bucket: b, key: addr.key, vm, storageClass: opts.storageClass, tags: opts.tags, acl: opts.acl, condition: opts.condition,
      intentId: intent.renewedAt !== 0 ? intent.id : undefined, treeIds: intent.renewedAt !== 0 ? treeIds(tree) : undefined,
      // commitTx refuses an intent whose record is gone (its lease ran out, §9). One being dropped
      // (put-intents.ts) keeps its record until its last batch, with some chunks let go already
      // (GC takes them once their hold passed): refused the same way (a throw discards every write
      // of the transaction).
      extra: () => {
        if (intent.dropping) throw EngineErrors.UNAVAILABLE('write intent expired');
      },
    });
    committed = true;
    return toObjectVersion(b.rec.name, addr.key, rec, true, vm.meta);
  } finally {
    // The turn first: dropping a failed PUT's intent takes a transaction per DRAIN_BATCH chunks,
    // and the next large commit need not wait for them.
    endTurn?.();
    if (committed) untrackPut(core, intent);
    else await abandonPut(core, intent).catch(() => undefined);
  }
}

function checksumDigest(alg: NonNullable<PutOptions['checksumAlgorithm']>): NonNullable<PutOptions['digests']>[number] {
  return ({ CRC32: 'crc32', CRC32C: 'crc32c', CRC64NVME: 'crc64nvme', SHA1: 'sha1', SHA256: 'sha256' } as const)[alg];
}

/**
 * `o` without its undefined members (canonical VM meta): `o` itself when it has none, else a copy.
 * Copied rather than `delete`d: a deletion turns the object into a slow dictionary for every later
 * access and encoding.
 */
export function stripUndefined<T extends object>(o: T): T {
  const keys = Object.keys(o) as (keyof T)[];
  if (keys.every((k) => o[k] !== undefined)) return o;
  const out = {} as T;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Run a commit transaction that must produce a record (a new version with data: `grows`, §17). */
async function commit(core: Core, spec: Parameters<typeof commitTx>[2]): Promise<VersionRecord> {
  const rec = await storage(core.backend.meta.transaction((tx) => commitTx(core, tx, spec), GROWS));
  if (!rec) throw new Error('commit produced no version');
  return rec;
}

/** HEAD. */
export async function head(core: Core, addr: ObjectAddr, opts: { versionId?: string; snapshot?: string } = {}): Promise<ObjectVersion> {
  const b = await core.bucket(addr.bucket, addr.bucketId);
  return (await headVersion(core, b, addr.key, opts)).v;
}

/** GET, optionally ranged; the body is verified chunk by chunk while it streams. */
export async function read(core: Core, addr: ObjectAddr, opts: ReadOptions & { snapshot?: string } = {}): Promise<ReadResult> {
  const b = await core.bucket(addr.bucket, addr.bucketId);
  const h = await headVersion(core, b, addr.key, opts);
  const size = h.meta.size;
  const offset = opts.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) {
    throw EngineErrors.INVALID_RANGE(`offset ${offset} outside 0..${size}`);
  }
  const length = Math.max(0, Math.min(opts.length ?? size - offset, size - offset));
  const body = readRange(core, h.vm.refs, offset, offset + length, opts.lend ? core.readBuffers : undefined);
  const only = h.vm.refs.length === 1 ? h.vm.refs[0]! : undefined;
  // Small objects live in the manifest (§3): hand the bytes over as they are (a view, no copy).
  if (only?.kind === RefKind.INLINE && only.offset === 0 && only.data!.length === size) {
    return { version: h.v, body, bytes: only.data!.subarray(offset, offset + length) };
  }
  return { version: h.v, body };
}

/** DELETE: a delete marker (with `acl`, as a write stores it), or with a version id a purge of that version (§7.3). */
export async function deleteObject(core: Core, addr: ObjectAddr, opts: { versionId?: string; condition?: CommitCondition; acl?: unknown } = {}): Promise<DeleteResult> {
  const b = await core.bucket(addr.bucket, addr.bucketId);
  checkKey(addr.key);
  if (opts.versionId === undefined) {
    const rec = await storage(core.backend.meta.transaction((tx) => commitTx(core, tx, { bucket: b, key: addr.key, acl: opts.acl, condition: opts.condition, skipIfAbsent: b.rec.versioning === 'Unversioned' })));
    if (!rec) return { deleteMarker: false };
    return { deleteMarker: true, versionId: versionIdOf(rec) };
  }
  const wanted = opts.versionId === 'null' ? undefined : versionIdToUvid(opts.versionId);
  if (opts.versionId !== 'null' && !wanted) throw EngineErrors.INVALID_ARGUMENT(`invalid version id: ${opts.versionId}`);
  const enc = encodeObjectKey(addr.key);
  return storage(core.backend.meta.transaction((tx) => {
    // A quiet marker is not a version S3 shows (findVersion): the tombstone purge removes it.
    const shown = (x: KeyEntry): boolean => !x.rec.hidden && !x.rec.quiet;
    // Read no more of the key than the version and its head: a version by its own key, the null
    // version down from the newest (it is the head once a suspended bucket wrote the key).
    const top = wanted ? headEntries(tx, b.id, enc) : keyEntries(tx, b.id, enc, (x) => shown(x) && x.rec.isNull);
    const at = wanted ? entryAt(tx, b.id, enc, wanted) : top[top.length - 1];
    const e = at && shown(at) && (wanted || at.rec.isNull) ? at : undefined;
    if (!e) throw EngineErrors.NO_SUCH_VERSION(`no such version: ${opts.versionId}`);
    const head = visibleHead(top);
    if (opts.condition) {
      const current = head && !head.rec.deleted ? head.rec : undefined;
      if (opts.condition.ifMatch !== undefined && e.rec.etag.replace(/"/g, '') !== opts.condition.ifMatch.replace(/"/g, '').trim() && opts.condition.ifMatch.trim() !== '*') {
        throw EngineErrors.PRECONDITION('ETag does not match', FAILED_IF_MATCH);
      }
      if (opts.condition.ifNoneMatch === '*' && current) throw EngineErrors.PRECONDITION('an object exists at this key', FAILED_IF_NONE_MATCH);
    }
    const fx = newEffects();
    const cutoffs = snapshotCutoffs(core, tx, b.id);
    const window = purgeWindow(tx, b.id, enc, e, cutoffs);
    purgeEntry(core, tx, b, addr.key, window, window.length - 1, cutoffs, fx);
    refreshCur(tx, b, enc, fx);
    applyEffects(tx, b.id, fx);
    return { deleteMarker: e.rec.deleted, versionId: opts.versionId === 'null' ? 'null' : versionIdOf(e.rec) };
  }));
}

/**
 * COPY (§10, s3-surface §4.4): the same VM, or with `replace` (or a newly computed checksum, see
 * copy-checksum.ts) a new VM over the same refs.
 */
export async function copyObject(
  core: Core,
  src: ObjectAddr & { versionId?: string; snapshot?: string },
  dst: ObjectAddr,
  opts: { replace?: VersionAttrs; tags?: Record<string, string>; acl?: unknown; condition?: CommitCondition; checksumAlgorithm?: ChecksumAlgorithm } = {},
): Promise<ObjectVersion> {
  const sb = await core.bucket(src.bucket, src.bucketId);
  const db = await core.bucket(dst.bucket, dst.bucketId);
  return copyBetween(core, sb, src, db, dst.key, opts);
}

/**
 * copyObject between buckets already looked up: `db` may be one no lookup by name finds (a bucket
 * clone still filling, bucket-clone.ts).
 */
export async function copyBetween(
  core: Core,
  sb: Bucket,
  src: { key: string; versionId?: string; snapshot?: string },
  db: Bucket,
  dstKey: string,
  opts: { replace?: VersionAttrs; tags?: Record<string, string>; acl?: unknown; condition?: CommitCondition; checksumAlgorithm?: ChecksumAlgorithm } = {},
): Promise<ObjectVersion> {
  checkKey(dstKey);
  const h = await headVersion(core, sb, src.key, { ...src, vmBytes: true });
  // Computed over the very refs the copy shares (h.vm), so a concurrent overwrite of the source
  // cannot pair one version's data with another's checksum.
  const checksum = await copyChecksum(core, h.vm, opts.checksumAlgorithm);
  let vm: CommitVm;
  let storageClass = h.r.rec.storageClass;
  if (opts.replace || checksum) {
    const r = opts.replace;
    const old = h.vm;
    let meta = r ? { ...old.meta, contentType: r.contentType, userMeta: cleanMap(r.userMeta, true), sysMeta: cleanMap(r.sysMeta) } : old.meta;
    if (checksum) meta = withChecksum(meta, checksum);
    vm = makeVm(stripUndefined({ ...meta }), old.refs);
    if (r) storageClass = r.storageClass ?? 'STANDARD';
  } else {
    // The same VM: by id (chunk-table VMs), or re-embedded from its bytes (child-less VMs).
    vm = h.vmBytes ? { id: h.vmId, bytes: h.vmBytes, meta: h.meta, children: [] } : { id: h.vmId, meta: h.meta, children: [] };
  }
  const tags = opts.tags ?? opts.replace?.tags ?? h.r.rec.tags;
  const rec = await commit(core, {
    bucket: db, key: dstKey, vm, storageClass, tags, acl: opts.acl ?? opts.replace?.acl, condition: opts.condition,
    requireBlob: h.r.rec.vmEmbedded ? undefined : h.vmId,
  });
  return toObjectVersion(db.rec.name, dstKey, rec, true, vm.meta);
}

/** Clone (§10): a new version of `dst` pointing at the source's VM; zero bytes copied. */
export async function clone(core: Core, src: ObjectAddr & { versionId?: string; snapshot?: string }, dst: ObjectAddr): Promise<ObjectVersion> {
  return copyObject(core, src, dst, {});
}

/**
 * Change tags/ACL of one version in place (recorded in the feed as 'meta'). The version is found
 * again inside the transaction: the current one (no `versionId`) or the null version as they are
 * at the commit, since an overwrite committed after the lookup purges the one looked up (an
 * unversioned or suspended bucket replaces its null version) — that used to fail a tagging or
 * ACL request on an existing key with NoSuchVersion. A version named by id must still exist.
 * `expect`: the version the caller looked up and was authorised on (an object ACL's WRITE_ACP):
 * the change never lands on another one (see the comment in the transaction).
 */
export async function updateVersionMeta(
  core: Core,
  addr: ObjectAddr,
  versionId: string | undefined,
  patch: { tags?: Record<string, string> | null; acl?: unknown },
  opts: { expect?: ObjectVersion } = {},
): Promise<ObjectVersion> {
  const b = await core.bucket(addr.bucket, addr.bucketId);
  // Outside the transaction for its answers only (an invalid id, a marker named by id…).
  const r = await resolveVersion(core, b, addr.key, versionId === undefined ? {} : { versionId });
  const enc = encodeObjectKey(addr.key);
  const expected = opts.expect && versionIdToUvid(opts.expect.uvid);
  const done = await storage(core.backend.meta.transaction((tx) => {
    // The head, and a version by its own key (the null version down from the newest): none of the
    // key's other entries, so tagging an old version of a long history costs no scan of it.
    const shown = (x: KeyEntry): boolean => !x.rec.hidden && !x.rec.quiet;
    const top = versionId === 'null' ? keyEntries(tx, b.id, enc, (x) => shown(x) && x.rec.isNull) : headEntries(tx, b.id, enc);
    const head = visibleHead(top);
    const byId = (u: Uint8Array): KeyEntry | undefined => {
      const x = entryAt(tx, b.id, enc, u);
      return x && !x.rec.hidden ? x : undefined;
    };
    let e: KeyEntry | undefined;
    if (versionId === undefined) e = head;
    else if (versionId === 'null') e = top.find((x) => shown(x) && x.rec.isNull);
    else e = byId(r.uvid);
    if (e?.rec.quiet && versionId !== undefined) e = undefined;
    if (!e) throw versionId === undefined ? EngineErrors.NO_SUCH_KEY(`no such key: ${addr.key}`) : EngineErrors.NO_SUCH_VERSION('the version disappeared');
    if (e.rec.deleted) throw versionId === undefined && e.rec.quiet ? EngineErrors.NO_SUCH_KEY(`no such key: ${addr.key}`) : deleteMarkerError(e.rec, e.uvid);
    if (expected && !e.uvid.equals(expected)) {
      // Another version than the one the caller was authorised on (`expect`) is addressed now: the
      // change goes to that one, as if made just before the write that replaced it — onto it if it
      // is still there (noncurrent), else it is void (the version is gone, or a snapshot's).
      e = byId(expected);
      if (!e) return undefined;
    }
    const isHead = head !== undefined && e.uvid.equals(head.uvid);
    const next: VersionRecord = { ...e.rec };
    if (patch.tags === null || (patch.tags && Object.keys(patch.tags).length === 0)) delete next.tags;
    else if (patch.tags) next.tags = { ...patch.tags };
    if (patch.acl !== undefined) next.acl = patch.acl;
    tx.put(e.k, encodeVersionValue(next, e.vm));
    if (isHead) tx.put(curKey(b.id, enc), encodeVersionRecord(next));
    const fx = newEffects();
    fx.feed.push({ op: 'meta', tenant: b.rec.owner, bucket: b.rec.name, key: addr.key, uvid: next.uvid, vmId: next.vmId, generation: next.generation, deleted: next.deleted, viaIsgw: false, at: Math.floor(core.now() * 1000) });
    applyEffects(tx, b.id, fx);
    // An embedded VM is read here (copied): a later overwrite may purge the entry that holds it.
    return { rec: next, isLatest: isHead, embedded: e.vm && Buffer.from(e.vm) };
  }));
  if (!done) return { ...opts.expect!, isLatest: false };
  const { rec, isLatest, embedded } = done;
  const vm = embedded ? core.embeddedVm(rec, embedded) : rec.vmId ? (await core.loadVersionVm(b.id, addr.key, rec)).vm : undefined;
  return toObjectVersion(b.rec.name, addr.key, rec, isLatest, vm?.meta);
}
