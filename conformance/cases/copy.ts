/**
 * CopyObject: results, metadata and tagging directives, copy-source conditions, versions, errors.
 */
import assert from 'node:assert/strict';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand,
  PutBucketVersioningCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { bodyBytes, bodyText, bytes, expectError, expectRawError, md5Etag, parseXml } from '../lib/check.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';

const COPY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html';
const BODY = 'copy me';
const OTHER = '"0123456789abcdef0123456789abcdef"';

/** A bucket with `src` = BODY (text/plain, metadata a=1, Cache-Control). */
async function source(ctx: Ctx, prefix = 'copy'): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: BODY, ContentType: 'text/plain', Metadata: { a: '1' }, CacheControl: 'max-age=5' }));
  return b;
}

/** A raw copy of `/${b}/src` to `/${b}/dst` with extra headers. */
function rawCopy(ctx: Ctx, b: string, headers: Record<string, string>, src = `/${b}/src`): Promise<RawResponse> {
  return ctx.raw({ method: 'PUT', path: `/${b}/dst`, headers: { 'x-amz-copy-source': src, ...headers } });
}

async function text(ctx: Ctx, b: string, key: string, versionId?: string): Promise<string> {
  return bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: key, VersionId: versionId }))).Body);
}

async function versioned(ctx: Ctx, prefix: string): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  return b;
}

const lastModifiedOf = async (ctx: Ctx, b: string): Promise<string> => (await ctx.raw({ method: 'HEAD', path: `/${b}/src` })).headers['last-modified']!;
const hourBefore = (d: string): string => new Date(Date.parse(d) - 3600_000).toUTCString();

/** Copy-source condition rows: headers (LM = source Last-Modified) → 200 or 412. */
const CONDITIONS: Array<[string, (lm: string) => Record<string, string>, 200 | 412]> = [
  ['x-amz-copy-source-if-match with the source ETag', () => ({ 'x-amz-copy-source-if-match': md5Etag(BODY) }), 200],
  ['x-amz-copy-source-if-match with another ETag', () => ({ 'x-amz-copy-source-if-match': OTHER }), 412],
  ['x-amz-copy-source-if-none-match with the source ETag', () => ({ 'x-amz-copy-source-if-none-match': md5Etag(BODY) }), 412],
  ['x-amz-copy-source-if-none-match with another ETag', () => ({ 'x-amz-copy-source-if-none-match': OTHER }), 200],
  ['x-amz-copy-source-if-modified-since the Last-Modified time (412, never 304)', (lm) => ({ 'x-amz-copy-source-if-modified-since': lm }), 412],
  ['x-amz-copy-source-if-modified-since an hour earlier', (lm) => ({ 'x-amz-copy-source-if-modified-since': hourBefore(lm) }), 200],
  ['x-amz-copy-source-if-unmodified-since an hour earlier', (lm) => ({ 'x-amz-copy-source-if-unmodified-since': hourBefore(lm) }), 412],
  ['copy-source if-match true and if-unmodified-since false', (lm) => ({ 'x-amz-copy-source-if-match': md5Etag(BODY), 'x-amz-copy-source-if-unmodified-since': hourBefore(lm) }), 200],
  ['copy-source if-none-match false and if-modified-since true', (lm) => ({ 'x-amz-copy-source-if-none-match': md5Etag(BODY), 'x-amz-copy-source-if-modified-since': hourBefore(lm) }), 412],
];

const conditionCases: Case[] = CONDITIONS.map(([what, headers, outcome]) => ({
  name: `copy with ${what}: ${outcome}`,
  ref: COPY,
  async run(ctx) {
    const b = await source(ctx, 'copy-cond');
    const res = await rawCopy(ctx, b, headers(await lastModifiedOf(ctx, b)));
    if (outcome === 200) {
      assert.equal(res.status, 200, res.text);
      assert.equal(await text(ctx, b, 'dst'), BODY);
    } else {
      expectRawError(res, 412, 'PreconditionFailed');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/dst` }), 404, 'NoSuchKey');
    }
  },
}));

export const cases: Case[] = [
  {
    name: 'copy: 200 with CopyObjectResult (quoted ETag of the source, LastModified), same bytes',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      const res = await rawCopy(ctx, b, {});
      assert.equal(res.status, 200, res.text);
      const r = parseXml(res.text).CopyObjectResult;
      assert.ok(r, res.text);
      assert.equal(r.ETag, md5Etag(BODY));
      assert.match(r.LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(await text(ctx, b, 'dst'), BODY);
    },
  },
  {
    name: 'copy across buckets with the SDK',
    ref: COPY,
    async run(ctx) {
      const src = await source(ctx);
      const dst = await ctx.bucket('copy-dst');
      const out = await ctx.s3.send(new CopyObjectCommand({ Bucket: dst, Key: 'dst', CopySource: `${src}/src` }));
      assert.equal(out.CopyObjectResult?.ETag, md5Etag(BODY));
      assert.equal(await text(ctx, dst, 'dst'), BODY);
    },
  },
  {
    name: 'the copy source may omit its leading slash',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      const res = await rawCopy(ctx, b, {}, `${b}/src`);
      assert.equal(res.status, 200, res.text);
      assert.equal(await text(ctx, b, 'dst'), BODY);
    },
  },
  {
    name: 'a URL-encoded copy source with spaces, plus signs and UTF-8',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('copy-enc');
      const key = 'dir/a b+c é.txt';
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: BODY }));
      const src = `/${b}/${key.split('/').map(encodeURIComponent).join('/')}`;
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/dst`, headers: { 'x-amz-copy-source': src } });
      assert.equal(res.status, 200, res.text);
      assert.equal(await text(ctx, b, 'dst'), BODY);
    },
  },
  {
    name: 'metadata directive COPY (the default) keeps content type, headers and metadata',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dst' }));
      assert.equal(h.ContentType, 'text/plain');
      assert.equal(h.CacheControl, 'max-age=5');
      assert.deepEqual(h.Metadata, { a: '1' });
    },
  },
  {
    name: 'metadata directive COPY ignores metadata sent with the request',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, Metadata: { b: '2' } }));
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dst' }));
      assert.deepEqual(h.Metadata, { a: '1' });
    },
  },
  {
    name: 'metadata directive REPLACE takes content type and metadata from the request',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, MetadataDirective: 'REPLACE', ContentType: 'application/x-new', Metadata: { b: '2' } }));
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dst' }));
      assert.equal(h.ContentType, 'application/x-new');
      assert.deepEqual(h.Metadata, { b: '2' });
      assert.equal(h.CacheControl, undefined);
    },
  },
  {
    name: 'metadata directive REPLACE without a Content-Type: the copy is binary/octet-stream',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      const res = await rawCopy(ctx, b, { 'x-amz-metadata-directive': 'REPLACE' });
      assert.equal(res.status, 200, res.text);
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/dst` });
      assert.equal(h.headers['content-type'], 'binary/octet-stream');
      assert.equal(h.headers['x-amz-meta-a'], undefined);
    },
  },
  {
    name: 'an unknown metadata directive: 400 InvalidArgument',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      expectRawError(await rawCopy(ctx, b, { 'x-amz-metadata-directive': 'MERGE' }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'copy an object onto itself changing nothing: 400 InvalidRequest',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/src`, headers: { 'x-amz-copy-source': `/${b}/src` } });
      expectRawError(res, 400, 'InvalidRequest');
    },
  },
  {
    name: 'copy an object onto itself with REPLACE metadata: 200, metadata replaced, bytes kept',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src', CopySource: `${b}/src`, MetadataDirective: 'REPLACE', Metadata: { fresh: 'yes' } }));
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'src' }));
      assert.deepEqual(g.Metadata, { fresh: 'yes' });
      assert.equal(await bodyText(g.Body), BODY);
    },
  },
  {
    name: 'copy an object onto itself changing the storage class: 200',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'src', CopySource: `${b}/src`, StorageClass: 'STANDARD_IA' }));
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'src' }));
      assert.equal(h.StorageClass, 'STANDARD_IA');
    },
  },
  {
    name: 'a missing source key: 404 NoSuchKey, nothing written',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('copy-nokey');
      expectRawError(await rawCopy(ctx, b, {}, `/${b}/nope`), 404, 'NoSuchKey');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/dst` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'a missing source bucket: 404 NoSuchBucket',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('copy-nobucket');
      expectRawError(await rawCopy(ctx, b, {}, '/no-such-bucket-for-copy-source/src'), 404, 'NoSuchBucket');
    },
  },
  {
    name: 'a copy source without a key: 400 InvalidArgument',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      expectRawError(await rawCopy(ctx, b, {}, `/${b}`), 400, 'InvalidArgument');
    },
  },
  ...conditionCases,
  {
    name: 'copy a versionId of the source: the old bytes, x-amz-copy-source-version-id',
    ref: COPY,
    async run(ctx) {
      const b = await versioned(ctx, 'copy-ver');
      const v1 = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'one' }))).VersionId!;
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'two' }));
      const res = await rawCopy(ctx, b, {}, `/${b}/src?versionId=${encodeURIComponent(v1)}`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-amz-copy-source-version-id'], v1);
      assert.equal(await text(ctx, b, 'dst'), 'one');
    },
  },
  {
    name: 'copy into an unversioned bucket: no x-amz-version-id',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      const res = await rawCopy(ctx, b, {});
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-amz-version-id'], undefined);
    },
  },
  {
    name: 'copy source ?versionId=null names the object of an unversioned bucket',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      const res = await rawCopy(ctx, b, {}, `/${b}/src?versionId=null`);
      assert.equal(res.status, 200, res.text);
      assert.equal(await text(ctx, b, 'dst'), BODY);
    },
  },
  {
    name: 'copy into a versioned bucket: x-amz-version-id of the new version',
    ref: COPY,
    async run(ctx) {
      const b = await versioned(ctx, 'copy-vdst');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: BODY }));
      const out = await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
      assert.ok(out.VersionId, 'VersionId');
      assert.equal(await text(ctx, b, 'dst', out.VersionId), BODY);
    },
  },
  {
    name: 'copy a source whose current version is a delete marker: 404 NoSuchKey',
    ref: COPY,
    async run(ctx) {
      const b = await versioned(ctx, 'copy-dm');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: BODY }));
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'src' }));
      expectRawError(await rawCopy(ctx, b, {}), 404, 'NoSuchKey');
    },
  },
  {
    name: 'copy a delete marker by versionId: 400 InvalidRequest',
    ref: COPY,
    async run(ctx) {
      const b = await versioned(ctx, 'copy-dmv');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: BODY }));
      const dm = (await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'src' }))).VersionId!;
      expectRawError(await rawCopy(ctx, b, {}, `/${b}/src?versionId=${encodeURIComponent(dm)}`), 400, 'InvalidRequest');
    },
  },
  {
    name: 'tagging directive COPY keeps the source tags; REPLACE takes x-amz-tagging',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('copy-tags');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: BODY, Tagging: 'k=v' }));
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'kept', CopySource: `${b}/src` }));
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'replaced', CopySource: `${b}/src`, TaggingDirective: 'REPLACE', Tagging: 'n=w' }));
      const kept = await ctx.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'kept' }));
      const replaced = await ctx.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'replaced' }));
      assert.deepEqual(kept.TagSet, [{ Key: 'k', Value: 'v' }]);
      assert.deepEqual(replaced.TagSet, [{ Key: 'n', Value: 'w' }]);
    },
  },
  {
    name: 'copy an empty object',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('copy-empty');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: Buffer.alloc(0) }));
      const out = await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
      assert.equal(out.CopyObjectResult?.ETag, '"d41d8cd98f00b204e9800998ecf8427e"');
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dst' }));
      assert.equal(h.ContentLength, 0);
    },
  },
  {
    name: 'copy a 3 MiB object: same bytes and ETag',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('copy-big');
      const data = bytes(3 * 1024 * 1024 + 3, 11);
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: data }));
      const out = await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
      assert.equal(out.CopyObjectResult?.ETag, md5Etag(data));
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'dst' }));
      assert.ok((await bodyBytes(g.Body)).equals(data));
    },
  },
  {
    name: 'the source stays unchanged after a copy and a write to the copy',
    ref: COPY,
    async run(ctx) {
      const b = await source(ctx);
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'dst', Body: 'changed' }));
      assert.equal(await text(ctx, b, 'src'), BODY);
    },
  },
  {
    name: 'copy from another account\'s bucket: 403 AccessDenied',
    ref: COPY,
    async run(ctx) {
      assert.ok(ctx.s3Other, 'needs a second user');
      const src = await source(ctx);
      // The destination is the second user's own bucket: only the read of the source is refused.
      const theirs = `theirs-${src}`.slice(0, 63);
      await ctx.s3Other.send(new CreateBucketCommand({ Bucket: theirs }));
      await expectError(ctx.s3Other.send(new CopyObjectCommand({ Bucket: theirs, Key: 'dst', CopySource: `${src}/src` })), { status: 403, code: 'AccessDenied' });
    },
  },
];
