/**
 * Object basics: PutObject, GetObject, HeadObject, DeleteObject — bodies, ETags, stored headers,
 * metadata, limits and the errors a client relies on.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, bodyText, bytes, expectError, expectRawError, md5Etag } from '../lib/check.js';
import type { Case, Ctx } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API';
const META = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html';
const KEYS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html';
const EMPTY_MD5 = '"d41d8cd98f00b204e9800998ecf8427e"';
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

async function put(ctx: Ctx, bucket: string, key: string, body: string | Buffer, extra: Record<string, unknown> = {}): Promise<void> {
  await ctx.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

const md5b64 = (data: string | Buffer): string => createHash('md5').update(data).digest('base64');

export const cases: Case[] = [
  {
    name: 'put then get: same bytes, ETag is the quoted MD5, Content-Length',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('obj');
      const data = bytes(1000);
      const p = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data }));
      assert.equal(p.ETag, md5Etag(data));
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(g.ETag, md5Etag(data));
      assert.equal(g.ContentLength, 1000);
      assert.deepEqual(await bodyBytes(g.Body), data);
    },
  },
  {
    name: 'a 3 MiB object round-trips bit-exact',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('big');
      const data = randomBytes(3 * 1024 * 1024 + 17);
      await put(ctx, b, 'big', data);
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' }));
      assert.equal(g.ETag, md5Etag(data));
      assert.ok((await bodyBytes(g.Body)).equals(data));
    },
  },
  {
    name: 'empty object: Content-Length 0 and the MD5 of nothing',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('empty');
      const p = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'e', Body: Buffer.alloc(0) }));
      assert.equal(p.ETag, EMPTY_MD5);
      const res = await ctx.raw({ method: 'GET', path: `/${b}/e` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], '0');
      assert.equal(res.headers.etag, EMPTY_MD5);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'put response: ETag header, no x-amz-version-id in an unversioned bucket',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('putresp');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'hello', headers: { 'content-type': 'text/plain' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, md5Etag('hello'));
      assert.equal(res.headers['x-amz-version-id'], undefined);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'no Content-Type on upload: stored as binary/octet-stream',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('ctype');
      const p = await ctx.raw({ method: 'PUT', path: `/${b}/k` });
      assert.equal(p.status, 200);
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      assert.equal(h.headers['content-type'], 'binary/octet-stream');
    },
  },
  {
    name: 'Content-Type is stored and returned verbatim',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('ctype2');
      await put(ctx, b, 'k', 'x', { ContentType: 'text/plain; charset=utf-8' });
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(g.ContentType, 'text/plain; charset=utf-8');
    },
  },
  {
    name: 'Cache-Control, Content-Disposition, Content-Encoding, Content-Language and Expires are stored',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('stdhdr');
      const headers = {
        'cache-control': 'max-age=60, private',
        'content-disposition': 'attachment; filename="a b.txt"',
        'content-encoding': 'identity',
        'content-language': 'de-CH',
        expires: 'Thu, 01 Dec 2033 16:00:00 GMT',
        'content-type': 'text/plain',
      };
      assert.equal((await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'x', headers })).status, 200);
      for (const method of ['GET', 'HEAD']) {
        const res = await ctx.raw({ method, path: `/${b}/k` });
        for (const [k, v] of Object.entries(headers)) assert.equal(res.headers[k], v, `${method} ${k}`);
      }
    },
  },
  {
    name: 'user metadata round-trips with lower-cased names on GET and HEAD',
    ref: META,
    async run(ctx) {
      const b = await ctx.bucket('meta');
      await put(ctx, b, 'k', 'x', { Metadata: { Color: 'blue', 'two-words': 'a b  c' } });
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.deepEqual(g.Metadata, { color: 'blue', 'two-words': 'a b  c' });
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      assert.equal(h.headers['x-amz-meta-color'], 'blue');
    },
  },
  {
    name: 'user metadata of exactly 2 KiB (names plus values) is accepted',
    ref: META,
    async run(ctx) {
      const b = await ctx.bucket('meta2k');
      await put(ctx, b, 'k', 'x', { Metadata: { k: 'v'.repeat(2047) } });
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(h.Metadata?.k?.length, 2047);
    },
  },
  {
    name: 'user metadata over 2 KiB: 400 MetadataTooLarge',
    ref: META,
    async run(ctx) {
      const b = await ctx.bucket('metabig');
      await expectError(put(ctx, b, 'k', 'x', { Metadata: { k: 'v'.repeat(2100) } }), { status: 400, code: 'MetadataTooLarge' });
    },
  },
  {
    name: 'a 1024-byte key is accepted',
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('key1024');
      const key = `${'é'.repeat(500)}${'k'.repeat(24)}`;
      assert.equal(Buffer.byteLength(key), 1024);
      await put(ctx, b, key, 'x');
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body), 'x');
    },
  },
  {
    name: 'a 1025-byte key: 400 KeyTooLongError',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      const b = await ctx.bucket('key1025');
      await expectError(put(ctx, b, 'k'.repeat(1025), 'x'), { status: 400, code: 'KeyTooLongError' });
    },
  },
  {
    name: 'correct Content-MD5: 200',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('md5ok');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'payload', headers: { 'content-md5': md5b64('payload') } });
      assert.equal(res.status, 200);
    },
  },
  {
    name: 'Content-MD5 of other bytes: 400 BadDigest, nothing stored',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('md5bad');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'payload', headers: { 'content-md5': md5b64('other') } });
      expectRawError(res, 400, 'BadDigest');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'Content-MD5 that is not a base64 MD5: 400 InvalidDigest',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      const b = await ctx.bucket('md5inv');
      for (const v of ['not-base64!', 'AAAA']) {
        const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'payload', headers: { 'content-md5': v } });
        expectRawError(res, 400, 'InvalidDigest');
      }
    },
  },
  {
    name: 'overwrite: the second put wins',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('overwrite');
      await put(ctx, b, 'k', 'first');
      await put(ctx, b, 'k', 'second!');
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(await bodyText(g.Body), 'second!');
      assert.equal(g.ETag, md5Etag('second!'));
    },
  },
  {
    name: 'head: Content-Length, ETag, RFC 1123 Last-Modified, Accept-Ranges, no body',
    ref: `${API}/API_HeadObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('head');
      await put(ctx, b, 'k', 'twelve bytes', { ContentType: 'text/plain' });
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-length'], '12');
      assert.equal(res.headers.etag, md5Etag('twelve bytes'));
      assert.equal(res.headers['content-type'], 'text/plain');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.match(res.headers['last-modified'] ?? '', RFC1123);
      assert.ok(Math.abs(Date.parse(res.headers['last-modified']!) - Date.now()) < 15 * 60_000);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'GET and HEAD agree on every entity header',
    ref: `${API}/API_HeadObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('agree');
      await put(ctx, b, 'k', 'body', { ContentType: 'a/b', Metadata: { m: '1' }, CacheControl: 'no-store' });
      const g = await ctx.raw({ method: 'GET', path: `/${b}/k` });
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      for (const k of ['content-length', 'content-type', 'etag', 'last-modified', 'cache-control', 'x-amz-meta-m', 'accept-ranges']) {
        assert.equal(h.headers[k], g.headers[k], k);
      }
    },
  },
  {
    name: 'response-* query parameters override the returned headers',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('override');
      await put(ctx, b, 'k', 'x', { ContentType: 'text/plain' });
      const g = await ctx.s3.send(new GetObjectCommand({
        Bucket: b, Key: 'k',
        ResponseContentType: 'application/json',
        ResponseContentDisposition: 'attachment; filename="x.json"',
        ResponseContentLanguage: 'fr',
        ResponseCacheControl: 'no-cache',
        ResponseContentEncoding: 'identity',
      }));
      assert.equal(g.ContentType, 'application/json');
      assert.equal(g.ContentDisposition, 'attachment; filename="x.json"');
      assert.equal(g.ContentLanguage, 'fr');
      assert.equal(g.CacheControl, 'no-cache');
      assert.equal(g.ContentEncoding, 'identity');
      const again = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(again.ContentType, 'text/plain', 'the stored value is unchanged');
    },
  },
  {
    name: 'response-expires overrides Expires',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('override-exp');
      await put(ctx, b, 'k', 'x');
      const when = 'Fri, 02 Jan 2037 03:04:05 GMT';
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k?response-expires=${encodeURIComponent(when)}` });
      assert.equal(res.status, 200);
      assert.equal(res.headers.expires, when);
    },
  },
  {
    name: 'response-* overrides on an anonymous GET of a public object: 400 InvalidRequest',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('override-anon');
      await put(ctx, b, 'k', 'public', { ACL: 'public-read' });
      const plain = await ctx.raw({ method: 'GET', path: `/${b}/k`, sign: 'none' });
      assert.equal(plain.status, 200, 'the object is public');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k?response-content-type=text%2Fhtml`, sign: 'none' }), 400, 'InvalidRequest');
    },
  },
  {
    name: 'GET a missing key: 404 NoSuchKey naming the Key',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('nokey');
      const e = expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/no/such/key` }), 404, 'NoSuchKey');
      assert.equal(e.Key, 'no/such/key');
      await expectError(ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'nope' })), { status: 404, code: 'NoSuchKey' });
    },
  },
  {
    name: 'HEAD a missing key: 404 with no body',
    ref: `${API}/API_HeadObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('headnokey');
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}/nope` });
      assert.equal(res.status, 404);
      assert.equal(res.body.length, 0);
      await expectError(ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'nope' })), { status: 404, code: 'NotFound' });
    },
  },
  {
    name: 'GET, PUT and DELETE in a missing bucket: 404 NoSuchBucket',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      const bucket = `missing-${randomBytes(6).toString('hex')}`;
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await ctx.raw({ method, path: `/${bucket}/k`, body: method === 'PUT' ? 'x' : undefined });
        const e = expectRawError(res, 404, 'NoSuchBucket');
        assert.equal(e.BucketName, bucket, method);
      }
    },
  },
  {
    name: 'delete: 204 without version headers in an unversioned bucket; then GET is 404',
    ref: `${API}/API_DeleteObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('delete');
      await put(ctx, b, 'k', 'x');
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/k` });
      assert.equal(res.status, 204);
      assert.equal(res.headers['x-amz-delete-marker'], undefined);
      assert.equal(res.headers['x-amz-version-id'], undefined);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'delete a key that does not exist: 204',
    ref: `${API}/API_DeleteObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('delmissing');
      const res = await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'never' }));
      assert.equal(res.$metadata.httpStatusCode, 204);
    },
  },
  {
    name: 'storage class STANDARD_IA is stored and echoed by HEAD',
    ref: `${API}/API_HeadObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('sclass');
      await put(ctx, b, 'k', 'x', { StorageClass: 'STANDARD_IA' });
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      assert.equal(h.headers['x-amz-storage-class'], 'STANDARD_IA');
    },
  },
  {
    name: 'storage class STANDARD is not echoed by HEAD',
    ref: `${API}/API_HeadObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('sclass-std');
      await put(ctx, b, 'k', 'x', { StorageClass: 'STANDARD' });
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      assert.equal(h.status, 200);
      assert.equal(h.headers['x-amz-storage-class'], undefined);
    },
  },
  {
    name: 'an unknown storage class: 400 InvalidStorageClass',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      const b = await ctx.bucket('sclass-bad');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'x', headers: { 'x-amz-storage-class': 'WARM_AND_FUZZY' } });
      expectRawError(res, 400, 'InvalidStorageClass');
    },
  },
  {
    name: 'versionId=null reads the object of an unversioned bucket',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('nullver');
      await put(ctx, b, 'k', 'x');
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: 'null' }));
      assert.equal(await bodyText(g.Body), 'x');
    },
  },
  {
    name: 'a key ending in a slash is an ordinary object',
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('folder');
      await put(ctx, b, 'dir/', Buffer.alloc(0));
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dir/' }));
      assert.equal(h.ContentLength, 0);
      await expectError(ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dir' })), { status: 404, code: 'NotFound' });
    },
  },
  {
    name: 'another account cannot read, write or delete objects: 403 AccessDenied',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      assert.ok(ctx.s3Other, 'needs a second user');
      const b = await ctx.bucket('isolated');
      await put(ctx, b, 'k', 'secret');
      await expectError(ctx.s3Other.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), { status: 403, code: 'AccessDenied' });
      await expectError(ctx.s3Other.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'mine' })), { status: 403, code: 'AccessDenied' });
      await expectError(ctx.s3Other.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' })), { status: 403, code: 'AccessDenied' });
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }))).Body), 'secret');
    },
  },
];
