/**
 * The error envelope and the common response headers (AWS "Error responses" and "Common response
 * headers"), the 404s of bucket configurations that were never set, and anonymous access to
 * private resources.
 */
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expectRawError, parseXml } from '../lib/check.js';
import type { Case } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API';
const ERRORS = `${API}/ErrorResponses.html`;
const COMMON = `${API}/RESTCommonResponseHeaders.html`;
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

/** GET /{b}?{sub} of a bucket without that configuration → 404 with this code, naming the bucket. */
const UNSET_CONFIGS: Array<[string, string, string]> = [
  ['encryption', 'ServerSideEncryptionConfigurationNotFoundError', 'API_GetBucketEncryption.html'],
  ['object-lock', 'ObjectLockConfigurationNotFoundError', 'API_GetObjectLockConfiguration.html'],
  ['website', 'NoSuchWebsiteConfiguration', 'API_GetBucketWebsite.html'],
  ['ownershipControls', 'OwnershipControlsNotFoundError', 'API_GetBucketOwnershipControls.html'],
  ['publicAccessBlock', 'NoSuchPublicAccessBlockConfiguration', 'API_GetPublicAccessBlock.html'],
  ['lifecycle', 'NoSuchLifecycleConfiguration', 'API_GetBucketLifecycleConfiguration.html'],
];

const unsetCases: Case[] = UNSET_CONFIGS.map(([sub, code, page]) => ({
  name: `GET ?${sub} of a bucket without one: 404 ${code} naming the bucket`,
  ref: `${API}/${page}`,
  async run(ctx) {
    const b = await ctx.bucket(`unset-${sub.toLowerCase()}`);
    const e = expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?${sub}` }), 404, code);
    assert.equal(e.BucketName, b);
  },
}));

export const cases: Case[] = [
  {
    name: 'an error is application/xml: <Error> with Code, Message, RequestId and HostId',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-shape');
      const res = await ctx.raw({ method: 'GET', path: `/${b}/missing` });
      assert.equal(res.status, 404);
      assert.match(res.headers['content-type'] ?? '', /^application\/xml/);
      assert.match(res.text, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
      const e = parseXml(res.text).Error;
      assert.equal(e.Code, 'NoSuchKey');
      assert.ok(e.Message, 'Message');
      assert.ok(e.RequestId, 'RequestId');
      assert.ok(e.HostId, 'HostId');
      assert.equal(res.headers['content-length'], String(res.body.length));
    },
  },
  {
    name: 'the error body\'s RequestId and HostId are the x-amz-request-id and x-amz-id-2 headers',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-ids');
      const res = await ctx.raw({ method: 'GET', path: `/${b}/missing` });
      const e = parseXml(res.text).Error;
      assert.equal(e.RequestId, res.headers['x-amz-request-id']);
      assert.equal(e.HostId, res.headers['x-amz-id-2']);
    },
  },
  {
    name: 'every answer carries x-amz-request-id, x-amz-id-2, an RFC 1123 Date and Server',
    ref: COMMON,
    async run(ctx) {
      const b = await ctx.bucket('err-common');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
      const answers = [
        await ctx.raw({ method: 'GET', path: `/${b}/k` }),
        await ctx.raw({ method: 'HEAD', path: `/${b}/k` }),
        await ctx.raw({ method: 'GET', path: `/${b}/nope` }),
        await ctx.raw({ method: 'HEAD', path: `/${b}/nope` }),
        await ctx.raw({ method: 'DELETE', path: `/${b}/k` }),
        await ctx.raw({ method: 'GET', path: '/' }),
      ];
      for (const res of answers) {
        assert.ok(res.headers['x-amz-request-id'], `x-amz-request-id on ${res.status}`);
        assert.ok(res.headers['x-amz-id-2'], `x-amz-id-2 on ${res.status}`);
        assert.match(res.headers.date ?? '', RFC1123);
        assert.ok(res.headers.server, `Server on ${res.status}`);
      }
    },
  },
  {
    name: 'request ids differ from request to request',
    ref: COMMON,
    async run(ctx) {
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await ctx.raw({ method: 'GET', path: '/' })).headers['x-amz-request-id']!);
      assert.equal(ids.size, 5);
    },
  },
  {
    name: 'a HEAD error has no body, and its status still says what went wrong',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-head');
      for (const [path, status] of [[`/${b}/missing`, 404], ['/no-such-bucket-for-head/k', 404]] as const) {
        const res = await ctx.raw({ method: 'HEAD', path });
        assert.equal(res.status, status);
        assert.equal(res.body.length, 0);
      }
    },
  },
  ...unsetCases,
  {
    name: 'anonymous ListBuckets: 403 AccessDenied',
    ref: ERRORS,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: '/', sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'anonymous GET of an object in a private bucket: 403 AccessDenied',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-anon');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'private' }));
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k`, sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'anonymous PUT into a private bucket: 403 AccessDenied, nothing written',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-anon-put');
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'x', sign: 'none' }), 403, 'AccessDenied');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'anonymous listing of a private bucket: 403 AccessDenied',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-anon-list');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}?list-type=2`, sign: 'none' }), 403, 'AccessDenied');
    },
  },
  {
    name: 'a missing bucket answers 404 NoSuchBucket even to an anonymous caller',
    ref: ERRORS,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: '/no-such-bucket-anon/k', sign: 'none' }), 404, 'NoSuchBucket');
    },
  },
  {
    name: 'unknown query parameters are ignored',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('err-query');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k?x-unknown-param=1&foo` });
      assert.equal(res.status, 200);
      assert.equal(res.text, 'x');
    },
  },
  {
    name: 'a key that is not valid percent-encoding: 400 InvalidURI',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-uri');
      const res = await ctx.raw({ method: 'GET', path: `/${b}/bad%ZZkey`, sign: 'none' });
      expectRawError(res, 400, 'InvalidURI');
    },
  },
  {
    name: 'PUT of a bucket configuration with malformed XML: 400 MalformedXML',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-xml');
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}?versioning`, body: 'not xml at all' }), 400, 'MalformedXML');
    },
  },
  {
    name: 'XML with a DOCTYPE (entity expansion): 400 MalformedXML',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('err-doctype');
      const body = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "Enabled">]><VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>&a;</Status></VersioningConfiguration>';
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}?versioning`, body }), 400, 'MalformedXML');
    },
  },
];
