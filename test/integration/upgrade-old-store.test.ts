/**
 * Upgrade compatibility (issue #3: a data dir written by an older build must open with this one).
 * test/fixtures/old-stores/423cb0c is a real store written through the S3 API by commit 423cb0c
 * (2026-11-26, the oldest build after the chunk-record colocation): chunk files in format v1,
 * random (not time-ordered) upload ids, upload records without `initiator`, an untagged GC queue
 * value, no CCOW-DISK marker, no scrub record — forms only old stores hold (its README says how it
 * was made). The golden per-format fixtures check each record alone; this checks that a whole store
 * opens: fsck clean, every version, delete marker, checksum, tag, ACL, bucket config, open upload
 * and snapshot reads back as the old build showed it (expected.json, captured from that build's
 * answers), and new writes, a clone of the old snapshot, deletes and GC work on it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand,
  GetBucketAclCommand, GetBucketCorsCommand, GetBucketLifecycleConfigurationCommand, GetBucketPolicyCommand, GetBucketTaggingCommand,
  GetBucketVersioningCommand, GetObjectAclCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListBucketsCommand,
  ListMultipartUploadsCommand, ListObjectsV2Command, ListObjectVersionsCommand, ListPartsCommand, PutObjectCommand, S3Client,
  type Grant,
} from '@aws-sdk/client-s3';
import { decodeVersionRecord } from '../../src/engine/format/records.js';
import { prefixRange, quietKeyOfNiKey, stateKey, T } from '../../src/engine/keys.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'old-stores', '423cb0c');
const DEFAULT_USER = { accessKey: 'upgadminkey0001', secretKey: 'upgadminsecret0000000000000001' };
const BOB = { name: 'bob', accessKey: 'upgbobkey000001', secretKey: 'upgbobsecret00000000000000000001' };

interface ExpectedVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size?: number;
  etag?: string;
  sha256?: string;
  contentType?: string;
  metadata?: Record<string, string>;
  tags?: { Key: string; Value: string }[];
  acl?: [string, string][];
  partsCount?: number;
  [header: string]: unknown;
}
interface ExpectedBucket {
  versioning: string;
  acl: [string, string][];
  policy?: unknown;
  cors?: unknown;
  lifecycle?: unknown;
  tagging?: unknown;
  versions: ExpectedVersion[];
  uploads: { key: string; uploadId: string; checksumAlgorithm: string | null; parts: Record<string, unknown>[] }[];
}
interface Expected {
  default: Record<string, ExpectedBucket>;
  bob: Record<string, ExpectedBucket>;
  snap1View: Record<string, string>;
  completedOpenUpload: { key: string; sha256: string };
}

/** Headers expected.json records per version (its names are the SDK's with a lower-case first letter). */
const HEADERS = ['cacheControl', 'contentDisposition', 'contentLanguage', 'contentEncoding', 'checksumType',
  'checksumCRC32', 'checksumCRC32C', 'checksumSHA1', 'checksumSHA256', 'checksumCRC64NVME'] as const;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
/** Drop undefined members and the SDK's $metadata, as the captured JSON has none. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === '$metadata' ? undefined : x)));
const grants = (g: Grant[] | undefined): [string, string][] =>
  (g ?? []).map((x): [string, string] => [x.Grantee?.ID ?? x.Grantee?.URI ?? '', x.Permission ?? '']).sort((a, b) => (a.join() < b.join() ? -1 : 1));
const upper = (s: string): string => s[0]!.toUpperCase() + s.slice(1);

/** A private copy of the fixture store (the metadata file is kept gzipped in the repository). */
async function copyStore(dir: string): Promise<void> {
  await cp(join(FIXTURE, 'store'), dir, { recursive: true });
  const gz = join(dir, 'meta', 'data.mdb.gz');
  await writeFile(join(dir, 'meta', 'data.mdb'), gunzipSync(await readFile(gz)));
  await rm(gz);
}

async function chunkFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'chunks'), { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
}

async function assertFsckClean(gw: TestGateway, when: string): Promise<void> {
  const r = await gw.engine.fsck();
  assert.deepEqual(
    { missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs, missingRefs: r.missingRefs },
    { missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [] },
    `fsck ${when}`,
  );
}

/** Every bucket of one user reads back as expected.json says the old build showed it. */
async function assertBuckets(s3: S3Client, want: Record<string, ExpectedBucket>): Promise<void> {
  const names = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort();
  assert.deepEqual(names, Object.keys(want).sort());
  for (const [bucket, exp] of Object.entries(want)) {
    const Bucket = bucket;
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status ?? 'Unversioned', exp.versioning, `${bucket} versioning`);
    assert.deepEqual(grants((await s3.send(new GetBucketAclCommand({ Bucket }))).Grants), exp.acl, `${bucket} ACL`);
    const cfg = async (name: string, get: () => Promise<unknown>): Promise<unknown> => get().catch((e: { name?: string }) => {
      assert.match(e.name ?? '', /^NoSuch/, `${bucket} ${name}`);
      return undefined;
    });
    assert.deepEqual(await cfg('policy', async () => JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy!) as unknown), exp.policy, `${bucket} policy`);
    assert.deepEqual(await cfg('cors', async () => plain((await s3.send(new GetBucketCorsCommand({ Bucket }))).CORSRules)), exp.cors, `${bucket} CORS`);
    assert.deepEqual(await cfg('lifecycle', async () => plain((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules)), exp.lifecycle, `${bucket} lifecycle`);
    assert.deepEqual(await cfg('tagging', async () => plain((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet)), exp.tagging, `${bucket} tagging`);

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    assert.equal(listed.IsTruncated, false);
    const versions = [
      ...(listed.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId!, isLatest: v.IsLatest!, deleteMarker: false, size: v.Size, etag: v.ETag })),
      ...(listed.DeleteMarkers ?? []).map((m) => ({ key: m.Key!, versionId: m.VersionId!, isLatest: m.IsLatest!, deleteMarker: true })),
    ];
    const byId = (a: { key: string; versionId: string }, b: { key: string; versionId: string }): number =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0;
    const ids = (v: ExpectedVersion): Record<string, unknown> =>
      plain({ key: v.key, versionId: v.versionId, isLatest: v.isLatest, deleteMarker: v.deleteMarker, size: v.size, etag: v.etag }) as Record<string, unknown>;
    assert.deepEqual(versions.sort(byId).map((v) => plain(v)), [...exp.versions].sort(byId).map(ids), `${bucket} ListObjectVersions`);

    for (const v of exp.versions.filter((x) => !x.deleteMarker)) {
      const at = `${bucket}/${v.key}@${v.versionId}`;
      const addr = { Bucket, Key: v.key, VersionId: v.versionId };
      const got = await s3.send(new GetObjectCommand(addr));
      const data = await got.Body!.transformToByteArray();
      assert.equal(sha256(data), v.sha256, `${at} bytes`);
      assert.equal(got.ContentType, v.contentType, `${at} Content-Type`);
      assert.deepEqual(got.Metadata ?? {}, v.metadata, `${at} user metadata`);
      const head = await s3.send(new HeadObjectCommand({ ...addr, ChecksumMode: 'ENABLED' })) as unknown as Record<string, unknown>;
      for (const h of HEADERS) assert.equal(head[upper(h)], v[h], `${at} ${h}`);
      const part1 = await s3.send(new HeadObjectCommand({ ...addr, PartNumber: 1 }));
      assert.equal(part1.PartsCount ?? null, v.partsCount ?? null, `${at} PartsCount`);
      assert.deepEqual(plain((await s3.send(new GetObjectTaggingCommand(addr))).TagSet), v.tags, `${at} tags`);
      assert.deepEqual(grants((await s3.send(new GetObjectAclCommand(addr))).Grants), v.acl, `${at} ACL`);
    }

    const uploads = (await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? [];
    assert.deepEqual(uploads.map((u) => [u.Key, u.UploadId]), exp.uploads.map((u) => [u.key, u.uploadId]), `${bucket} uploads`);
    for (const u of exp.uploads) {
      const lp = await s3.send(new ListPartsCommand({ Bucket, Key: u.key, UploadId: u.uploadId }));
      assert.equal(lp.ChecksumAlgorithm ?? null, u.checksumAlgorithm, `${u.key} upload checksum algorithm`);
      const parts = (lp.Parts ?? []).map((p) => {
        const out: Record<string, unknown> = { partNumber: p.PartNumber, etag: p.ETag, size: p.Size };
        for (const h of HEADERS.filter((x) => x.startsWith('checksumC') || x.startsWith('checksumS'))) {
          const value = (p as Record<string, unknown>)[upper(h)];
          if (value !== undefined) out[h] = value;
        }
        return out;
      });
      assert.deepEqual(parts, u.parts, `${u.key} parts`);
    }
  }
}

/**
 * The old build kept no quiet-marker index (derived.ts): the tombstone purge's first pass scans the
 * name index, purges the markers past their retention, indexes the others and records the index
 * complete; from then on it holds exactly the quiet markers left.
 */
async function assertQuietIndexBuilt(gw: TestGateway): Promise<void> {
  const meta = gw.backend.meta;
  assert.equal(await meta.get(stateKey('ix:quiet')), undefined, 'the old store has no quiet-marker index');
  const purge = gw.engine.workers().find((w) => w.name === 'tombstone-purge')!;
  for (let i = 0; i < 100 && (await purge.step()) === 'busy'; i++);
  assert.ok(await meta.get(stateKey('ix:quiet')), 'recorded complete after the first pass');
  const quiet: string[] = [];
  for await (const [k, v] of meta.range(prefixRange(Buffer.from([T.NI])))) {
    const r = decodeVersionRecord(v);
    if (r.quiet && !r.hidden) quiet.push(quietKeyOfNiKey(k).toString('hex'));
  }
  const indexed: string[] = [];
  for await (const [k] of meta.range(prefixRange(Buffer.from([T.QUIET])))) indexed.push(Buffer.from(k).toString('hex'));
  assert.deepEqual(indexed.sort(), quiet.sort());
}

test('a store written by 423cb0c opens: fsck clean, everything reads back as written, new writes, clone, delete and GC work', async (t) => {
  const expected = JSON.parse(await readFile(join(FIXTURE, 'expected.json'), 'utf8')) as Expected;
  const dir = await makeTempDir('old-store');
  t.after(() => dir.cleanup());
  await copyStore(dir.path);
  const gw = await startGateway({ backend: 'local', dataDir: dir.path, ...DEFAULT_USER, users: [BOB] });
  t.after(() => gw.close());
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  const bob = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  t.after(() => { s3.destroy(); bob.destroy(); });

  // The old build left garbage queued for GC (overwrites, aborts, a deleted snapshot) within its
  // 1 h hold; once the fixture is older than that, fsck counts what is due and not yet collected as
  // leaked, which the first pass of the GC worker after an upgrade collects. So that pass runs first
  // (it collects nothing while the hold lasts): the result no longer depends on the fixture's age,
  // and a chunk the new build wrongly took for unreferenced would be deleted and fail the reads below.
  await gw.engine.gc();
  await assertFsckClean(gw, 'on the old store after its pending GC');
  await assertQuietIndexBuilt(gw);
  await assertBuckets(s3, expected.default);
  await assertBuckets(bob, expected.bob);

  // The old snapshot: listed, and a bucket cloned from it shows its view.
  assert.deepEqual((await gw.engine.snapshotList('fy')).map((s) => s.name), ['snap1']);
  await gw.engine.bucketClone('fy', 'snap1', 'fyclone');
  const cloned: Record<string, string> = {};
  for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: 'fyclone' }))).Contents ?? []) {
    cloned[o.Key!] = sha256(await (await s3.send(new GetObjectCommand({ Bucket: 'fyclone', Key: o.Key! }))).Body!.transformToByteArray());
  }
  assert.deepEqual(cloned, expected.snap1View, 'clone of the old snapshot');

  // The upload left open by the old build completes with the parts it stored.
  const open = expected.default.fx!.uploads.find((u) => u.key === expected.completedOpenUpload.key)!;
  const parts = (await s3.send(new ListPartsCommand({ Bucket: 'fx', Key: open.key, UploadId: open.uploadId }))).Parts!;
  await s3.send(new CompleteMultipartUploadCommand({
    Bucket: 'fx', Key: open.key, UploadId: open.uploadId,
    MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag, ChecksumSHA256: p.ChecksumSHA256 })) },
  }));
  const completed = await (await s3.send(new GetObjectCommand({ Bucket: 'fx', Key: open.key }))).Body!.transformToByteArray();
  assert.equal(sha256(completed), expected.completedOpenUpload.sha256, 'completed old upload');

  // New writes on top: the same bytes as an old chunk-file object (dedup onto a v1 chunk file), an
  // overwrite, a new version over old ones, a delete marker.
  const random = await (await s3.send(new GetObjectCommand({ Bucket: 'fx', Key: 'random-100k' }))).Body!.transformToByteArray();
  await s3.send(new CreateBucketCommand({ Bucket: 'fresh' }));
  await s3.send(new PutObjectCommand({ Bucket: 'fresh', Key: 'same', Body: random }));
  await s3.send(new PutObjectCommand({ Bucket: 'fx', Key: 'tiny', Body: 'new tiny' }));
  await s3.send(new PutObjectCommand({ Bucket: 'fy', Key: 'a', Body: 'new a' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'fy', Key: 'tree-11m' }));
  assert.equal(sha256(await (await s3.send(new GetObjectCommand({ Bucket: 'fresh', Key: 'same' }))).Body!.transformToByteArray()), sha256(random));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'fx', Key: 'tiny' }))).Body!.transformToString(), 'new tiny');
  const aVersions = (await s3.send(new ListObjectVersionsCommand({ Bucket: 'fy', Prefix: 'a' }))).Versions!.filter((v) => v.Key === 'a');
  assert.equal(aVersions.length, expected.default.fy!.versions.filter((v) => v.key === 'a' && !v.deleteMarker).length + 1);
  await assertFsckClean(gw, 'after new writes');

  // Everything deleted, the snapshot too: GC leaves nothing.
  await gw.engine.snapshotDelete('fy', 'snap1');
  for (const client of [s3, bob]) {
    for (const { Name } of (await client.send(new ListBucketsCommand({}))).Buckets ?? []) {
      for (const u of (await client.send(new ListMultipartUploadsCommand({ Bucket: Name }))).Uploads ?? []) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: Name, Key: u.Key, UploadId: u.UploadId }));
      }
      const l = await client.send(new ListObjectVersionsCommand({ Bucket: Name }));
      for (const v of [...(l.Versions ?? []), ...(l.DeleteMarkers ?? [])]) {
        await client.send(new DeleteObjectCommand({ Bucket: Name, Key: v.Key, VersionId: v.VersionId }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: Name }));
    }
  }
  await gw.engine.gc({ graceMs: 0 });
  await assertFsckClean(gw, 'after deleting everything');
  assert.equal((await gw.backend.stats()).chunkCount, 0, 'no chunk left');
  assert.deepEqual(await chunkFiles(dir.path), [], 'no chunk file left');
});
