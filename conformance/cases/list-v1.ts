/**
 * ListObjects (version 1, `GET /{bucket}`): order, prefix, delimiter, marker, max-keys,
 * encoding-type, the fields of each entry. Mirrors ceph/s3-tests `test_bucket_list_*`.
 */
import assert from 'node:assert/strict';
import { DeleteObjectCommand, ListObjectsCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { asList, expectRawError, md5Etag } from '../lib/check.js';
import { byteOrder, filled, formDecode, keysOf, listRaw, prefixesOf, putAll } from '../lib/listing.js';
import type { Case } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html';
const TREE = ['asdf', 'boo/bar', 'boo/baz/xyzzy', 'cquux/thud', 'cquux/bla'];
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export const cases: Case[] = [
  {
    name: 'empty bucket: Name, empty Prefix and Marker, MaxKeys 1000, IsTruncated false, no Contents (test_bucket_list_empty)',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v1-empty');
      const doc = await listRaw(ctx, b, {});
      assert.equal(doc.Name, b);
      assert.equal(doc.Prefix, '');
      assert.equal(doc.Marker, '');
      assert.equal(doc.MaxKeys, '1000');
      assert.equal(doc.IsTruncated, 'false');
      assert.equal(doc.Contents, undefined);
    },
  },
  {
    name: 'keys come back in UTF-8 byte order',
    ref: API,
    async run(ctx) {
      const keys = ['b', 'a', 'B', 'aa', 'a/b', 'é', 'z', 'a-b', '0'];
      const b = await filled(ctx, 'v1-order', keys);
      assert.deepEqual(keysOf(await listRaw(ctx, b, {})), byteOrder(keys));
    },
  },
  {
    name: 'each entry: Key, LastModified with milliseconds, quoted ETag, Size, StorageClass, Owner',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-fields', ['only']);
      const c = (await listRaw(ctx, b, {})).Contents;
      assert.equal(c.Key, 'only');
      assert.match(c.LastModified, ISO_MS);
      assert.equal(c.ETag, md5Etag('only'));
      assert.equal(c.Size, '4');
      assert.equal(c.StorageClass, 'STANDARD');
      assert.ok(c.Owner?.ID, 'Owner/ID');
    },
  },
  {
    name: 'prefix: only keys under it, Prefix echoed (test_bucket_list_prefix_basic)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-prefix', ['foo/bar', 'foo/baz', 'quux']);
      const doc = await listRaw(ctx, b, { prefix: 'foo/' });
      assert.deepEqual(keysOf(doc), ['foo/bar', 'foo/baz']);
      assert.equal(doc.Prefix, 'foo/');
      assert.equal(doc.CommonPrefixes, undefined);
    },
  },
  {
    name: 'a prefix no key has: empty (test_bucket_list_prefix_unreadable)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-prefix-none', ['foo/bar', 'quux']);
      const doc = await listRaw(ctx, b, { prefix: 'zz' });
      assert.deepEqual(keysOf(doc), []);
      assert.equal(doc.IsTruncated, 'false');
    },
  },
  {
    name: 'delimiter /: CommonPrefixes roll up each first level, Delimiter echoed (test_bucket_list_delimiter_basic)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-delim', TREE);
      const doc = await listRaw(ctx, b, { delimiter: '/' });
      assert.deepEqual(keysOf(doc), ['asdf']);
      assert.deepEqual(prefixesOf(doc), ['boo/', 'cquux/']);
      assert.equal(doc.Delimiter, '/');
    },
  },
  {
    name: 'a delimiter other than / (test_bucket_list_delimiter_alt)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-delim-alt', ['bar', 'baz', 'cab', 'foo']);
      const doc = await listRaw(ctx, b, { delimiter: 'a' });
      assert.deepEqual(keysOf(doc), ['foo']);
      assert.deepEqual(prefixesOf(doc), ['ba', 'ca']);
    },
  },
  {
    name: 'a multi-character delimiter',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-delim-multi', ['a--b--c', 'a--d', 'e-f', 'g--']);
      const doc = await listRaw(ctx, b, { delimiter: '--' });
      assert.deepEqual(keysOf(doc), ['e-f']);
      assert.deepEqual(prefixesOf(doc), ['a--', 'g--']);
    },
  },
  {
    name: 'prefix and delimiter together (test_bucket_list_delimiter_prefix)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-delim-prefix', TREE);
      const doc = await listRaw(ctx, b, { prefix: 'boo/', delimiter: '/' });
      assert.deepEqual(keysOf(doc), ['boo/bar']);
      assert.deepEqual(prefixesOf(doc), ['boo/baz/']);
    },
  },
  {
    name: 'a prefix that does not end at a delimiter (test_bucket_list_delimiter_prefix_ends_with_delimiter)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-partial', ['photos/2006/jan', 'photos/2006/feb', 'photos/2007/x', 'photosx']);
      const doc = await listRaw(ctx, b, { prefix: 'photos/200', delimiter: '/' });
      assert.deepEqual(keysOf(doc), []);
      assert.deepEqual(prefixesOf(doc), ['photos/2006/', 'photos/2007/']);
    },
  },
  {
    name: 'a delimiter no key contains: plain listing (test_bucket_list_delimiter_not_exist)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-delim-absent', ['a', 'b', 'c']);
      const doc = await listRaw(ctx, b, { delimiter: '/' });
      assert.deepEqual(keysOf(doc), ['a', 'b', 'c']);
      assert.equal(doc.CommonPrefixes, undefined);
    },
  },
  {
    name: 'max-keys=1: one key, IsTruncated true (test_bucket_list_maxkeys_one)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-max1', ['a', 'b', 'c']);
      const doc = await listRaw(ctx, b, { 'max-keys': '1' });
      assert.deepEqual(keysOf(doc), ['a']);
      assert.equal(doc.MaxKeys, '1');
      assert.equal(doc.IsTruncated, 'true');
    },
  },
  {
    name: 'max-keys=0: no keys, IsTruncated false (test_bucket_list_maxkeys_zero)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-max0', ['a', 'b']);
      const doc = await listRaw(ctx, b, { 'max-keys': '0' });
      assert.deepEqual(keysOf(doc), []);
      assert.equal(doc.IsTruncated, 'false');
    },
  },
  {
    name: 'max-keys that is not a non-negative integer: 400 InvalidArgument (test_bucket_list_maxkeys_invalid)',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v1-maxbad');
      for (const v of ['blah', '-1', '1.5']) {
        expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?max-keys=${v}` }), 400, 'InvalidArgument');
      }
    },
  },
  {
    name: 'marker: keys after it, Marker echoed (test_bucket_list_marker_not_in_list)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-marker', ['bar', 'baz', 'foo', 'quxx']);
      const doc = await listRaw(ctx, b, { marker: 'blah' });
      assert.deepEqual(keysOf(doc), ['foo', 'quxx']);
      assert.equal(doc.Marker, 'blah');
    },
  },
  {
    name: 'a marker that is a key excludes that key',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-marker-key', ['a', 'b', 'c']);
      assert.deepEqual(keysOf(await listRaw(ctx, b, { marker: 'b' })), ['c']);
    },
  },
  {
    name: 'a marker after the last key: empty, not truncated (test_bucket_list_marker_after_list)',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-marker-after', ['a', 'b']);
      const doc = await listRaw(ctx, b, { marker: 'zzz' });
      assert.deepEqual(keysOf(doc), []);
      assert.equal(doc.IsTruncated, 'false');
    },
  },
  {
    name: 'paging by marker = last key visits every key once',
    ref: API,
    async run(ctx) {
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const b = await filled(ctx, 'v1-walk', keys);
      const seen: string[] = [];
      let marker = '';
      for (let i = 0; i < 10; i++) {
        const doc = await listRaw(ctx, b, { 'max-keys': '2', marker });
        const page = keysOf(doc);
        seen.push(...page);
        if (doc.IsTruncated !== 'true') break;
        marker = page[page.length - 1]!;
      }
      assert.deepEqual(seen, keys);
    },
  },
  {
    name: 'a truncated page with a delimiter carries NextMarker; paging by it repeats no prefix',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-nextmarker', ['a/1', 'a/2', 'b/1', 'c', 'd/1', 'd/2']);
      const seen: string[] = [];
      let marker = '';
      for (let i = 0; i < 10; i++) {
        const doc = await listRaw(ctx, b, { delimiter: '/', 'max-keys': '1', marker });
        const page = [...keysOf(doc), ...prefixesOf(doc)];
        assert.equal(page.length, 1);
        seen.push(page[0]!);
        if (doc.IsTruncated !== 'true') break;
        assert.equal(doc.NextMarker, page[0], 'NextMarker is the last key or prefix of the page');
        marker = doc.NextMarker;
      }
      assert.deepEqual(seen, ['a/', 'b/', 'c', 'd/']);
    },
  },
  {
    name: 'encoding-type=url: keys, prefix and delimiter come back URL-encoded',
    ref: API,
    async run(ctx) {
      const keys = ['a b/c+d', 'a b/é&x'];
      const b = await filled(ctx, 'v1-url', keys);
      const doc = await listRaw(ctx, b, { 'encoding-type': 'url', prefix: 'a b/' });
      assert.equal(doc.EncodingType, 'url');
      assert.deepEqual(keysOf(doc).map(formDecode), keys);
      assert.ok(keysOf(doc).every((k) => !/[ é&]/.test(k)), 'raw values are encoded');
      assert.equal(formDecode(doc.Prefix), 'a b/');
    },
  },
  {
    name: 'an unknown encoding-type: 400 InvalidArgument',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v1-enc-bad');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?encoding-type=base64` }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'keys whose current version is a delete marker are not listed',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('v1-dm');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      await putAll(ctx, b, ['gone', 'kept']);
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
      assert.deepEqual(keysOf(await listRaw(ctx, b, {})), ['kept']);
    },
  },
  {
    name: 'keys with XML special characters round-trip',
    ref: API,
    async run(ctx) {
      const keys = ['<tag>', 'a&b', 'q"uote\'s'];
      const b = await filled(ctx, 'v1-xmlchars', keys);
      assert.deepEqual(keysOf(await listRaw(ctx, b, {})), byteOrder(keys));
    },
  },
  {
    name: 'SDK ListObjects: Contents, CommonPrefixes and IsTruncated parsed',
    ref: API,
    async run(ctx) {
      const b = await filled(ctx, 'v1-sdk', TREE);
      const out = await ctx.s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/' }));
      assert.deepEqual((out.Contents ?? []).map((c) => c.Key), ['asdf']);
      assert.deepEqual(asList(out.CommonPrefixes).map((p) => p.Prefix), ['boo/', 'cquux/']);
      assert.equal(out.IsTruncated, false);
    },
  },
  {
    name: 'a missing bucket: 404 NoSuchBucket',
    ref: API,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: '/no-such-bucket-for-list' }), 404, 'NoSuchBucket');
    },
  },
];
