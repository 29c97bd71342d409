/**
 * ListObjectsV2 (`GET /{bucket}?list-type=2`): KeyCount, continuation tokens, start-after,
 * fetch-owner, delimiters, encoding-type. Mirrors ceph/s3-tests `test_bucket_listv2_*`.
 */
import assert from 'node:assert/strict';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { expectRawError, md5Etag } from '../lib/check.js';
import { byteOrder, filled, formDecode, keysOf, listRaw, prefixesOf } from '../lib/listing.js';
import type { Case, Ctx } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html';
const TREE = ['asdf', 'boo/bar', 'boo/baz/xyzzy', 'cquux/thud', 'cquux/bla'];

const v2 = (ctx: Ctx, b: string, q: Record<string, string> = {}): ReturnType<typeof listRaw> => listRaw(ctx, b, { 'list-type': '2', ...q });

/** Walk every page with the SDK; returns the keys and prefixes in order and the page count. */
async function walk(ctx: Ctx, b: string, opts: { MaxKeys: number; Delimiter?: string; Prefix?: string }): Promise<{ items: string[]; pages: number }> {
  const items: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const out = await ctx.s3.send(new ListObjectsV2Command({ Bucket: b, ...opts, ContinuationToken: token }));
    pages++;
    items.push(...(out.Contents ?? []).map((c) => c.Key!), ...(out.CommonPrefixes ?? []).map((p) => p.Prefix!));
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
    if (out.IsTruncated) assert.ok(token, 'a truncated page carries NextContinuationToken');
  } while (token && pages < 50);
  return { items, pages };
}

export const cases: Case[] = [
  {
    name: 'empty bucket: Name, Prefix, MaxKeys 1000, KeyCount 0, IsTruncated false (test_bucket_listv2_empty)',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v2-empty');
      const doc = await v2(ctx, b);
      assert.equal(doc.Name, b);
      assert.equal(doc.Prefix, '');
      assert.equal(doc.MaxKeys, '1000');
      assert.equal(doc.KeyCount, '0');
      assert.equal(doc.IsTruncated, 'false');
      assert.equal(doc.Contents, undefined);
      assert.equal(doc.NextContinuationToken, undefined);
    },
  },
  {
    name: 'keys in UTF-8 byte order; KeyCount counts them',
    ref: API,
    async run(ctx) {
      const keys = ['b', 'a', 'B', 'aa', 'a/b', 'é', 'z'];
      const b = await filled(ctx, 'v2-order', keys);
      const doc = await v2(ctx, b);
      assert.deepEqual(keysOf(doc), byteOrder(keys));
      assert.equal(doc.KeyCount, String(keys.length));
    },
  },
  {
    name: 'each entry: Key, LastModified, quoted ETag, Size, StorageClass, and no Owner by default',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-fields', ['only']);
      const c = (await v2(ctx, b)).Contents;
      assert.equal(c.Key, 'only');
      assert.match(c.LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(c.ETag, md5Etag('only'));
      assert.equal(c.Size, '4');
      assert.equal(c.StorageClass, 'STANDARD');
      assert.equal(c.Owner, undefined);
    },
  },
  {
    name: 'fetch-owner=true adds Owner to each entry (test_bucket_listv2_fetchowner_notempty)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-owner', ['only']);
      const c = (await v2(ctx, b, { 'fetch-owner': 'true' })).Contents;
      assert.ok(c.Owner?.ID, 'Owner/ID');
    },
  },
  {
    name: 'an object uploaded with the SDK\'s default CRC32 lists ChecksumAlgorithm CRC32',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v2-cksum');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'data' }));
      const out = await ctx.s3.send(new ListObjectsV2Command({ Bucket: b }));
      assert.deepEqual(out.Contents?.[0]?.ChecksumAlgorithm, ['CRC32']);
    },
  },
  {
    name: 'KeyCount counts keys and common prefixes (test_bucket_listv2_delimiter_basic)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-keycount', TREE);
      const doc = await v2(ctx, b, { delimiter: '/' });
      assert.deepEqual(keysOf(doc), ['asdf']);
      assert.deepEqual(prefixesOf(doc), ['boo/', 'cquux/']);
      assert.equal(doc.KeyCount, '3');
      assert.equal(doc.Delimiter, '/');
    },
  },
  {
    name: 'prefix and delimiter together (test_bucket_listv2_delimiter_prefix)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-delim-prefix', TREE);
      const doc = await v2(ctx, b, { prefix: 'boo/', delimiter: '/' });
      assert.deepEqual(keysOf(doc), ['boo/bar']);
      assert.deepEqual(prefixesOf(doc), ['boo/baz/']);
      assert.equal(doc.Prefix, 'boo/');
    },
  },
  {
    name: 'max-keys=2 over five keys: pages joined by the continuation token, each key once',
    ref: API,
    async run(ctx) {
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const b = await filled(ctx, 'v2-pages', keys);
      const { items, pages } = await walk(ctx, b, { MaxKeys: 2 });
      assert.deepEqual(items, keys);
      assert.equal(pages, 3);
    },
  },
  {
    name: 'a truncated page: IsTruncated, NextContinuationToken, KeyCount = MaxKeys; the token is echoed as ContinuationToken',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-token', ['a', 'b', 'c']);
      const p1 = await v2(ctx, b, { 'max-keys': '2' });
      assert.equal(p1.IsTruncated, 'true');
      assert.equal(p1.KeyCount, '2');
      assert.ok(p1.NextContinuationToken);
      const p2 = await v2(ctx, b, { 'max-keys': '2', 'continuation-token': p1.NextContinuationToken });
      assert.equal(p2.ContinuationToken, p1.NextContinuationToken);
      assert.deepEqual(keysOf(p2), ['c']);
      assert.equal(p2.IsTruncated, 'false');
    },
  },
  {
    name: 'paging a / delimiter listing one item at a time repeats no prefix',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-walk-delim', ['a/1', 'a/2', 'b/1', 'c', 'd/1', 'd/2']);
      assert.deepEqual((await walk(ctx, b, { MaxKeys: 1, Delimiter: '/' })).items, ['a/', 'b/', 'c', 'd/']);
    },
  },
  {
    name: 'paging with a non-/ delimiter ends (no repeated token) and repeats no prefix',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-walk-alt', ['bar', 'baz', 'cab', 'caz', 'foo']);
      const { items, pages } = await walk(ctx, b, { MaxKeys: 1, Delimiter: 'a' });
      assert.deepEqual(items, ['ba', 'ca', 'foo']);
      assert.equal(pages, 3);
    },
  },
  {
    name: 'start-after: keys after it, StartAfter echoed (test_bucket_listv2_startafter_not_in_list)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-sa', ['bar', 'baz', 'foo', 'quxx']);
      const doc = await v2(ctx, b, { 'start-after': 'blah' });
      assert.deepEqual(keysOf(doc), ['foo', 'quxx']);
      assert.equal(doc.StartAfter, 'blah');
    },
  },
  {
    name: 'start-after after the last key: empty (test_bucket_listv2_startafter_after_list)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-sa-after', ['a', 'b']);
      const doc = await v2(ctx, b, { 'start-after': 'zzz' });
      assert.deepEqual(keysOf(doc), []);
      assert.equal(doc.KeyCount, '0');
    },
  },
  {
    name: 'start-after is ignored when a continuation token is given',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-sa-token', ['a', 'b', 'c', 'd']);
      const p1 = await v2(ctx, b, { 'max-keys': '1' });
      const p2 = await v2(ctx, b, { 'max-keys': '1', 'continuation-token': p1.NextContinuationToken, 'start-after': 'c' });
      assert.deepEqual(keysOf(p2), ['b']);
    },
  },
  {
    name: 'max-keys=0: no keys, KeyCount 0, IsTruncated false',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-max0', ['a']);
      const doc = await v2(ctx, b, { 'max-keys': '0' });
      assert.equal(doc.KeyCount, '0');
      assert.equal(doc.IsTruncated, 'false');
      assert.deepEqual(keysOf(doc), []);
    },
  },
  {
    name: 'max-keys that is not a non-negative integer: 400 InvalidArgument',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v2-maxbad');
      for (const v of ['x', '-2']) {
        expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?list-type=2&max-keys=${v}` }), 400, 'InvalidArgument');
      }
    },
  },
  {
    name: 'a continuation token the server never issued: 400 InvalidArgument',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-badtoken', ['a']);
      const res = await ctx.raw({ method: 'GET', path: `/${b}?list-type=2&continuation-token=${encodeURIComponent('not a token!')}` });
      expectRawError(res, 400, 'InvalidArgument');
    },
  },
  {
    name: 'a prefix no key has: KeyCount 0',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v2-prefix-none', ['a', 'b']);
      const doc = await v2(ctx, b, { prefix: 'c' });
      assert.equal(doc.KeyCount, '0');
      assert.equal(doc.Prefix, 'c');
    },
  },
  {
    name: 'encoding-type=url: keys, prefixes and StartAfter come back URL-encoded',
    ref: API,
    async run(ctx) {
      const keys = ['sp ace/a+b', 'sp ace/c%d', 'x y'];
      const b = await filled(ctx, 'v2-url', keys);
      const doc = await v2(ctx, b, { 'encoding-type': 'url', delimiter: '/', 'start-after': 'a b' });
      assert.equal(doc.EncodingType, 'url');
      assert.deepEqual(keysOf(doc).map(formDecode), ['x y']);
      assert.deepEqual(prefixesOf(doc).map(formDecode), ['sp ace/']);
      assert.equal(formDecode(doc.StartAfter), 'a b');
      assert.ok(!keysOf(doc)[0]!.includes(' '), 'the raw key is encoded');
    },
  },
  {
    name: 'a missing bucket: 404 NoSuchBucket',
    ref: API,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: '/no-such-bucket-for-list2?list-type=2' }), 404, 'NoSuchBucket');
    },
  },
  {
    name: 'another account listing the bucket: 403 AccessDenied',
    ref: API,
    async run(ctx) {
      assert.ok(ctx.other, 'needs a second user');
      const b = await filled(ctx, 'v2-other', ['secret']);
      const credentials = { accessKeyId: ctx.other.accessKey, secretAccessKey: ctx.other.secretKey };
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?list-type=2`, credentials }), 403, 'AccessDenied');
    },
  },
];
