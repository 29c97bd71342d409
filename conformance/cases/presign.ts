/**
 * Presigned SigV4 URLs: GET/HEAD/PUT/DELETE and bucket operations from @aws-sdk/s3-request-presigner,
 * then hand-built URLs (conformance/lib/sign.ts) that are expired, tampered, malformed or carry
 * checksums in the query. AWS: "Authenticating Requests: Using Query Parameters (AWS Signature
 * Version 4)"; shared/spec/s3-surface.md §2 and §6 (presigned PUT checksum quirk).
 */
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand,
  CreateMultipartUploadCommand
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { objectPath, presignV4, type PresignInput } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, bytes, checksum, hostOf, keysOf, md5hex, otherOf } from '../lib/wire.js';

const QUERY_AUTH = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html';
const PRESIGNED_URLS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html';
const GET_OBJECT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html';
const STS_ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';

const DATA = bytes(4000, 31);

/** Send a URL presigned by the SDK (`getSignedUrl(...)`) with no further signing. */
async function viaSdk(ctx: Ctx, signed: Promise<string>, method: string, body?: Buffer): Promise<RawResponse> {
  const url = new URL(await signed);
  return ctx.raw({ method, path: url.pathname + url.search, body, sign: 'none' });
}

/** Our own presigned URL (tamperable); defaults: default user, now, 300 s. */
function ours(ctx: Ctx, method: string, path: string, over: Partial<PresignInput> = {}): string {
  return presignV4({ method, path, host: hostOf(ctx), keys: keysOf(ctx), region: ctx.region, date: new Date(), expires: 300, ...over });
}

async function seeded(ctx: Ctx, prefix: string): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
  return b;
}

/** Replace one query parameter's raw value in a presigned path. */
function setParam(path: string, name: string, value: string): string {
  return path.replace(new RegExp(`([?&]${name}=)[^&]*`), `$1${value}`);
}

function dropParam(path: string, name: string): string {
  return path.replace(new RegExp(`&${name}=[^&]*`), '').replace(new RegExp(`\\?${name}=[^&]*&?`), '?');
}

const HOUR = 3600 * 1000;

export const cases: Case[] = [
  {
    name: 'presigned GET (SDK presigner): 200 with the object bytes',
    ref: PRESIGNED_URLS,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-get');
      const res = await viaSdk(ctx, getSignedUrl(ctx.s3, new GetObjectCommand({ Bucket: b, Key: 'k' }), { expiresIn: 300 }), 'GET');
      assertOk(res);
      assert.ok(res.body.equals(DATA));
      assert.equal(res.headers.etag, `"${md5hex(DATA)}"`);
    },
  },
  {
    name: 'presigned HEAD: 200 with Content-Length and no body',
    ref: PRESIGNED_URLS,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-head');
      const res = await viaSdk(ctx, getSignedUrl(ctx.s3, new HeadObjectCommand({ Bucket: b, Key: 'k' }), { expiresIn: 300 }), 'HEAD');
      assertOk(res);
      assert.equal(res.headers['content-length'], String(DATA.length));
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'presigned PUT from SDK defaults (query carries x-amz-checksum-crc32=AAAAAA==) with a non-empty body: 200, stored',
    ref: 'shared/spec/s3-surface.md §6',
    async run(ctx) {
      const b = await ctx.bucket('ps-put');
      const res = await viaSdk(ctx, getSignedUrl(ctx.s3, new PutObjectCommand({ Bucket: b, Key: 'k' }), { expiresIn: 300 }), 'PUT', DATA);
      assertOk(res);
      const got = await ctx.raw({ method: 'GET', path: objectPath(b, 'k') });
      assert.ok(got.body.equals(DATA));
    },
  },
  {
    name: 'presigned PUT whose query carries the right CRC32: 200, checksum echoed',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('ps-crc');
      const value = await checksum('CRC32', DATA);
      const path = ours(ctx, 'PUT', `${objectPath(b, 'k')}?x-amz-checksum-crc32=${encodeURIComponent(value)}&x-amz-sdk-checksum-algorithm=CRC32`);
      const res = await ctx.raw({ method: 'PUT', path, body: DATA, sign: 'none' });
      assertOk(res);
      assert.equal(res.headers['x-amz-checksum-crc32'], value);
    },
  },
  {
    name: 'presigned PUT whose query carries a wrong (non-empty-input) CRC32: 400 BadDigest, nothing stored',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('ps-crc-bad');
      const wrong = await checksum('CRC32', 'something else');
      const path = ours(ctx, 'PUT', `${objectPath(b, 'k')}?x-amz-checksum-crc32=${encodeURIComponent(wrong)}&x-amz-sdk-checksum-algorithm=CRC32`);
      assertError(await ctx.raw({ method: 'PUT', path, body: DATA, sign: 'none' }), 400, 'BadDigest');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'presigned DELETE: 204, the object is gone',
    ref: PRESIGNED_URLS,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-del');
      assertOk(await viaSdk(ctx, getSignedUrl(ctx.s3, new DeleteObjectCommand({ Bucket: b, Key: 'k' }), { expiresIn: 300 }), 'DELETE'), 204);
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'presigned ListObjectsV2 on the bucket: 200 listing the key',
    ref: PRESIGNED_URLS,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-list');
      const res = await viaSdk(ctx, getSignedUrl(ctx.s3, new ListObjectsV2Command({ Bucket: b }), { expiresIn: 300 }), 'GET');
      assertOk(res);
      assert.match(res.text, /<Key>k<\/Key>/);
    },
  },
  {
    name: 'presigned UploadPart: 200 with the part ETag',
    ref: PRESIGNED_URLS,
    async run(ctx) {
      const b = await ctx.bucket('ps-part');
      const up = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k' }));
      const res = await viaSdk(ctx, getSignedUrl(ctx.s3, new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, PartNumber: 1 }), { expiresIn: 300 }), 'PUT', DATA);
      assertOk(res);
      assert.equal(res.headers.etag, `"${md5hex(DATA)}"`);
    },
  },
  {
    name: 'expired presigned URL (signed 2 h ago for 1 h): 403 AccessDenied "Request has expired"',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-exp');
      const res = await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k'), { date: new Date(Date.now() - 2 * HOUR), expires: 3600 }), sign: 'none' });
      assertError(res, 403, 'AccessDenied');
      assert.match(res.text, /<Message>Request has expired<\/Message>/);
    },
  },
  {
    name: 'expired presigned HEAD: 403 without a body',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-exp-h');
      const res = await ctx.raw({ method: 'HEAD', path: ours(ctx, 'HEAD', objectPath(b, 'k'), { date: new Date(Date.now() - 2 * HOUR), expires: 60 }), sign: 'none' });
      assert.equal(res.status, 403);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'presigned URL dated an hour in the future: 403 AccessDenied',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-future');
      const res = await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k'), { date: new Date(Date.now() + HOUR) }), sign: 'none' });
      assertError(res, 403, 'AccessDenied');
    },
  },
  {
    name: 'X-Amz-Expires = 604800 (one week, the maximum): accepted',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-week');
      assertOk(await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k'), { expires: 604800 }), sign: 'none' }));
    },
  },
  {
    name: 'X-Amz-Expires = 604801: 400 AuthorizationQueryParametersError',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-long');
      assertError(await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k'), { expires: 604801 }), sign: 'none' }), 400, 'AuthorizationQueryParametersError');
    },
  },
  {
    name: 'X-Amz-Expires not a number: 400 AuthorizationQueryParametersError',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-nan');
      const path = setParam(ours(ctx, 'GET', objectPath(b, 'k')), 'X-Amz-Expires', 'soon');
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 400, 'AuthorizationQueryParametersError');
    },
  },
  {
    name: 'signature changed: 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-sig');
      const path = ours(ctx, 'GET', objectPath(b, 'k'));
      const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(path)![1]!;
      const bad = setParam(path, 'X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
      assertError(await ctx.raw({ method: 'GET', path: bad, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'URL reused for another key: 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-key');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'other', Body: 'secret' }));
      const path = ours(ctx, 'GET', objectPath(b, 'k')).replace(`/${b}/k?`, `/${b}/other?`);
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'URL reused with another method (GET URL sent as DELETE): 403 SignatureDoesNotMatch, object kept',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-method');
      assertError(await ctx.raw({ method: 'DELETE', path: ours(ctx, 'GET', objectPath(b, 'k')), sign: 'none' }), 403, 'SignatureDoesNotMatch');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 200);
    },
  },
  {
    name: 'a query parameter added after signing (response-content-type): 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-add');
      const path = ours(ctx, 'GET', objectPath(b, 'k')) + '&response-content-type=text%2Fhtml';
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'X-Amz-Expires raised after signing: 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-raise');
      const path = setParam(ours(ctx, 'GET', objectPath(b, 'k'), { expires: 60 }), 'X-Amz-Expires', '6000');
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'X-Amz-Signature missing: 400 AuthorizationQueryParametersError',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-nosig');
      const path = dropParam(ours(ctx, 'GET', objectPath(b, 'k')), 'X-Amz-Signature');
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 400, 'AuthorizationQueryParametersError');
    },
  },
  {
    name: 'X-Amz-Credential missing: 400 AuthorizationQueryParametersError',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-nocred');
      const path = dropParam(ours(ctx, 'GET', objectPath(b, 'k')), 'X-Amz-Credential');
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 400, 'AuthorizationQueryParametersError');
    },
  },
  {
    name: 'X-Amz-Algorithm other than AWS4-HMAC-SHA256: 400 AuthorizationQueryParametersError',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-alg');
      const path = setParam(ours(ctx, 'GET', objectPath(b, 'k')), 'X-Amz-Algorithm', 'AWS4-HMAC-SHA1');
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 400, 'AuthorizationQueryParametersError');
    },
  },
  {
    name: 'X-Amz-Date not in ISO 8601 basic format: 400 AuthorizationQueryParametersError',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-date');
      const path = setParam(ours(ctx, 'GET', objectPath(b, 'k')), 'X-Amz-Date', '2024-05-01T10%3A00%3A00Z');
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 400, 'AuthorizationQueryParametersError');
    },
  },
  {
    name: 'unknown access key: 403 InvalidAccessKeyId',
    ref: STS_ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-ak');
      const path = ours(ctx, 'GET', objectPath(b, 'k'), { keys: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) } });
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 403, 'InvalidAccessKeyId');
    },
  },
  {
    name: 'X-Amz-Security-Token (STS session) in the query: 400 InvalidToken',
    ref: 'shared/spec/s3-surface.md §2',
    async run(ctx) {
      const b = await seeded(ctx, 'ps-token');
      const path = ours(ctx, 'GET', objectPath(b, 'k'), { extraQuery: { 'X-Amz-Security-Token': 'FQoGZXIvYXdzEXAMPLE' } });
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 400, 'InvalidToken');
    },
  },
  {
    name: 'both a presigned query and an Authorization header: 400 InvalidArgument (one auth mechanism)',
    ref: STS_ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-both');
      const res = await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k')) });
      assertError(res, 400, 'InvalidArgument');
    },
  },
  {
    name: 'response-content-type and response-content-disposition overrides in a presigned GET',
    ref: GET_OBJECT,
    async run(ctx) {
      const b = await seeded(ctx, 'ps-resp');
      const res = await viaSdk(ctx, getSignedUrl(ctx.s3, new GetObjectCommand({ Bucket: b, Key: 'k', ResponseContentType: 'text/x-test', ResponseContentDisposition: 'attachment; filename="a b.txt"' }), { expiresIn: 300 }), 'GET');
      assertOk(res);
      assert.equal(res.headers['content-type'], 'text/x-test');
      assert.equal(res.headers['content-disposition'], 'attachment; filename="a b.txt"');
    },
  },
  {
    name: 'a signed header (x-amz-meta-a) the request leaves out: 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('ps-hdr');
      const path = ours(ctx, 'PUT', objectPath(b, 'k'), { signedHeaders: { 'x-amz-meta-a': '1' } });
      assertError(await ctx.raw({ method: 'PUT', path, body: DATA, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'presigned PUT with Content-Type signed: the same type uploads and is stored',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('ps-ct');
      const path = ours(ctx, 'PUT', objectPath(b, 'k'), { signedHeaders: { 'content-type': 'image/png' } });
      assertOk(await ctx.raw({ method: 'PUT', path, body: DATA, headers: { 'content-type': 'image/png' }, sign: 'none' }));
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).headers['content-type'], 'image/png');
    },
  },
  {
    name: 'presigned PUT with Content-Type signed, sent with another type: 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('ps-ct-bad');
      const path = ours(ctx, 'PUT', objectPath(b, 'k'), { signedHeaders: { 'content-type': 'image/png' } });
      assertError(await ctx.raw({ method: 'PUT', path, body: DATA, headers: { 'content-type': 'text/html' }, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'a credential scope naming another region (eu-central-1) is accepted',
    ref: 'shared/spec/s3-surface.md §2',
    async run(ctx) {
      const b = await seeded(ctx, 'ps-region');
      assertOk(await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k'), { region: 'eu-central-1' }), sign: 'none' }));
    },
  },
  {
    name: 'another user presigns a GET of my private object: 403 AccessDenied',
    ref: PRESIGNED_URLS,
    async run(ctx) {
      const other = otherOf(ctx);
      const b = await seeded(ctx, 'ps-other');
      assertError(await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'k'), { keys: other.keys }), sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'presigned GET of a missing key: 404 NoSuchKey (authentication passes)',
    ref: GET_OBJECT,
    async run(ctx) {
      const b = await ctx.bucket('ps-missing');
      assertError(await ctx.raw({ method: 'GET', path: ours(ctx, 'GET', objectPath(b, 'nope')), sign: 'none' }), 404, 'NoSuchKey');
    },
  },
];
