/**
 * Listings (shared/spec/ccow.md §7.2, s3-surface.md §4.1): forward range scans of `cur` (current
 * objects) or `ni` (all versions) in UTF-8 byte order of the keys, with delimiter roll-up done while
 * scanning: after a common prefix the scan seeks to `escape(prefix) ‖ 0xFF`, past every key under
 * it, so a page costs O(entries shown + prefixes shown) seeks whatever the bucket holds.
 */
import { compareBytes, prefixEnd } from '../common/index.js';
import type { RangeOptions, VisitStep } from '../storage/contract/index.js';
import type { ListEntry, ListOptions, ListPage, ListVersionsOptions, ObjectVersion, VersionsPage } from './api.js';
import { seenAt } from './commit.js';
import type { Core } from './core.js';
import { EngineErrors } from './errors.js';
import { decodeVersionRecord, type VersionRecord } from './format/records.js';
import { bucketPrefix, decodeObjectKey, encodeObjectKey, escapeKeyPrefix, niKey, niKeyPrefix, prefixRange, T, uvidOfNiKey } from './keys.js';
import { snapshotCutoff, toObjectVersion } from './resolve.js';
import { invertUvid, uvidHexMs, versionIdToUvid } from './uvid.js';

/** A lower scan bound. */
interface Bound {
  key: Buffer;
  inclusive: boolean;
}

/** The common prefix `key` rolls up into under `delimiter`, if any. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (!delimiter) return undefined;
  const i = key.indexOf(delimiter, prefix.length);
  return i < 0 ? undefined : key.slice(0, i + delimiter.length);
}

/** First scan key past every key that starts with `cp` (0xFF never occurs in an encoded key body). */
export function seekPast(base: Buffer, cp: string): Buffer {
  return Buffer.concat([base, escapeKeyPrefix(cp), Buffer.from([0xff])]);
}

/**
 * Lower bound for "after marker" (V1 marker, V2 start-after, versions/uploads key-marker): past all
 * keys under the common prefix the marker falls in, whether the marker is that prefix or a key
 * under it. S3 does not give the prefix again once the marker is inside it (it sorts before the
 * marker): with keys folder/aSubfolder/subFile1, …/subFile2, folder/file1, prefix folder/ and
 * delimiter /, marker folder/aSubfolder/subFile1 lists folder/file1 next (LocalStack's AWS-validated
 * test_s3_list_operations.py list-objects-manual-first-file, list-object-versions-manual-first-file,
 * list-multiparts-manual-first-file).
 */
function afterMarker(base: Buffer, marker: string, prefix: string, delimiter: string | undefined): Bound {
  const cp = marker.startsWith(prefix) ? commonPrefixOf(marker, prefix, delimiter) : undefined;
  if (cp !== undefined) return { key: seekPast(base, cp), inclusive: true };
  // Every entry key of `marker` (ni: enc ‖ ~uvid) sorts below prefixEnd(enc(marker)), and no other key's encoding starts with enc(marker).
  return { key: prefixEnd(Buffer.concat([base, encodeObjectKey(marker)]))!, inclusive: true };
}

function maxBound(a: Bound, b: Bound): Bound {
  const c = compareBytes(a.key, b.key);
  if (c !== 0) return c > 0 ? a : b;
  return a.inclusive ? b : a;
}

function rangeOf(lower: Bound, upper: Buffer | undefined): RangeOptions {
  const r: RangeOptions = lower.inclusive ? { gte: lower.key } : { gt: lower.key };
  if (upper) r.lt = upper;
  return r;
}

function toListEntry(key: string, rec: VersionRecord): ListEntry {
  const e: ListEntry = { key, size: rec.size, etag: rec.etag, lastModified: new Date(uvidHexMs(rec.uvid)), storageClass: rec.storageClass };
  if (rec.checksumAlgorithm) e.checksumAlgorithm = rec.checksumAlgorithm;
  if (rec.checksumType) e.checksumType = rec.checksumType;
  if (rec.acl !== undefined) e.acl = rec.acl;
  return e;
}

/**
 * Visit `[lower, upper)` calling `visit` per row with lent bytes (MetaStore.visit: decode, never
 * keep); `visit` returns 'stop', 'next', or a key to seek to.
 */
function scan(core: Core, lower: Bound, upper: Buffer | undefined, visit: (k: Uint8Array, v: Uint8Array) => VisitStep): Promise<void> {
  return core.backend.meta.visit(rangeOf(lower, upper), visit);
}

/** ListObjects over `cur` (or over `ni` through a bucket snapshot's view). */
export async function listObjects(core: Core, bucket: string, opts: ListOptions & { snapshot?: string }): Promise<ListPage> {
  const b = await core.bucket(bucket);
  const page: ListPage = { entries: [], commonPrefixes: [], truncated: false };
  if (opts.limit <= 0) return page;
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter || undefined;
  const cutoff = opts.snapshot !== undefined ? await snapshotCutoff(core, b, opts.snapshot) : undefined;
  const base = bucketPrefix(cutoff ? T.NI : T.CUR, b.id);
  const start = Buffer.concat([base, escapeKeyPrefix(prefix)]);
  let lower: Bound = { key: start, inclusive: true };
  if (opts.startAfter) lower = maxBound(lower, afterMarker(base, opts.startAfter, prefix, delimiter));
  let count = 0;
  let doneKey: string | undefined;
  await scan(core, lower, prefixEnd(start), (k, v) => {
    const { key } = decodeObjectKey(k, base.length);
    let rec: VersionRecord | undefined;
    if (cutoff) {
      // View at T (§10): the first entry of the key with UVID ≤ T that the view sees decides; later
      // rows of the key are skipped. Seeks, not steps, over the rows that cannot decide: the key's
      // versions newer than T and those after the deciding one, so a page of the view (and a bucket
      // clone, which fills from it) costs the keys it shows, not every version they ever had.
      const keyBase = k.subarray(0, k.length - 16);
      if (key === doneKey) return prefixEnd(keyBase)!;
      if (compareBytes(uvidOfNiKey(k), cutoff) > 0) return Buffer.concat([keyBase, invertUvid(cutoff)]);
      rec = decodeVersionRecord(v);
      if (!seenAt(rec, cutoff)) return 'next';
      doneKey = key;
      if (rec.deleted) return prefixEnd(keyBase)!;
    }
    const cp = commonPrefixOf(key, prefix, delimiter);
    if (count === opts.limit) {
      page.truncated = true;
      return 'stop';
    }
    count++;
    if (cp !== undefined) {
      page.commonPrefixes.push(cp);
      page.next = { key: cp, isPrefix: true };
      return seekPast(base, cp);
    }
    page.entries.push(toListEntry(key, rec ?? decodeVersionRecord(v)));
    page.next = { key, isPrefix: false };
    return 'next';
  });
  if (!page.truncated) delete page.next;
  return page;
}

/** Lower bound of a versions listing from its markers (s3-surface.md §4.1 table). */
async function versionsStart(core: Core, bucketId: Buffer, base: Buffer, opts: ListVersionsOptions, prefix: string, delimiter: string | undefined): Promise<{ lower: Bound; midKey: boolean }> {
  const lower: Bound = { key: Buffer.concat([base, escapeKeyPrefix(prefix)]), inclusive: true };
  if (opts.versionIdMarker !== undefined && opts.keyMarker === undefined) throw EngineErrors.INVALID_ARGUMENT('version-id-marker needs key-marker');
  if (opts.keyMarker === undefined) return { lower, midKey: false };
  if (opts.versionIdMarker === undefined || opts.versionIdMarker === '') {
    return { lower: maxBound(lower, afterMarker(base, opts.keyMarker, prefix, delimiter)), midKey: false };
  }
  const enc = encodeObjectKey(opts.keyMarker);
  let uvid: Uint8Array | undefined;
  if (opts.versionIdMarker === 'null') {
    // The key's visible null version (there is at most one: a null write purges the previous),
    // found as findVersion finds it: reading on past it read the key's whole history.
    for await (const [k, v] of core.backend.meta.range(prefixRange(niKeyPrefix(bucketId, enc)))) {
      const r = decodeVersionRecord(v);
      if (r.isNull && !r.hidden) {
        uvid = uvidOfNiKey(k);
        break;
      }
    }
  } else {
    // A version id names a place in the key's newest-first order whether or not that version still
    // exists: the marker of the last page is often deleted before the next page is asked for (list a
    // page, delete it, list on: boto3's object_versions.delete(), SDK paginators feeding
    // DeleteObjects), and S3 then goes on after it ("AWS will return the next value in line after this
    // now deleted marker", localstack/localstack#12259, fixing #12255). Only a malformed id is refused
    // (the S3 layer checks the form first).
    const u = versionIdToUvid(opts.versionIdMarker);
    if (!u) throw EngineErrors.INVALID_ARGUMENT(`malformed version-id-marker ${opts.versionIdMarker}`);
    const at = niKey(bucketId, enc, u);
    // The key's latest version was listed before (not the first one after the marker) when one is
    // shown at or before the marker's place.
    let shown = false;
    for await (const [, v] of core.backend.meta.range({ gte: niKeyPrefix(bucketId, enc), lte: at })) {
      if (!decodeVersionRecord(v).hidden) {
        shown = true;
        break;
      }
    }
    return { lower: maxBound(lower, { key: at, inclusive: false }), midKey: shown };
  }
  // A null version that is gone left no place (its id is not a time): go on from the key's first
  // version. In an unversioned bucket, whose every marker is `null`, that is the next key (the
  // page-then-delete loop again); in a versioned one, versions of the key newer than the null one
  // may be listed again, and none older than it is skipped.
  if (!uvid) return { lower: maxBound(lower, { key: niKeyPrefix(bucketId, enc), inclusive: true }), midKey: false };
  return { lower: maxBound(lower, { key: niKey(bucketId, enc, uvid), inclusive: false }), midKey: true };
}

/** ListObjectVersions over `ni`: keys ascending, a key's versions newest first. */
export async function listVersions(core: Core, bucket: string, opts: ListVersionsOptions): Promise<VersionsPage> {
  const b = await core.bucket(bucket);
  const page: VersionsPage = { entries: [], commonPrefixes: [], truncated: false };
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter || undefined;
  const base = bucketPrefix(T.NI, b.id);
  const { lower, midKey } = await versionsStart(core, b.id, base, opts, prefix, delimiter);
  if (opts.limit <= 0) return page;
  let count = 0;
  let lastKey = midKey ? opts.keyMarker : undefined;
  let latestPending = false;
  let endedOnPrefix = false;
  let last: ObjectVersion | undefined;
  await scan(core, lower, prefixEnd(Buffer.concat([base, escapeKeyPrefix(prefix)])), (k, v) => {
    const { key } = decodeObjectKey(k, base.length);
    if (key !== lastKey) {
      lastKey = key;
      latestPending = true;
    }
    const rec = decodeVersionRecord(v);
    if (rec.hidden) return 'next';
    const isLatest = latestPending;
    latestPending = false;
    if (rec.quiet) return 'next';
    if (count === opts.limit) {
      page.truncated = true;
      return 'stop';
    }
    count++;
    const cp = commonPrefixOf(key, prefix, delimiter);
    if (cp !== undefined) {
      page.commonPrefixes.push(cp);
      endedOnPrefix = true;
      page.nextKeyMarker = cp;
      return seekPast(base, cp);
    }
    endedOnPrefix = false;
    last = toObjectVersion(b.rec.name, key, rec, isLatest);
    page.entries.push(last);
    return 'next';
  });
  if (page.truncated) {
    if (!endedOnPrefix && last) {
      page.nextKeyMarker = last.key;
      page.nextVersionIdMarker = last.versionId;
    }
  } else delete page.nextKeyMarker;
  return page;
}
