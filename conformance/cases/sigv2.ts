/**
 * Legacy AWS Signature Version 2 (on by default, shared/spec/s3-surface.md §2): the
 * `Authorization: AWS AK:sig` header and `?AWSAccessKeyId&Expires&Signature` query forms, signed by
 * conformance/lib/sign.ts per "Signing and Authenticating REST Requests".
 */
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { authorizationV2, objectPath, presignV2, type Keys } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, bytes, keysOf, md5b64, xmlText } from '../lib/wire.js';

const REST_AUTH = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html';
const QUERY_AUTH = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth';

const DATA = bytes(2500, 41);

/** A SigV2 header-signed request. */
interface V2Send {
  method: string;
  /** Path (+ query) on the wire. */
  path: string;
  /** CanonicalizedResource: path plus the signed sub-resources; default = the path without a query. */
  resource?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  keys?: Keys;
  /** Date header value (RFC 1123); default now. `null` sends none. */
  date?: Date | null;
  /** Rewrite headers after signing (tampering). */
  after?: (h: Record<string, string>) => void;
}

async function sendV2(ctx: Ctx, r: V2Send): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.date !== null) headers.date = (r.date ?? new Date()).toUTCString();
  const dateLine = headers['x-amz-date'] !== undefined ? '' : headers.date ?? '';
  headers.authorization = authorizationV2(r.keys ?? keysOf(ctx), {
    method: r.method, contentMd5: headers['content-md5'], contentType: headers['content-type'], dateOrExpires: dateLine,
    headers, resource: r.resource ?? r.path.split('?')[0]!,
  });
  r.after?.(headers);
  return ctx.raw({ method: r.method, path: r.path, headers, body: r.body, sign: 'none' });
}

async function seeded(ctx: Ctx, prefix: string, key = 'k'): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: DATA }));
  return b;
}

const nowS = (): number => Math.floor(Date.now() / 1000);

export const cases: Case[] = [
  {
    name: 'GET object with Authorization: AWS AK:sig and a Date header: 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-get');
      const res = await sendV2(ctx, { method: 'GET', path: objectPath(b, 'k') });
      assertOk(res);
      assert.ok(res.body.equals(DATA));
    },
  },
  {
    name: 'PUT with Content-MD5 and Content-Type in the string to sign: 200, type stored',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-put');
      const res = await sendV2(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'content-md5': md5b64(DATA), 'content-type': 'text/x-v2' } });
      assertOk(res);
      const head = await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') });
      assert.equal(head.headers['content-type'], 'text/x-v2');
      assert.equal(head.headers['content-length'], String(DATA.length));
    },
  },
  {
    name: 'x-amz-meta-* headers are CanonicalizedAmzHeaders: 200, metadata stored',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-meta');
      assertOk(await sendV2(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-meta-color': 'blue', 'x-amz-meta-alpha': 'one' } }));
      const head = await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') });
      assert.equal(head.headers['x-amz-meta-color'], 'blue');
      assert.equal(head.headers['x-amz-meta-alpha'], 'one');
    },
  },
  {
    name: 'x-amz-date instead of Date (the Date line is then empty): 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-xdate');
      assertOk(await sendV2(ctx, { method: 'GET', path: objectPath(b, 'k'), date: null, headers: { 'x-amz-date': new Date().toUTCString() } }));
    },
  },
  {
    name: 'ListBuckets (GET /): 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-lb');
      const res = await sendV2(ctx, { method: 'GET', path: '/' });
      assertOk(res);
      assert.match(res.text, new RegExp(`<Name>${b}</Name>`));
    },
  },
  {
    name: '?acl is a sub-resource in the CanonicalizedResource: GetBucketAcl 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-acl');
      const res = await sendV2(ctx, { method: 'GET', path: `/${b}?acl`, resource: `/${b}?acl` });
      assertOk(res);
      assert.match(res.text, /<AccessControlPolicy/);
    },
  },
  {
    name: 'ordinary query parameters (prefix, max-keys) are not signed: ListObjects 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-list', 'dir/k');
      const res = await sendV2(ctx, { method: 'GET', path: `/${b}?prefix=dir%2F&max-keys=5`, resource: `/${b}` });
      assertOk(res);
      assert.equal(xmlText(res.text, 'Key'), 'dir/k');
    },
  },
  {
    name: 'DELETE object: 204',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-del');
      assertOk(await sendV2(ctx, { method: 'DELETE', path: objectPath(b, 'k') }), 204);
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'multipart upload signed with SigV2 (?uploads, ?partNumber&uploadId sorted, ?uploadId): object complete',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-mpu');
      const p = objectPath(b, 'k');
      const init = await sendV2(ctx, { method: 'POST', path: `${p}?uploads`, resource: `${p}?uploads` });
      assertOk(init);
      const id = xmlText(init.text, 'UploadId')!;
      const part = await sendV2(ctx, { method: 'PUT', path: `${p}?uploadId=${id}&partNumber=1`, resource: `${p}?partNumber=1&uploadId=${id}`, body: DATA });
      assertOk(part);
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      assertOk(await sendV2(ctx, { method: 'POST', path: `${p}?uploadId=${id}`, resource: `${p}?uploadId=${id}`, body: xml }));
      assert.ok((await ctx.raw({ method: 'GET', path: p })).body.equals(DATA));
    },
  },
  {
    name: 'DeleteObjects (?delete) with Content-MD5: 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-multi');
      const xml = '<Delete><Object><Key>k</Key></Object></Delete>';
      const res = await sendV2(ctx, { method: 'POST', path: `/${b}?delete`, resource: `/${b}?delete`, body: xml, headers: { 'content-md5': md5b64(xml), 'content-type': 'application/xml' } });
      assertOk(res);
      assert.match(res.text, /<Deleted><Key>k<\/Key>/);
    },
  },
  {
    name: 'PutObjectAcl with x-amz-acl: public-read signed: 200, then anonymous GET 200',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-pacl');
      const p = objectPath(b, 'k');
      assertOk(await sendV2(ctx, { method: 'PUT', path: `${p}?acl`, resource: `${p}?acl`, headers: { 'x-amz-acl': 'public-read' } }));
      assertOk(await ctx.raw({ method: 'GET', path: p, sign: 'none' }));
    },
  },
  {
    name: 'key with spaces and non-ASCII characters (path as sent): 200',
    ref: REST_AUTH,
    async run(ctx) {
      const key = 'dir one/naïve café ☕.txt';
      const b = await seeded(ctx, 'v2-key', key);
      const res = await sendV2(ctx, { method: 'GET', path: objectPath(b, key) });
      assertOk(res);
      assert.ok(res.body.equals(DATA));
    },
  },
  {
    name: 'wrong secret: 403 SignatureDoesNotMatch',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-bad');
      const res = await sendV2(ctx, { method: 'GET', path: objectPath(b, 'k'), keys: { accessKeyId: ctx.accessKey, secretAccessKey: 'wrong-secret-0123456789' } });
      assertError(res, 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'unknown access key: 403 InvalidAccessKeyId',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-ak');
      const res = await sendV2(ctx, { method: 'GET', path: objectPath(b, 'k'), keys: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) } });
      assertError(res, 403, 'InvalidAccessKeyId');
    },
  },
  {
    name: 'Date 20 minutes old: 403 RequestTimeTooSkewed',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-skew');
      const res = await sendV2(ctx, { method: 'GET', path: objectPath(b, 'k'), date: new Date(Date.now() - 20 * 60 * 1000) });
      assertError(res, 403, 'RequestTimeTooSkewed');
    },
  },
  {
    name: 'neither Date nor x-amz-date: 403 AccessDenied',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-nodate');
      assertError(await sendV2(ctx, { method: 'GET', path: objectPath(b, 'k'), date: null }), 403, 'AccessDenied');
    },
  },
  {
    name: 'Content-Type changed after signing: 403 SignatureDoesNotMatch, nothing stored',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-ct');
      const res = await sendV2(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'content-type': 'text/plain' }, after: (h) => { h['content-type'] = 'text/html'; } });
      assertError(res, 403, 'SignatureDoesNotMatch');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'an x-amz-meta-* value changed after signing: 403 SignatureDoesNotMatch',
    ref: REST_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-metabad');
      const res = await sendV2(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-meta-a': '1' }, after: (h) => { h['x-amz-meta-a'] = '2'; } });
      assertError(res, 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'presigned GET (AWSAccessKeyId, Expires, Signature): 200',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-ps');
      const p = objectPath(b, 'k');
      const res = await ctx.raw({ method: 'GET', path: presignV2(keysOf(ctx), 'GET', p, p, nowS() + 300), sign: 'none' });
      assertOk(res);
      assert.ok(res.body.equals(DATA));
    },
  },
  {
    name: 'presigned PUT: 200, stored',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v2-psput');
      const p = objectPath(b, 'k');
      assertOk(await ctx.raw({ method: 'PUT', path: presignV2(keysOf(ctx), 'PUT', p, p, nowS() + 300), body: DATA, sign: 'none' }));
      assert.ok((await ctx.raw({ method: 'GET', path: p })).body.equals(DATA));
    },
  },
  {
    name: 'presigned URL past its Expires: 403 AccessDenied',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-psexp');
      const p = objectPath(b, 'k');
      assertError(await ctx.raw({ method: 'GET', path: presignV2(keysOf(ctx), 'GET', p, p, nowS() - 60), sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'presigned URL with Expires raised after signing: 403 SignatureDoesNotMatch',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-psbad');
      const p = objectPath(b, 'k');
      const exp = nowS() + 300;
      const path = presignV2(keysOf(ctx), 'GET', p, p, exp).replace(`Expires=${exp}`, `Expires=${exp + 1000}`);
      assertError(await ctx.raw({ method: 'GET', path, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'presigned GET with response-content-type (a signed sub-resource, decoded value): 200 and the header',
    ref: QUERY_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v2-psresp');
      const p = objectPath(b, 'k');
      const path = presignV2(keysOf(ctx), 'GET', `${p}?response-content-type=text%2Fx-v2`, `${p}?response-content-type=text/x-v2`, nowS() + 300);
      const res = await ctx.raw({ method: 'GET', path, sign: 'none' });
      assertOk(res);
      assert.equal(res.headers['content-type'], 'text/x-v2');
    },
  },
];
