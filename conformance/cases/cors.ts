/**
 * CORS: Put/Get/DeleteBucketCors, the unauthenticated preflight (`OPTIONS`) with origin, method
 * and header matching, and the CORS headers of actual requests. AWS: API_PutBucketCors.html,
 * RESTOPTIONSobject.html, cors.html ("How Amazon S3 evaluates the CORS configuration");
 * shared/spec/s3-surface.md §7.
 */
import assert from 'node:assert/strict';
import { DeleteBucketCorsCommand, GetBucketCorsCommand, PutBucketCorsCommand, PutObjectCommand, type CORSRule } from '@aws-sdk/client-s3';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, assertSdkError, bytes, otherOf } from '../lib/wire.js';

const PUT_CORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html';
const GET_CORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html';
const DELETE_CORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketCors.html';
const OPTIONS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html';
const EVALUATION = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html';

const DATA = bytes(300, 81);
const APP = 'https://app.example.com';

const BASIC: CORSRule = {
  ID: 'app', AllowedOrigins: [APP], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 600,
};

/** A bucket holding object `k` with these CORS rules. */
async function withCors(ctx: Ctx, prefix: string, rules: CORSRule[]): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
  await ctx.s3.send(new PutBucketCorsCommand({ Bucket: b, CORSConfiguration: { CORSRules: rules } }));
  return b;
}

async function preflight(ctx: Ctx, path: string, headers: Record<string, string>): Promise<RawResponse> {
  return ctx.raw({ method: 'OPTIONS', path, headers, sign: 'none' });
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

function noCors(res: RawResponse): void {
  for (const h of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers']) {
    assert.equal(res.headers[h], undefined, `${h} must be absent`);
  }
}

async function putCorsXml(ctx: Ctx, b: string, xml: string): Promise<RawResponse> {
  return ctx.raw({ method: 'PUT', path: `/${b}?cors`, body: xml, headers: { 'content-type': 'application/xml' } });
}

const rule = (inner: string): string => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;

export const cases: Case[] = [
  {
    name: 'PutBucketCors then GetBucketCors returns the rules (ID, origins, methods, headers, expose, max age)',
    ref: GET_CORS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-rt', [BASIC, { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] }]);
      const out = await ctx.s3.send(new GetBucketCorsCommand({ Bucket: b }));
      assert.equal(out.CORSRules?.length, 2);
      const [r1, r2] = out.CORSRules;
      assert.deepEqual(
        { ID: r1!.ID, AllowedOrigins: r1!.AllowedOrigins, AllowedMethods: r1!.AllowedMethods, AllowedHeaders: r1!.AllowedHeaders, ExposeHeaders: r1!.ExposeHeaders, MaxAgeSeconds: r1!.MaxAgeSeconds },
        BASIC,
      );
      assert.deepEqual([r2!.AllowedOrigins, r2!.AllowedMethods], [['*'], ['HEAD']]);
    },
  },
  {
    name: 'GetBucketCors without a configuration: 404 NoSuchCORSConfiguration',
    ref: GET_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-none');
      await assertSdkError(ctx.s3.send(new GetBucketCorsCommand({ Bucket: b })), 404, 'NoSuchCORSConfiguration');
    },
  },
  {
    name: 'DeleteBucketCors: 204, then GetBucketCors 404 and preflights 403',
    ref: DELETE_CORS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-del', [BASIC]);
      await ctx.s3.send(new DeleteBucketCorsCommand({ Bucket: b }));
      await assertSdkError(ctx.s3.send(new GetBucketCorsCommand({ Bucket: b })), 404, 'NoSuchCORSConfiguration');
      assertError(await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'GET' }), 403, 'AccessForbidden');
    },
  },
  {
    name: 'preflight on a bucket without CORS: 403 AccessForbidden',
    ref: OPTIONS,
    async run(ctx) {
      const b = await ctx.bucket('cors-pf-none');
      assertError(await preflight(ctx, `/${b}`, { origin: APP, 'access-control-request-method': 'GET' }), 403, 'AccessForbidden');
    },
  },
  {
    name: 'preflight without Origin: 400 BadRequest',
    ref: OPTIONS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-noorigin', [BASIC]);
      assertError(await preflight(ctx, objectPath(b, 'k'), { 'access-control-request-method': 'GET' }), 400, 'BadRequest');
    },
  },
  {
    name: 'preflight without Access-Control-Request-Method: 400 BadRequest',
    ref: OPTIONS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-nomethod', [BASIC]);
      assertError(await preflight(ctx, objectPath(b, 'k'), { origin: APP }), 400, 'BadRequest');
    },
  },
  {
    name: 'preflight matching an exact origin (unauthenticated, private bucket): 200 with Allow-Origin = origin, Allow-Credentials, Methods, Max-Age, Expose',
    ref: OPTIONS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-exact', [BASIC]);
      const res = await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'PUT' });
      assertOk(res);
      assert.equal(res.headers['access-control-allow-origin'], APP);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.deepEqual(list(res.headers['access-control-allow-methods']), ['get', 'put']);
      assert.equal(res.headers['access-control-max-age'], '600');
      assert.deepEqual(list(res.headers['access-control-expose-headers']), ['etag', 'x-amz-request-id']);
    },
  },
  {
    name: 'preflight matching a rule whose origin is exactly "*": Allow-Origin "*" and no Allow-Credentials',
    ref: OPTIONS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-star', [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);
      const res = await preflight(ctx, objectPath(b, 'k'), { origin: 'https://anywhere.test', 'access-control-request-method': 'GET' });
      assertOk(res);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
    },
  },
  {
    name: 'AllowedOrigin with one wildcard (https://*.example.com) matches a subdomain',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-wild', [{ AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET'] }]);
      const res = await preflight(ctx, objectPath(b, 'k'), { origin: 'https://deep.sub.example.com', 'access-control-request-method': 'GET' });
      assertOk(res);
      assert.equal(res.headers['access-control-allow-origin'], 'https://deep.sub.example.com');
    },
  },
  {
    name: 'the wildcard origin does not match another domain: 403 AccessForbidden',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-wild2', [{ AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET'] }]);
      assertError(await preflight(ctx, objectPath(b, 'k'), { origin: 'https://example.org', 'access-control-request-method': 'GET' }), 403, 'AccessForbidden');
    },
  },
  {
    name: 'preflight for a method no rule allows: 403 AccessForbidden',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-method', [BASIC]);
      assertError(await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'DELETE' }), 403, 'AccessForbidden');
    },
  },
  {
    name: 'AllowedHeader "*": every requested header allowed, echoed in Allow-Headers',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-hstar', [BASIC]);
      const res = await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-amz-meta-owner' });
      assertOk(res);
      assert.deepEqual(list(res.headers['access-control-allow-headers']).sort(), ['content-type', 'x-amz-meta-owner']);
    },
  },
  {
    name: 'a requested header the rule does not allow: 403 AccessForbidden (every header must match)',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-hdeny', [{ AllowedOrigins: [APP], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'] }]);
      assertError(await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-amz-meta-owner' }), 403, 'AccessForbidden');
    },
  },
  {
    name: 'AllowedHeader "x-amz-*" matches x-amz-date and x-amz-meta-owner',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-hpre', [{ AllowedOrigins: [APP], AllowedMethods: ['PUT'], AllowedHeaders: ['x-amz-*'] }]);
      assertOk(await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-amz-date,x-amz-meta-owner' }));
    },
  },
  {
    name: 'header names match case-insensitively (Content-Type vs content-type)',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-hcase', [{ AllowedOrigins: [APP], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'] }]);
      assertOk(await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'Content-Type' }));
    },
  },
  {
    name: 'preflight on the bucket path (not an object): 200',
    ref: OPTIONS,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-bpath', [BASIC]);
      assertOk(await preflight(ctx, `/${b}`, { origin: APP, 'access-control-request-method': 'GET' }));
    },
  },
  {
    name: 'the first matching rule wins (its Max-Age), later rules are not merged',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-first', [
        { AllowedOrigins: [APP], AllowedMethods: ['GET'], MaxAgeSeconds: 100 },
        { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 200 },
      ]);
      const get = await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'GET' });
      assert.equal(get.headers['access-control-max-age'], '100');
      assert.deepEqual(list(get.headers['access-control-allow-methods']), ['get']);
      const put = await preflight(ctx, objectPath(b, 'k'), { origin: APP, 'access-control-request-method': 'PUT' });
      assert.equal(put.headers['access-control-max-age'], '200');
      assert.equal(put.headers['access-control-allow-origin'], '*');
    },
  },
  {
    name: 'actual GET with a matching Origin: Allow-Origin, Allow-Credentials, Expose-Headers and Vary: Origin',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-get', [BASIC]);
      const res = await ctx.raw({ method: 'GET', path: objectPath(b, 'k'), headers: { origin: APP } });
      assertOk(res);
      assert.ok(res.body.equals(DATA));
      assert.equal(res.headers['access-control-allow-origin'], APP);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.deepEqual(list(res.headers['access-control-expose-headers']), ['etag', 'x-amz-request-id']);
      assert.ok(list(res.headers.vary).includes('origin'), `Vary: ${res.headers.vary}`);
    },
  },
  {
    name: 'actual GET with a non-matching Origin: normal 200, no CORS headers',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-nomatch', [BASIC]);
      const res = await ctx.raw({ method: 'GET', path: objectPath(b, 'k'), headers: { origin: 'https://evil.test' } });
      assertOk(res);
      noCors(res);
    },
  },
  {
    name: 'actual GET without Origin: no CORS headers',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-noorig', [BASIC]);
      const res = await ctx.raw({ method: 'GET', path: objectPath(b, 'k') });
      assertOk(res);
      noCors(res);
    },
  },
  {
    name: 'actual PUT with a matching Origin: Allow-Origin on the PutObject answer',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-put', [BASIC]);
      const res = await ctx.raw({ method: 'PUT', path: objectPath(b, 'new'), body: DATA, headers: { origin: APP } });
      assertOk(res);
      assert.equal(res.headers['access-control-allow-origin'], APP);
    },
  },
  {
    name: 'actual HEAD with an Origin matched by a "*" rule: Allow-Origin "*"',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-head', [{ AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] }]);
      const res = await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k'), headers: { origin: 'https://x.test' } });
      assertOk(res);
      assert.equal(res.headers['access-control-allow-origin'], '*');
    },
  },
  {
    name: 'actual DELETE from an allowed origin whose rule lacks DELETE: no CORS headers',
    ref: EVALUATION,
    async run(ctx) {
      const b = await withCors(ctx, 'cors-delm', [BASIC]);
      const res = await ctx.raw({ method: 'DELETE', path: objectPath(b, 'k'), headers: { origin: APP } });
      assertOk(res, 204);
      noCors(res);
    },
  },
  {
    name: 'PutBucketCors with AllowedMethod PATCH: 400 InvalidRequest',
    ref: PUT_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-patch');
      assertError(await putCorsXml(ctx, b, rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>')), 400, 'InvalidRequest');
    },
  },
  {
    name: 'PutBucketCors with an AllowedOrigin holding two wildcards: 400 InvalidRequest',
    ref: PUT_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-2star');
      assertError(await putCorsXml(ctx, b, rule('<AllowedOrigin>https://*.*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>')), 400, 'InvalidRequest');
    },
  },
  {
    name: 'PutBucketCors with a rule lacking AllowedOrigin: 400 MalformedXML',
    ref: PUT_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-noorig-rule');
      assertError(await putCorsXml(ctx, b, rule('<AllowedMethod>GET</AllowedMethod>')), 400, 'MalformedXML');
    },
  },
  {
    name: 'PutBucketCors with broken XML: 400 MalformedXML',
    ref: PUT_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-xml');
      assertError(await putCorsXml(ctx, b, '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>'), 400, 'MalformedXML');
    },
  },
  {
    name: 'PutBucketCors with no rule at all: 400 MalformedXML',
    ref: PUT_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-empty');
      assertError(await putCorsXml(ctx, b, '<CORSConfiguration></CORSConfiguration>'), 400, 'MalformedXML');
    },
  },
  {
    name: 'the other user PutBucketCors on my bucket: 403 AccessDenied',
    ref: PUT_CORS,
    async run(ctx) {
      const b = await ctx.bucket('cors-steal');
      const xml = rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?cors`, body: xml, credentials: otherOf(ctx).keys }), 403, 'AccessDenied');
    },
  },
];
