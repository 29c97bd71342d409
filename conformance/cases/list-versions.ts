/**
 * ListObjectVersions (`GET /{bucket}?versions`): order (keys ascending, each key's versions and
 * delete markers newest first, interleaved), fields, prefix/delimiter, key and version-id markers,
 * paging.
 */
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { expectRawError, md5Etag } from '../lib/check.js';
import { filled, formDecode, listVersionsRaw, prefixesOf, type VersionEntry } from '../lib/listing.js';
import type { Case, Ctx } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html';
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function versioned(ctx: Ctx, prefix: string): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  return b;
}

async function put(ctx: Ctx, b: string, key: string, body = key): Promise<string> {
  return (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }))).VersionId ?? 'null';
}

async function del(ctx: Ctx, b: string, key: string): Promise<string> {
  return (await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: key }))).VersionId!;
}

/** `key@versionId` of each entry (delete markers as `key@versionId!`). */
const ids = (entries: VersionEntry[]): string[] => entries.map((e) => `${e.key}@${e.versionId}${e.kind === 'DeleteMarker' ? '!' : ''}`);

/**
 * Three keys: a (v1, v2), b (v1, marker), c (v1). Returns the ids in listing order.
 */
async function history(ctx: Ctx, prefix: string): Promise<{ b: string; order: string[] }> {
  const b = await versioned(ctx, prefix);
  const a1 = await put(ctx, b, 'a');
  const a2 = await put(ctx, b, 'a');
  const b1 = await put(ctx, b, 'b');
  const bm = await del(ctx, b, 'b');
  const c1 = await put(ctx, b, 'c');
  return { b, order: [`a@${a2}`, `a@${a1}`, `b@${bm}!`, `b@${b1}`, `c@${c1}`] };
}

export const cases: Case[] = [
  {
    name: 'unversioned bucket: one null version per key, IsLatest; Name, markers, MaxKeys, IsTruncated',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'lv-plain', ['x', 'y']);
      const { doc, entries } = await listVersionsRaw(ctx, b);
      assert.equal(doc.Name, b);
      assert.equal(doc.Prefix, '');
      assert.equal(doc.KeyMarker, '');
      assert.equal(doc.VersionIdMarker, '');
      assert.equal(doc.MaxKeys, '1000');
      assert.equal(doc.IsTruncated, 'false');
      assert.deepEqual(entries.map((e) => [e.kind, e.key, e.versionId, e.isLatest]), [['Version', 'x', 'null', true], ['Version', 'y', 'null', true]]);
    },
  },
  {
    name: 'a key\'s versions come newest first; only the first is IsLatest',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-order');
      const v = [await put(ctx, b, 'k', '1'), await put(ctx, b, 'k', '22'), await put(ctx, b, 'k', '333')];
      const { entries } = await listVersionsRaw(ctx, b);
      assert.deepEqual(entries.map((e) => e.versionId), [...v].reverse());
      assert.deepEqual(entries.map((e) => e.isLatest), [true, false, false]);
      assert.deepEqual(entries.map((e) => e.fields.Size), ['3', '2', '1']);
    },
  },
  {
    name: 'versions and delete markers interleave in one newest-first sequence, keys ascending',
    ref: API,
    async run(ctx) {
      const { b, order } = await history(ctx, 'lv-mix');
      assert.deepEqual(ids((await listVersionsRaw(ctx, b)).entries), order);
    },
  },
  {
    name: 'Version fields: Key, VersionId, IsLatest, LastModified, quoted ETag, Size, StorageClass, Owner',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-vfields');
      const v = await put(ctx, b, 'k', 'body');
      const f = (await listVersionsRaw(ctx, b)).entries[0]!.fields;
      assert.equal(f.Key, 'k');
      assert.equal(f.VersionId, v);
      assert.equal(f.IsLatest, 'true');
      assert.match(f.LastModified, ISO_MS);
      assert.equal(f.ETag, md5Etag('body'));
      assert.equal(f.Size, '4');
      assert.equal(f.StorageClass, 'STANDARD');
      assert.ok(f.Owner?.ID, 'Owner/ID');
    },
  },
  {
    name: 'DeleteMarker fields: Key, VersionId, IsLatest, LastModified, Owner, and no ETag or Size',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-dmfields');
      await put(ctx, b, 'k');
      const dm = await del(ctx, b, 'k');
      const e = (await listVersionsRaw(ctx, b)).entries[0]!;
      assert.equal(e.kind, 'DeleteMarker');
      assert.equal(e.versionId, dm);
      assert.equal(e.isLatest, true);
      assert.match(e.fields.LastModified, ISO_MS);
      assert.ok(e.fields.Owner?.ID, 'Owner/ID');
      assert.equal(e.fields.ETag, undefined);
      assert.equal(e.fields.Size, undefined);
    },
  },
  {
    name: 'the null version written before versioning was enabled lists after the newer ones',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('lv-null');
      await put(ctx, b, 'k');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const v = await put(ctx, b, 'k');
      assert.deepEqual(ids((await listVersionsRaw(ctx, b)).entries), [`k@${v}`, 'k@null']);
    },
  },
  {
    name: 'prefix: only versions of keys under it, Prefix echoed',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-prefix');
      await put(ctx, b, 'dir/a');
      await put(ctx, b, 'dir/a');
      await put(ctx, b, 'other');
      const { doc, entries } = await listVersionsRaw(ctx, b, { prefix: 'dir/' });
      assert.deepEqual(entries.map((e) => e.key), ['dir/a', 'dir/a']);
      assert.equal(doc.Prefix, 'dir/');
    },
  },
  {
    name: 'delimiter: CommonPrefixes roll up keys below it',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-delim');
      for (const k of ['top', 'd1/a', 'd1/b', 'd2/x/y']) await put(ctx, b, k);
      const { doc, entries } = await listVersionsRaw(ctx, b, { delimiter: '/' });
      assert.deepEqual(entries.map((e) => e.key), ['top']);
      assert.deepEqual(prefixesOf(doc), ['d1/', 'd2/']);
      assert.equal(doc.Delimiter, '/');
    },
  },
  {
    name: 'key-marker alone: starts at the first version of the next key, KeyMarker echoed',
    ref: API,
    async run(ctx) {
      const { b, order } = await history(ctx, 'lv-km');
      const { doc, entries } = await listVersionsRaw(ctx, b, { 'key-marker': 'a' });
      assert.deepEqual(ids(entries), order.slice(2));
      assert.equal(doc.KeyMarker, 'a');
    },
  },
  {
    name: 'key-marker with version-id-marker: starts after that version of that key',
    ref: API,
    async run(ctx) {
      const { b, order } = await history(ctx, 'lv-vm');
      const a2 = order[0]!.split('@')[1]!;
      const { doc, entries } = await listVersionsRaw(ctx, b, { 'key-marker': 'a', 'version-id-marker': a2 });
      assert.deepEqual(ids(entries), order.slice(1));
      assert.equal(doc.VersionIdMarker, a2);
    },
  },
  {
    name: 'version-id-marker without key-marker: 400 InvalidArgument',
    ref: API,
    async run(ctx) {
      const { b, order } = await history(ctx, 'lv-vm-only');
      const v = order[0]!.split('@')[1]!;
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?versions&version-id-marker=${encodeURIComponent(v)}` }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'a truncated page names its last entry in NextKeyMarker and NextVersionIdMarker',
    ref: API,
    async run(ctx) {
      const { b, order } = await history(ctx, 'lv-next');
      const { doc, entries } = await listVersionsRaw(ctx, b, { 'max-keys': '3' });
      assert.deepEqual(ids(entries), order.slice(0, 3));
      assert.equal(doc.IsTruncated, 'true');
      assert.equal(doc.NextKeyMarker, 'b');
      assert.equal(doc.NextVersionIdMarker, entries[2]!.versionId);
    },
  },
  {
    name: 'paging two at a time by the Next markers visits every version once, in order',
    ref: API,
    async run(ctx) {
      const { b, order } = await history(ctx, 'lv-walk');
      const seen: string[] = [];
      let q: Record<string, string> = { 'max-keys': '2' };
      for (let i = 0; i < 10; i++) {
        const { doc, entries } = await listVersionsRaw(ctx, b, q);
        seen.push(...ids(entries));
        if (doc.IsTruncated !== 'true') break;
        q = { 'max-keys': '2', 'key-marker': doc.NextKeyMarker, 'version-id-marker': doc.NextVersionIdMarker };
      }
      assert.deepEqual(seen, order);
    },
  },
  {
    name: 'SDK ListObjectVersions: Versions, DeleteMarkers and paging fields parsed',
    ref: API,
    async run(ctx) {
      const { b } = await history(ctx, 'lv-sdk');
      const out = await ctx.s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: 4 }));
      assert.deepEqual((out.Versions ?? []).map((v) => v.Key), ['a', 'a', 'b']);
      assert.deepEqual((out.DeleteMarkers ?? []).map((v) => v.Key), ['b']);
      assert.equal(out.IsTruncated, true);
      assert.equal(out.NextKeyMarker, 'b');
      assert.ok(out.NextVersionIdMarker);
    },
  },
  {
    name: 'encoding-type=url: keys come back URL-encoded',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-url');
      await put(ctx, b, 'a b+c');
      const { doc, entries } = await listVersionsRaw(ctx, b, { 'encoding-type': 'url' });
      assert.equal(doc.EncodingType, 'url');
      assert.deepEqual(entries.map((e) => formDecode(e.key)), ['a b+c']);
      assert.ok(!entries[0]!.key.includes(' '));
    },
  },
  {
    name: 'a missing bucket: 404 NoSuchBucket',
    ref: API,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: '/no-such-bucket-for-versions?versions' }), 404, 'NoSuchBucket');
    },
  },
  {
    name: 'max-keys that is not a non-negative integer: 400 InvalidArgument',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'lv-maxbad');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?versions&max-keys=many` }), 400, 'InvalidArgument');
    },
  },
];
