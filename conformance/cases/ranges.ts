/**
 * Byte ranges on GetObject and HeadObject (RFC 9110 §14 as S3 applies it: one range only, an
 * unsatisfiable one is 416 InvalidRange, an invalid one is ignored) and `partNumber` on an object
 * that was not uploaded in parts.
 */
import assert from 'node:assert/strict';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bodyBytes, bytes, expectRawError, md5Etag } from '../lib/check.js';
import type { Case, Ctx } from '../lib/types.js';

const GET = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html';
const HEAD = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html';
const RFC = 'https://www.rfc-editor.org/rfc/rfc9110#section-14';
const ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';

const SIZE = 100;
const DATA = bytes(SIZE);

/** A bucket holding `k` = DATA (100 bytes). */
async function object(ctx: Ctx, data: Buffer = DATA): Promise<string> {
  const b = await ctx.bucket('range');
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data }));
  return b;
}

/** Rows: Range header → the bytes [first, last] a 206 must carry. */
const SATISFIABLE: Array<[string, string, number, number]> = [
  ['first ten bytes', 'bytes=0-9', 0, 9],
  ['one byte', 'bytes=0-0', 0, 0],
  ['the last byte by position', 'bytes=99-99', 99, 99],
  ['an open-ended range', 'bytes=90-', 90, 99],
  ['a suffix range', 'bytes=-10', 90, 99],
  ['a last position past the end, clamped', 'bytes=95-1000', 95, 99],
  ['a suffix longer than the object, the whole object', 'bytes=-1000', 0, 99],
];

/** Rows: Range header → 416 InvalidRange with `Content-Range: bytes *\/100`. */
const UNSATISFIABLE: Array<[string, string]> = [
  ['a first position at the size', 'bytes=100-'],
  ['a first position past the size', 'bytes=150-200'],
  ['an empty suffix', 'bytes=-0'],
];

/** Rows: Range header S3 ignores (200 with the whole object). */
const IGNORED: Array<[string, string]> = [
  ['several ranges', 'bytes=0-1,5-6'],
  ['a last position before the first', 'bytes=9-5'],
  ['a non-numeric range', 'bytes=abc-def'],
  ['another range unit', 'items=0-9'],
];

const satisfiable: Case[] = SATISFIABLE.map(([what, range, first, last]) => ({
  name: `GET with ${what} (${range}): 206 with Content-Range and those bytes`,
  ref: GET,
  async run(ctx) {
    const b = await object(ctx);
    const res = await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { range } });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes ${first}-${last}/${SIZE}`);
    assert.equal(res.headers['content-length'], String(last - first + 1));
    assert.equal(res.headers.etag, md5Etag(DATA), 'the ETag is the whole object\'s');
    assert.equal(res.headers['accept-ranges'], 'bytes');
    assert.deepEqual(res.body, DATA.subarray(first, last + 1));
  },
}));

const unsatisfiable: Case[] = UNSATISFIABLE.map(([what, range]) => ({
  name: `GET with ${what} (${range}): 416 InvalidRange with Content-Range bytes */size`,
  ref: RFC,
  async run(ctx) {
    const b = await object(ctx);
    const res = await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { range } });
    expectRawError(res, 416, 'InvalidRange');
    assert.equal(res.headers['content-range'], `bytes */${SIZE}`);
  },
}));

const ignored: Case[] = IGNORED.map(([what, range]) => ({
  name: `GET with ${what} (${range}): the header is ignored, 200 with the whole object`,
  ref: RFC,
  async run(ctx) {
    const b = await object(ctx);
    const res = await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { range } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-range'], undefined);
    assert.deepEqual(res.body, DATA);
  },
}));

export const cases: Case[] = [
  ...satisfiable,
  ...unsatisfiable,
  ...ignored,
  {
    name: 'InvalidRange names RangeRequested and ActualObjectSize',
    ref: ERRORS,
    async run(ctx) {
      const b = await object(ctx);
      const e = expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { range: 'bytes=100-' } }), 416, 'InvalidRange');
      assert.equal(e.RangeRequested, 'bytes=100-');
      assert.equal(e.ActualObjectSize, String(SIZE));
    },
  },
  {
    name: 'any range on an empty object: 416 InvalidRange',
    ref: RFC,
    async run(ctx) {
      const b = await object(ctx, Buffer.alloc(0));
      for (const range of ['bytes=0-0', 'bytes=0-', 'bytes=-5']) {
        const res = await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { range } });
        expectRawError(res, 416, 'InvalidRange');
        assert.equal(res.headers['content-range'], 'bytes */0', range);
      }
    },
  },
  {
    name: 'HEAD with a range: 206 with Content-Range and the range\'s length, no body',
    ref: HEAD,
    async run(ctx) {
      const b = await object(ctx);
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}/k`, headers: { range: 'bytes=10-29' } });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `bytes 10-29/${SIZE}`);
      assert.equal(res.headers['content-length'], '20');
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'HEAD with an unsatisfiable range: 416 without body',
    ref: HEAD,
    async run(ctx) {
      const b = await object(ctx);
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}/k`, headers: { range: 'bytes=500-' } });
      assert.equal(res.status, 416);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'SDK GetObject with Range: ContentRange, ContentLength and the bytes',
    ref: GET,
    async run(ctx) {
      const b = await object(ctx);
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', Range: 'bytes=20-39' }));
      assert.equal(g.$metadata.httpStatusCode, 206);
      assert.equal(g.ContentRange, `bytes 20-39/${SIZE}`);
      assert.equal(g.ContentLength, 20);
      assert.deepEqual(await bodyBytes(g.Body), DATA.subarray(20, 40));
    },
  },
  {
    name: 'a range across the 1 MiB boundary of a 3 MiB object returns exactly those bytes',
    ref: GET,
    async run(ctx) {
      const big = bytes(3 * 1024 * 1024, 7);
      const b = await object(ctx, big);
      const first = 1024 * 1024 - 5;
      const last = 2 * 1024 * 1024 + 4;
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { range: `bytes=${first}-${last}` } });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `bytes ${first}-${last}/${big.length}`);
      assert.ok(res.body.equals(big.subarray(first, last + 1)));
    },
  },
  {
    name: 'partNumber=1 of an object not uploaded in parts: 206 with the whole object, no parts count',
    ref: GET,
    async run(ctx) {
      const b = await object(ctx);
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k?partNumber=1` });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `bytes 0-${SIZE - 1}/${SIZE}`);
      assert.equal(res.headers['x-amz-mp-parts-count'], undefined);
      assert.deepEqual(res.body, DATA);
    },
  },
  {
    name: 'partNumber=2 of an object not uploaded in parts: 416 InvalidPartNumber',
    ref: ERRORS,
    async run(ctx) {
      const b = await object(ctx);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k?partNumber=2` }), 416, 'InvalidPartNumber');
      const head = await ctx.raw({ method: 'HEAD', path: `/${b}/k?partNumber=2` });
      assert.equal(head.status, 416);
    },
  },
  {
    name: 'partNumber outside 1–10000 or not a number: 400 InvalidArgument',
    ref: GET,
    async run(ctx) {
      const b = await object(ctx);
      for (const n of ['0', '10001', '-1', 'one']) {
        expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k?partNumber=${n}` }), 400, 'InvalidArgument');
      }
    },
  },
  {
    name: 'partNumber together with Range: 400 InvalidRequest',
    ref: GET,
    async run(ctx) {
      const b = await object(ctx);
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k?partNumber=1`, headers: { range: 'bytes=0-1' } });
      expectRawError(res, 400, 'InvalidRequest');
    },
  },
];
