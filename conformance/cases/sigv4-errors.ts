/**
 * SigV4 header authentication: what a wrong, missing, stale or malformed signature gets, and the
 * canonicalisation rules a right one depends on. Requests are signed by conformance/lib/sign.ts
 * so every part can be bent. AWS: sig-v4-header-based-auth.html, ErrorResponses.html;
 * shared/spec/s3-surface.md §2.
 */
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { objectPath, sha256hex, signV4 } from '../lib/sign.js';
import type { Case, Ctx } from '../lib/types.js';
import { assertError, assertOk, bytes, hostOf, keysOf, sendV4, withoutHost, xmlText } from '../lib/wire.js';

const HEADER_AUTH = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html';
const AUTH_OVERVIEW = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html';
const ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';
const CANONICAL = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html';

const DATA = bytes(1500, 51);
const MIN = 60 * 1000;

async function seeded(ctx: Ctx, prefix: string, key = 'k'): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: DATA }));
  return b;
}

async function status(ctx: Ctx, b: string, key = 'k'): Promise<number> {
  return (await ctx.raw({ method: 'HEAD', path: objectPath(b, key) })).status;
}

/** Headers of a body-less request signed now by the default user (without host). */
function signed(ctx: Ctx, method: string, path: string): Record<string, string> {
  return withoutHost(signV4({ method, path, headers: { host: hostOf(ctx) }, payloadHash: sha256hex(''), keys: keysOf(ctx), region: ctx.region, date: new Date() }).headers);
}

/** Rewrite one Authorization component (Credential, SignedHeaders, Signature). */
function setAuthPart(h: Record<string, string>, part: string, value: string): void {
  h.authorization = h.authorization!.replace(new RegExp(`${part}=[^,]*`), `${part}=${value}`);
}

export const cases: Case[] = [
  {
    name: 'anonymous GET of a private object: 403 AccessDenied',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-anon');
      assertError(await ctx.raw({ method: 'GET', path: objectPath(b, 'k'), sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'anonymous ListBuckets: 403 AccessDenied',
    ref: ERRORS,
    async run(ctx) {
      assertError(await ctx.raw({ method: 'GET', path: '/', sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'wrong secret key: 403 SignatureDoesNotMatch',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-secret');
      const res = await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), keys: { accessKeyId: ctx.accessKey, secretAccessKey: 'not-the-secret-0123456789' } });
      assertError(res, 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'SignatureDoesNotMatch carries the AWSAccessKeyId and a StringToSign equal to the client\'s',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-sts');
      const date = new Date();
      const path = `${objectPath(b, 'k')}?response-content-type=text%2Fplain`;
      const res = await sendV4(ctx, { method: 'GET', path, date, keys: { accessKeyId: ctx.accessKey, secretAccessKey: 'not-the-secret-0123456789' } });
      assertError(res, 403, 'SignatureDoesNotMatch');
      assert.equal(xmlText(res.text, 'AWSAccessKeyId'), ctx.accessKey);
      // Same canonical request on both sides: only the key differed.
      const mine = signV4({ method: 'GET', path, headers: { host: hostOf(ctx) }, payloadHash: sha256hex(''), keys: keysOf(ctx), region: ctx.region, date });
      assert.equal(xmlText(res.text, 'StringToSign'), mine.stringToSign);
    },
  },
  {
    name: 'unknown access key: 403 InvalidAccessKeyId',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-ak');
      const res = await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), keys: { accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x'.repeat(40) } });
      assertError(res, 403, 'InvalidAccessKeyId');
      assert.equal(xmlText(res.text, 'AWSAccessKeyId'), 'AKIANOSUCHKEY0000000');
    },
  },
  {
    name: 'x-amz-date 20 minutes old: 403 RequestTimeTooSkewed',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-old');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), date: new Date(Date.now() - 20 * MIN) }), 403, 'RequestTimeTooSkewed');
    },
  },
  {
    name: 'x-amz-date 20 minutes ahead: 403 RequestTimeTooSkewed',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-ahead');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), date: new Date(Date.now() + 20 * MIN) }), 403, 'RequestTimeTooSkewed');
    },
  },
  {
    name: 'x-amz-date 10 minutes old (inside the 15-minute window): 200',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-ten');
      assertOk(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), date: new Date(Date.now() - 10 * MIN) }));
    },
  },
  {
    name: 'a Date header (RFC 1123) instead of x-amz-date: 200',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-date');
      const date = new Date(Math.floor(Date.now() / 1000) * 1000);
      assertOk(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), date, omitAmzDate: true, headers: { date: date.toUTCString() } }));
    },
  },
  {
    name: 'neither x-amz-date nor Date: 403 AccessDenied',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-nodate');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), omitAmzDate: true }), 403, 'AccessDenied');
    },
  },
  {
    name: 'x-amz-date that is not a date: 403 AccessDenied',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-baddate');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), headers: { 'x-amz-date': 'yesterday' } }), 403, 'AccessDenied');
    },
  },
  {
    name: 'Authorization without Signature=: 400 AuthorizationHeaderMalformed',
    ref: AUTH_OVERVIEW,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-nosig');
      const res = await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), after: (h) => { h.authorization = h.authorization!.replace(/, Signature=.*$/, ''); } });
      assertError(res, 400, 'AuthorizationHeaderMalformed');
    },
  },
  {
    name: 'Credential with too few scope parts: 400 AuthorizationHeaderMalformed',
    ref: AUTH_OVERVIEW,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-cred');
      const res = await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), after: (h) => setAuthPart(h, 'Credential', `${ctx.accessKey}/us-east-1/s3/aws4_request`) });
      assertError(res, 400, 'AuthorizationHeaderMalformed');
    },
  },
  {
    name: 'credential scope naming another service (ec2): 400 AuthorizationHeaderMalformed',
    ref: AUTH_OVERVIEW,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-svc');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), service: 'ec2' }), 400, 'AuthorizationHeaderMalformed');
    },
  },
  {
    name: 'credential date different from the x-amz-date day: 400 AuthorizationHeaderMalformed',
    ref: AUTH_OVERVIEW,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-cdate');
      const res = await sendV4(ctx, {
        method: 'GET', path: objectPath(b, 'k'),
        after: (h) => { h.authorization = h.authorization!.replace(/Credential=([^/]+)\/\d{8}\//, (_m, ak: string) => `Credential=${ak}/20200101/`); },
      });
      assertError(res, 400, 'AuthorizationHeaderMalformed');
    },
  },
  {
    name: 'any region in the credential scope (eu-west-3) is accepted',
    ref: 'shared/spec/s3-surface.md §2',
    async run(ctx) {
      const b = await seeded(ctx, 'v4-region');
      assertOk(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), region: 'eu-west-3' }));
    },
  },
  {
    name: 'an unsupported Authorization type (Bearer): 400 InvalidArgument',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-bearer');
      assertError(await ctx.raw({ method: 'GET', path: objectPath(b, 'k'), headers: { authorization: 'Bearer abc.def' }, sign: 'none' }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'missing x-amz-content-sha256: 400 InvalidRequest',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-nosha');
      const res = await sendV4(ctx, {
        method: 'GET', path: objectPath(b, 'k'), signedHeaders: ['host', 'x-amz-date'],
        after: (h) => { delete h['x-amz-content-sha256']; },
      });
      assertError(res, 400, 'InvalidRequest');
    },
  },
  {
    name: 'body that does not hash to x-amz-content-sha256: 400 XAmzContentSHA256Mismatch, nothing stored',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('v4-shamis');
      const res = await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, payloadHash: sha256hex('something else') });
      assertError(res, 400, 'XAmzContentSHA256Mismatch');
      assert.equal(await status(ctx, b), 404);
    },
  },
  {
    name: 'x-amz-content-sha256 that is neither a hash nor a known keyword: 400 InvalidArgument',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v4-shajunk');
      assertError(await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, payloadHash: 'abc' }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'UNSIGNED-PAYLOAD: 200, body stored as sent',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v4-unsigned');
      assertOk(await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, payloadHash: 'UNSIGNED-PAYLOAD' }));
      assert.ok((await ctx.raw({ method: 'GET', path: objectPath(b, 'k') })).body.equals(DATA));
    },
  },
  {
    name: 'an x-amz-* header present but not signed: 403 AccessDenied',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v4-unsignedhdr');
      const res = await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-meta-a': '1' }, signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'] });
      assertError(res, 403, 'AccessDenied');
      assert.equal(await status(ctx, b), 404);
    },
  },
  {
    name: 'SignedHeaders names a header the request does not carry: 403 SignatureDoesNotMatch',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v4-lost');
      const res = await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-meta-a': '1' }, after: (h) => { delete h['x-amz-meta-a']; } });
      assertError(res, 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'a signed header changed after signing: 403 SignatureDoesNotMatch, nothing stored',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await ctx.bucket('v4-hdrchg');
      const res = await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'content-type': 'text/plain' }, after: (h) => { h['content-type'] = 'text/html'; } });
      assertError(res, 403, 'SignatureDoesNotMatch');
      assert.equal(await status(ctx, b), 404);
    },
  },
  {
    name: 'request sent to another key than signed: 403 SignatureDoesNotMatch',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-path');
      const s = signed(ctx, 'DELETE', objectPath(b, 'other'));
      assertError(await ctx.raw({ method: 'DELETE', path: objectPath(b, 'k'), headers: s, sign: 'none' }), 403, 'SignatureDoesNotMatch');
      assert.equal(await status(ctx, b), 200);
    },
  },
  {
    name: 'a query parameter added after signing: 403 SignatureDoesNotMatch',
    ref: HEADER_AUTH,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-qadd');
      const s = signed(ctx, 'GET', `/${b}?list-type=2`);
      assertError(await ctx.raw({ method: 'GET', path: `/${b}?list-type=2&prefix=x`, headers: s, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'signature of the wrong length: 403 SignatureDoesNotMatch',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-short');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), after: (h) => setAuthPart(h, 'Signature', 'abcdef') }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'X-Amz-Security-Token (STS session credentials): 400 InvalidToken',
    ref: 'shared/spec/s3-surface.md §2',
    async run(ctx) {
      const b = await seeded(ctx, 'v4-token');
      assertError(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), headers: { 'x-amz-security-token': 'FQoGZXIvYXdzEXAMPLE' } }), 400, 'InvalidToken');
    },
  },
  {
    name: 'error body RequestId equals the x-amz-request-id header',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-reqid');
      const res = await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), keys: { accessKeyId: ctx.accessKey, secretAccessKey: 'nope-nope-nope-nope' } });
      assertError(res, 403, 'SignatureDoesNotMatch');
      assert.ok(res.headers['x-amz-request-id'], 'x-amz-request-id header');
      assert.equal(xmlText(res.text, 'RequestId'), res.headers['x-amz-request-id']);
    },
  },
  {
    name: 'HEAD with a bad signature: 403 and no body',
    ref: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html',
    async run(ctx) {
      const b = await seeded(ctx, 'v4-head');
      const res = await sendV4(ctx, { method: 'HEAD', path: objectPath(b, 'k'), keys: { accessKeyId: ctx.accessKey, secretAccessKey: 'nope-nope-nope-nope' } });
      assert.equal(res.status, 403);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'Authorization components separated by "," without spaces: 200',
    ref: AUTH_OVERVIEW,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-commas');
      assertOk(await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), after: (h) => { h.authorization = h.authorization!.replace(/, /g, ','); } }));
    },
  },
  {
    name: 'canonical header values: inner runs of spaces collapse, ends are trimmed',
    ref: CANONICAL,
    async run(ctx) {
      const b = await ctx.bucket('v4-spaces');
      assertOk(await sendV4(ctx, { method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-meta-note': '  two   spaces  and\ta tab ' } }));
    },
  },
  {
    name: 'canonical query: parameters unsorted on the wire and values needing encoding (prefix "a b/ü"): 200',
    ref: CANONICAL,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-query', 'a b/ü/k');
      const res = await sendV4(ctx, { method: 'GET', path: `/${b}?prefix=a%20b%2F%C3%BC&max-keys=5&list-type=2` });
      assertOk(res);
      assert.equal(xmlText(res.text, 'Key'), 'a b/ü/k');
    },
  },
  {
    name: 'a query parameter without a value (?uploads) signs as "uploads=": 200',
    ref: CANONICAL,
    async run(ctx) {
      const b = await ctx.bucket('v4-noval');
      const res = await sendV4(ctx, { method: 'POST', path: `${objectPath(b, 'k')}?uploads` });
      assertOk(res);
      assert.ok(xmlText(res.text, 'UploadId'));
    },
  },
  {
    name: 'a header sent twice is signed as its values joined by a comma: 200',
    ref: CANONICAL,
    async run(ctx) {
      const b = await ctx.bucket('v4-dup');
      const res = await sendV4(ctx, {
        method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-meta-dup': 'one,two' },
        after: (h) => { delete h['x-amz-meta-dup']; },
        extraHeaders: [['x-amz-meta-dup', 'one'], ['x-amz-meta-dup', 'two']],
      });
      assertOk(res);
    },
  },
  {
    name: 'a 20 KiB header (beyond the 8 KiB AWS allows): 400 RequestHeaderSectionTooLarge, and the server keeps serving',
    ref: ERRORS,
    async run(ctx) {
      const b = await seeded(ctx, 'v4-huge');
      const res = await sendV4(ctx, { method: 'GET', path: objectPath(b, 'k'), headers: { 'x-amz-meta-huge': 'h'.repeat(20 * 1024) } });
      assertError(res, 400, 'RequestHeaderSectionTooLarge');
      assert.equal(await status(ctx, b), 200);
    },
  },
];
