/**
 * A small in-memory EngineApi for the S3 service tests while the real engine (src/engine) is being
 * written. It follows the shapes and error codes of src/engine/api.ts and the versioning rules of
 * shared/spec/ccow.md §7.3 closely enough for protocol tests; it is not a model of the engine.
 * Tests switch to `createEngine(createMemoryBackend())` once it exists (see helpers.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  BucketInfo, CompletedUpload, CompletePart, CreateBucketOptions, DeleteResult, DigestName, EngineApi, ListOptions, ListPage,
  ListVersionsOptions, ObjectAddr, ObjectVersion, PutDigests, PutOptions, ReadOptions, ReadResult, StoredChecksum,
  UploadedPart, UploadInfo, User, VersionAttrs, VersionsPage,
} from '../../../src/engine/api.js';
import { EngineErrors } from '../../../src/engine/errors.js';
import { createChecksum, type DigestAlgorithm } from '../../../src/s3/checksum/index.js';

interface Ver extends ObjectVersion {
  data: Buffer;
  isNull: boolean;
}

interface Upload extends UploadInfo {
  parts: Map<number, UploadedPart & { data: Buffer }>;
}

const HASHERS: Record<DigestName, DigestAlgorithm> = { md5: 'MD5', sha1: 'SHA1', sha256: 'SHA256', crc32: 'CRC32', crc32c: 'CRC32C', crc64nvme: 'CRC64NVME' };
const ALG_DIGEST: Record<string, DigestName> = { CRC32: 'crc32', CRC32C: 'crc32c', CRC64NVME: 'crc64nvme', SHA1: 'sha1', SHA256: 'sha256' };

function unquote(e: string): string {
  return e.replace(/^"|"$/g, '');
}

/** Create the fake engine. `minPartSize` defaults to 5 MiB, as S3; `uploadId` lets replay tests fix upload ids. */
export function createFakeEngine(opts: { minPartSize?: number; uploadId?: () => string } = {}): EngineApi {
  const users = new Map<string, User>();
  const buckets = new Map<string, BucketInfo>();
  const objects = new Map<string, Map<string, Ver[]>>();
  const uploads = new Map<string, Upload>();
  /** Answers of completed uploads, for retried Completes (the real engine keeps them 6 h). */
  const completed = new Map<string, { bucket: string; parts: string; answer: CompletedUpload }>();
  const partList = (parts: CompletePart[]): string => parts.map((p) => `${p.partNumber}:${unquote(p.etag)}`).join(',');
  let seq = 0;
  const minPart = opts.minPartSize ?? 5 * 1024 * 1024;

  const newVersionId = (): string => (Date.now() * 1000 + (seq++ % 1000)).toString(32).padStart(26, '0');
  const bucketOrThrow = (name: string): BucketInfo => {
    const b = buckets.get(name);
    if (!b) throw EngineErrors.NO_SUCH_BUCKET();
    return b;
  };
  const versionsOf = (a: ObjectAddr): Ver[] => {
    bucketOrThrow(a.bucket);
    let m = objects.get(a.bucket);
    if (!m) objects.set(a.bucket, (m = new Map()));
    let l = m.get(a.key);
    if (!l) m.set(a.key, (l = []));
    return l;
  };
  const current = (a: ObjectAddr): Ver | undefined => {
    const h = versionsOf(a)[0];
    return h && !h.deleteMarker ? h : undefined;
  };

  async function collect(body: AsyncIterable<Uint8Array>, o: PutOptions | undefined): Promise<{ data: Buffer; d: PutDigests }> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of body) {
      size += c.length;
      if (o?.maxSize !== undefined && size > o.maxSize) throw EngineErrors.ENTITY_TOO_LARGE();
      parts.push(Buffer.from(c));
    }
    const data = Buffer.concat(parts);
    if (o?.expectedSize !== undefined && data.length !== o.expectedSize) throw EngineErrors.INCOMPLETE_BODY();
    const d: PutDigests = { size: data.length, md5: createHash('md5').update(data).digest() };
    const names = new Set(o?.digests ?? []);
    if (o?.checksumAlgorithm) names.add(ALG_DIGEST[o.checksumAlgorithm]!);
    for (const n of names) if (n !== 'md5') d[n] = createChecksum(HASHERS[n]).update(data).digest();
    await o?.verify?.(d);
    return { data, d };
  }

  function checkCondition(a: ObjectAddr, c: PutOptions['condition']): void {
    if (!c) return;
    const cur = current(a);
    if (c.ifNoneMatch === '*' && cur) throw EngineErrors.PRECONDITION();
    if (c.ifMatch !== undefined) {
      if (!cur) throw EngineErrors.NO_SUCH_KEY();
      if (c.ifMatch !== '*' && unquote(c.ifMatch) !== unquote(cur.etag)) throw EngineErrors.PRECONDITION();
    }
  }

  /** Commit a new head per ccow.md §7.3. */
  function commit(a: ObjectAddr, v: Omit<Ver, 'versionId' | 'uvid' | 'isNull' | 'generation' | 'isLatest' | 'bucket' | 'key'>): Ver {
    const b = bucketOrThrow(a.bucket);
    const list = versionsOf(a);
    const isNull = b.versioning !== 'Enabled';
    const uvid = newVersionId();
    if (isNull) {
      const i = list.findIndex((x) => x.isNull);
      if (i >= 0) list.splice(i, 1);
    }
    for (const x of list) x.isLatest = false;
    const ver: Ver = { ...v, bucket: a.bucket, key: a.key, uvid, versionId: isNull ? 'null' : uvid, isNull, generation: (list[0]?.generation ?? 0) + 1, isLatest: true };
    list.unshift(ver);
    return ver;
  }

  function attrsVersion(attrs: VersionAttrs, data: Buffer, etag: string, extra: Partial<Ver> = {}): Omit<Ver, 'versionId' | 'uvid' | 'isNull' | 'generation' | 'isLatest' | 'bucket' | 'key'> {
    return {
      deleteMarker: false, size: data.length, etag, lastModified: new Date(), data,
      contentType: attrs.contentType, userMeta: attrs.userMeta ?? {}, sysMeta: attrs.sysMeta ?? {},
      storageClass: attrs.storageClass ?? 'STANDARD', tags: attrs.tags, acl: attrs.acl, ...extra,
    };
  }

  const publicView = (v: Ver): ObjectVersion => {
    const { data: _d, isNull: _n, ...rest } = v;
    return rest;
  };

  function find(a: ObjectAddr, versionId?: string): Ver {
    const list = versionsOf(a);
    if (versionId === undefined) {
      const h = list[0];
      if (!h) throw EngineErrors.NO_SUCH_KEY();
      if (h.deleteMarker) throw Object.assign(EngineErrors.DELETE_MARKER(), { versionId: h.versionId });
      return h;
    }
    const v = list.find((x) => x.versionId === versionId);
    if (!v) throw EngineErrors.NO_SUCH_VERSION();
    return v;
  }

  function listKeys(bucket: string): string[] {
    bucketOrThrow(bucket);
    return [...(objects.get(bucket)?.keys() ?? [])].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  }

  /** Delimiter roll-up over sorted keys (s3-surface.md §4.1). */
  function rollUp<T>(keys: string[], o: { prefix?: string; delimiter?: string; startAfter?: string; limit: number }, entry: (k: string) => T[]): { items: T[]; prefixes: string[]; truncated: boolean; next?: { key: string; isPrefix: boolean } } {
    const prefix = o.prefix ?? '';
    const items: T[] = [];
    const prefixes: string[] = [];
    let count = 0;
    let last: { key: string; isPrefix: boolean } | undefined;
    let skipUnder: string | undefined;
    if (o.startAfter !== undefined && o.delimiter && o.startAfter.startsWith(prefix) && o.startAfter.endsWith(o.delimiter)) skipUnder = o.startAfter;
    for (const k of keys) {
      if (!k.startsWith(prefix)) continue;
      if (o.startAfter !== undefined && Buffer.compare(Buffer.from(k), Buffer.from(o.startAfter)) <= 0) continue;
      if (skipUnder !== undefined && k.startsWith(skipUnder)) continue;
      const es = entry(k);
      if (es.length === 0) continue;
      let cp: string | undefined;
      if (o.delimiter) {
        const i = k.indexOf(o.delimiter, prefix.length);
        if (i >= 0) cp = k.slice(0, i + o.delimiter.length);
      }
      if (cp !== undefined && prefixes.includes(cp)) continue;
      if (count >= o.limit) return { items, prefixes, truncated: true, next: last };
      if (cp !== undefined) {
        prefixes.push(cp);
        last = { key: cp, isPrefix: true };
      } else {
        items.push(...es);
        last = { key: k, isPrefix: false };
      }
      count++;
    }
    return { items, prefixes, truncated: false };
  }

  const api: EngineApi = {
    async putUser(u) {
      const user: User = { ...u, createdAt: u.createdAt ?? new Date() };
      users.set(u.accessKey, user);
      return user;
    },
    async getUser(ak) { return users.get(ak); },
    async listUsers() { return [...users.values()]; },
    async deleteUser(ak) { return users.delete(ak); },

    async createBucket(name, o: CreateBucketOptions) {
      if (buckets.has(name)) throw EngineErrors.BUCKET_EXISTS();
      const b: BucketInfo = { name, id: randomBytes(16).toString('hex'), owner: o.owner, createdAt: new Date(), versioning: 'Unversioned', chunkSize: o.chunkSize ?? 1 << 20, codec: o.codec ?? 'none', configs: { ...(o.configs ?? {}) } };
      buckets.set(name, b);
      return b;
    },
    async deleteBucket(name) {
      bucketOrThrow(name);
      const hasObjects = [...(objects.get(name)?.values() ?? [])].some((l) => l.some((v) => !(v.deleteMarker && v.isNull && buckets.get(name)!.versioning === 'Unversioned')));
      const hasUploads = [...uploads.values()].some((u) => u.bucket === name);
      if (hasObjects || hasUploads) throw EngineErrors.BUCKET_NOT_EMPTY();
      buckets.delete(name);
      objects.delete(name);
    },
    async getBucket(name) { const b = buckets.get(name); return b && { ...b, configs: { ...b.configs } }; },
    async listBuckets(owner) { return [...buckets.values()].filter((b) => owner === undefined || b.owner === owner); },
    async putBucketConfig(name, kind, value) {
      const b = bucketOrThrow(name);
      if (kind === 'versioning') b.versioning = value as BucketInfo['versioning'];
      else if (value === undefined) delete b.configs[kind];
      else b.configs[kind] = value;
      return { ...b };
    },
    async bucketStats() { return { objects: 0, logicalBytes: 0, physicalBytes: 0 }; },

    async putObject(a, body, o) {
      versionsOf(a);
      const { data, d } = await collect(body, o);
      checkCondition(a, o?.condition);
      const checksum: StoredChecksum | undefined = o?.checksumAlgorithm
        ? { algorithm: o.checksumAlgorithm, type: 'FULL_OBJECT', value: d[ALG_DIGEST[o.checksumAlgorithm]!]!.toString('base64') }
        : undefined;
      return publicView(commit(a, attrsVersion(o ?? {}, data, `"${d.md5.toString('hex')}"`, { checksum })));
    },
    async head(a, o) { return publicView(find(a, o?.versionId)); },
    async read(a, o?: ReadOptions): Promise<ReadResult> {
      const v = find(a, o?.versionId);
      if (v.deleteMarker) throw Object.assign(EngineErrors.DELETE_MARKER(), { versionId: v.versionId });
      const off = o?.offset ?? 0;
      const slice = v.data.subarray(off, o?.length === undefined ? undefined : off + o.length);
      return { version: publicView(v), body: (async function* () { yield slice; })() };
    },
    async deleteObject(a, o): Promise<DeleteResult> {
      const list = versionsOf(a);
      if (o?.condition) checkCondition(a, o.condition);
      if (o?.versionId !== undefined) {
        const i = list.findIndex((x) => x.versionId === o.versionId);
        if (i < 0) throw EngineErrors.NO_SUCH_VERSION();
        const [gone] = list.splice(i, 1);
        if (list[0]) list[0].isLatest = true;
        return { versionId: o.versionId, deleteMarker: gone!.deleteMarker };
      }
      const m = commit(a, { deleteMarker: true, size: 0, etag: '', lastModified: new Date(), data: Buffer.alloc(0), userMeta: {}, sysMeta: {}, storageClass: 'STANDARD' });
      return { versionId: m.versionId, deleteMarker: true };
    },
    async copyObject(src, dst, o) {
      const s = find(src, src.versionId);
      checkCondition(dst, o?.condition);
      const attrs: VersionAttrs = o?.replace ?? { contentType: s.contentType, userMeta: s.userMeta, sysMeta: s.sysMeta, storageClass: s.storageClass };
      return publicView(commit(dst, attrsVersion({ ...attrs, tags: o?.tags ?? s.tags, acl: o?.acl }, s.data, s.etag, { checksum: s.checksum, parts: s.parts })));
    },
    async updateVersionMeta(a, versionId, patch) {
      const v = find(a, versionId);
      if (patch.tags !== undefined) v.tags = patch.tags ?? undefined;
      if (patch.acl !== undefined) v.acl = patch.acl;
      return publicView(v);
    },
    async listObjects(bucket, o: ListOptions): Promise<ListPage> {
      const r = rollUp(listKeys(bucket), o, (k) => {
        const h = current({ bucket, key: k });
        return h ? [{ key: k, size: h.size, etag: h.etag, lastModified: h.lastModified, storageClass: h.storageClass, checksumAlgorithm: h.checksum?.algorithm, checksumType: h.checksum?.type }] : [];
      });
      return { entries: r.items, commonPrefixes: r.prefixes, truncated: r.truncated, next: r.next };
    },
    async listVersions(bucket, o: ListVersionsOptions): Promise<VersionsPage> {
      const r = rollUp(listKeys(bucket), { ...o, startAfter: o.keyMarker }, (k) => versionsOf({ bucket, key: k }).map(publicView));
      return { entries: r.items, commonPrefixes: r.prefixes, truncated: r.truncated, nextKeyMarker: r.next?.key };
    },

    async createUpload(a, o) {
      bucketOrThrow(a.bucket);
      const u: Upload = { bucket: a.bucket, key: a.key, uploadId: opts.uploadId?.() ?? randomBytes(16).toString('hex'), initiated: new Date(), attrs: o.attrs ?? {}, checksumAlgorithm: o.checksumAlgorithm, checksumType: o.checksumType, parts: new Map() };
      uploads.set(u.uploadId, u);
      const { parts: _p, ...info } = u;
      return info;
    },
    async getUpload(bucket, id) {
      const u = uploads.get(id);
      if (!u || u.bucket !== bucket) return undefined;
      const { parts: _p, ...info } = u;
      return info;
    },
    async putPart(bucket, id, n, body, o) {
      const u = uploads.get(id);
      if (!u || u.bucket !== bucket) throw EngineErrors.NO_SUCH_UPLOAD();
      const { data, d } = await collect(body, o);
      const alg = o?.checksumAlgorithm;
      const part = { partNumber: n, size: data.length, etag: `"${d.md5.toString('hex')}"`, lastModified: new Date(), data,
        checksum: alg ? { algorithm: alg, type: 'COMPOSITE' as const, value: d[ALG_DIGEST[alg]!]!.toString('base64') } : undefined };
      u.parts.set(n, part);
      const { data: _d, ...pub } = part;
      return pub;
    },
    async copyPart(bucket, id, n, src, range) {
      const u = uploads.get(id);
      if (!u || u.bucket !== bucket) throw EngineErrors.NO_SUCH_UPLOAD();
      const s = find(src, src.versionId);
      const data = range ? s.data.subarray(range.offset, range.offset + range.length) : s.data;
      const part = { partNumber: n, size: data.length, etag: `"${createHash('md5').update(data).digest('hex')}"`, lastModified: new Date(), data };
      u.parts.set(n, part);
      const { data: _d, ...pub } = part;
      return pub;
    },
    async listParts(bucket, id, o) {
      const u = uploads.get(id);
      if (!u || u.bucket !== bucket) throw EngineErrors.NO_SUCH_UPLOAD();
      const all = [...u.parts.values()].sort((x, y) => x.partNumber - y.partNumber).filter((p) => p.partNumber > (o?.marker ?? 0));
      const limit = o?.limit ?? 1000;
      const page = all.slice(0, limit).map(({ data: _d, ...p }) => p);
      return { parts: page, truncated: all.length > limit, next: page[page.length - 1]?.partNumber };
    },
    async completeUpload(bucket, id, parts: CompletePart[], o) {
      const u = uploads.get(id);
      if (!u || u.bucket !== bucket) throw EngineErrors.NO_SUCH_UPLOAD();
      const chosen = parts.map((p, i) => {
        const s = u.parts.get(p.partNumber);
        if (!s || unquote(s.etag) !== unquote(p.etag)) throw EngineErrors.INVALID_PART();
        if (i < parts.length - 1 && s.size < minPart) throw EngineErrors.ENTITY_TOO_SMALL();
        return s;
      });
      checkCondition(u, o?.condition);
      const md5s = Buffer.concat(chosen.map((p) => Buffer.from(unquote(p.etag), 'hex')));
      const etag = `"${createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;
      const data = Buffer.concat(chosen.map((p) => p.data));
      uploads.delete(id);
      const v = publicView(commit(u, attrsVersion(u.attrs, data, etag, {
        checksum: o?.checksum,
        parts: chosen.map((p) => ({ partNumber: p.partNumber, size: p.size, etag: p.etag, checksum: p.checksum })),
      })));
      completed.set(id, { bucket, parts: partList(parts), answer: { key: u.key, versionId: v.versionId, etag: v.etag, checksum: v.checksum } });
      return v;
    },
    async completedUpload(bucket, id, parts: CompletePart[]) {
      const c = completed.get(id);
      return c && c.bucket === bucket && c.parts === partList(parts) ? c.answer : undefined;
    },
    async abortUpload(bucket, id) {
      const u = uploads.get(id);
      if (!u || u.bucket !== bucket) throw EngineErrors.NO_SUCH_UPLOAD();
      uploads.delete(id);
    },
    async listUploads(bucket, o) {
      const list = [...uploads.values()].filter((u) => u.bucket === bucket && u.key.startsWith(o.prefix ?? '') && (o.keyMarker === undefined || u.key > o.keyMarker))
        .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
      const page = list.slice(0, o.limit).map(({ parts: _p, ...info }) => info);
      return { uploads: page, commonPrefixes: [], truncated: list.length > o.limit, nextKeyMarker: page[page.length - 1]?.key, nextUploadIdMarker: page[page.length - 1]?.uploadId };
    },

    async snapshotCreate() { throw new Error('not in the fake'); },
    async snapshotList() { return []; },
    async snapshotDelete() { throw new Error('not in the fake'); },
    async clone() { throw new Error('not in the fake'); },
    async bucketClone() { throw new Error('not in the fake'); },
    async feedRead() { return []; },
    async fsck() { return { chunksChecked: 0, missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [], damaged: [], indexErrors: [] }; },
    async gc() { return 0; },
    workers() { return []; },
    async close() {},
  };
  return api;
}
