/**
 * Conditional requests: If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since on
 * GetObject and HeadObject (with S3's documented precedence), and conditional writes on PutObject.
 */
import assert from 'node:assert/strict';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { expectRawError, md5Etag } from '../lib/check.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';

const GET = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html';
const HEAD = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html';
const PUT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html';
const WRITES = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html';
const RFC = 'https://www.rfc-editor.org/rfc/rfc9110#section-13.1';

const BODY = 'conditional body';
const ETAG = md5Etag(BODY);
const OTHER = '"0123456789abcdef0123456789abcdef"';

/** A bucket with `k` = BODY, and its Last-Modified. */
async function object(ctx: Ctx): Promise<{ b: string; lastModified: string }> {
  const b = await ctx.bucket('cond');
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: BODY }));
  const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
  return { b, lastModified: h.headers['last-modified']! };
}

const httpDate = (ms: number): string => new Date(ms).toUTCString();
const hourBefore = (d: string): string => httpDate(Date.parse(d) - 3600_000);

function expect200(res: RawResponse, method: string): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.etag, ETAG);
  assert.equal(res.body.toString(), method === 'GET' ? BODY : '');
}

function expect304(res: RawResponse): void {
  assert.equal(res.status, 304);
  assert.equal(res.headers.etag, ETAG, '304 carries the ETag (RFC 9110 §15.4.5)');
  assert.equal(res.body.length, 0);
}

function expect412(res: RawResponse, method: string): void {
  if (method === 'HEAD') {
    assert.equal(res.status, 412);
    assert.equal(res.body.length, 0);
  } else {
    expectRawError(res, 412, 'PreconditionFailed');
  }
}

type Outcome = 200 | 304 | 412;
/** Rows: what the case checks, the headers (LM = the object's Last-Modified), the outcome. */
const READS: Array<[string, (lm: string) => Record<string, string>, Outcome]> = [
  ['If-Match with the ETag', () => ({ 'if-match': ETAG }), 200],
  ['If-Match with another ETag', () => ({ 'if-match': OTHER }), 412],
  ['If-Match: *', () => ({ 'if-match': '*' }), 200],
  ['If-Match with a list holding the ETag', () => ({ 'if-match': `${OTHER}, ${ETAG}` }), 200],
  ['If-None-Match with the ETag', () => ({ 'if-none-match': ETAG }), 304],
  ['If-None-Match with another ETag', () => ({ 'if-none-match': OTHER }), 200],
  ['If-None-Match: *', () => ({ 'if-none-match': '*' }), 304],
  ['If-Modified-Since the Last-Modified time', (lm) => ({ 'if-modified-since': lm }), 304],
  ['If-Modified-Since an hour earlier', (lm) => ({ 'if-modified-since': hourBefore(lm) }), 200],
  ['If-Unmodified-Since the Last-Modified time', (lm) => ({ 'if-unmodified-since': lm }), 200],
  ['If-Unmodified-Since an hour earlier', (lm) => ({ 'if-unmodified-since': hourBefore(lm) }), 412],
  ['If-Match true and If-Unmodified-Since false (S3: 200)', (lm) => ({ 'if-match': ETAG, 'if-unmodified-since': hourBefore(lm) }), 200],
  ['If-None-Match false and If-Modified-Since true (S3: 304)', (lm) => ({ 'if-none-match': ETAG, 'if-modified-since': hourBefore(lm) }), 304],
  ['If-Match false and If-None-Match true', () => ({ 'if-match': OTHER, 'if-none-match': OTHER }), 412],
  ['an unparseable If-Modified-Since (ignored)', () => ({ 'if-modified-since': 'not a date' }), 200],
  ['an unparseable If-Unmodified-Since (ignored)', () => ({ 'if-unmodified-since': 'yesterday' }), 200],
];

const readCases: Case[] = (['GET', 'HEAD'] as const).flatMap((method) => READS.map(([what, headers, outcome]): Case => ({
  name: `${method} with ${what}: ${outcome}`,
  ref: what.includes('(S3:') ? (method === 'GET' ? GET : HEAD) : RFC,
  async run(ctx) {
    const { b, lastModified } = await object(ctx);
    const res = await ctx.raw({ method, path: `/${b}/k`, headers: headers(lastModified) });
    if (outcome === 200) expect200(res, method);
    else if (outcome === 304) expect304(res);
    else expect412(res, method);
  },
})));

export const cases: Case[] = [
  ...readCases,
  {
    name: 'a failed If-Match wins over a Range: 412, not 206',
    ref: 'https://www.rfc-editor.org/rfc/rfc9110#section-13.2.2',
    async run(ctx) {
      const { b } = await object(ctx);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { 'if-match': OTHER, range: 'bytes=0-3' } }), 412, 'PreconditionFailed');
    },
  },
  {
    name: 'a matching If-None-Match wins over a Range: 304, not 206',
    ref: 'https://www.rfc-editor.org/rfc/rfc9110#section-13.2.2',
    async run(ctx) {
      const { b } = await object(ctx);
      expect304(await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { 'if-none-match': ETAG, range: 'bytes=0-3' } }));
    },
  },
  {
    name: 'a passing If-Match with a Range: 206 with the range',
    ref: 'https://www.rfc-editor.org/rfc/rfc9110#section-13.2.2',
    async run(ctx) {
      const { b } = await object(ctx);
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { 'if-match': ETAG, range: 'bytes=0-3' } });
      assert.equal(res.status, 206);
      assert.equal(res.text, BODY.slice(0, 4));
    },
  },
  {
    name: 'PreconditionFailed names the failed Condition',
    ref: 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html',
    async run(ctx) {
      const { b } = await object(ctx);
      const e = expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k`, headers: { 'if-match': OTHER } }), 412, 'PreconditionFailed');
      assert.equal(e.Condition, 'If-Match');
    },
  },
  {
    name: 'If-Match on a missing key: 404 NoSuchKey, not 412',
    ref: GET,
    async run(ctx) {
      const b = await ctx.bucket('cond-missing');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/nope`, headers: { 'if-match': ETAG } }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'PUT with If-None-Match: * creates a missing key',
    ref: WRITES,
    async run(ctx) {
      const b = await ctx.bucket('cond-create');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/new`, body: BODY, headers: { 'if-none-match': '*' } });
      assert.equal(res.status, 200);
      assert.equal((await ctx.raw({ method: 'GET', path: `/${b}/new` })).text, BODY);
    },
  },
  {
    name: 'PUT with If-None-Match: * over an existing key: 412, the object unchanged',
    ref: WRITES,
    async run(ctx) {
      const { b } = await object(ctx);
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'replacement', headers: { 'if-none-match': '*' } });
      expectRawError(res, 412, 'PreconditionFailed');
      assert.equal((await ctx.raw({ method: 'GET', path: `/${b}/k` })).text, BODY);
    },
  },
  {
    name: 'PUT with If-Match of the current ETag replaces the object',
    ref: PUT,
    async run(ctx) {
      const { b } = await object(ctx);
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'replacement', headers: { 'if-match': ETAG } });
      assert.equal(res.status, 200);
      assert.equal((await ctx.raw({ method: 'GET', path: `/${b}/k` })).text, 'replacement');
    },
  },
  {
    name: 'PUT with If-Match of another ETag: 412, the object unchanged',
    ref: PUT,
    async run(ctx) {
      const { b } = await object(ctx);
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/k`, body: 'replacement', headers: { 'if-match': OTHER } });
      expectRawError(res, 412, 'PreconditionFailed');
      assert.equal((await ctx.raw({ method: 'GET', path: `/${b}/k` })).text, BODY);
    },
  },
  {
    name: 'PUT with If-Match on a missing key: 404 NoSuchKey',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('cond-putmissing');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/nope`, body: 'x', headers: { 'if-match': ETAG } });
      expectRawError(res, 404, 'NoSuchKey');
    },
  },
  {
    name: 'SDK PutObject with IfNoneMatch * twice: the second is 412',
    ref: WRITES,
    async run(ctx) {
      const b = await ctx.bucket('cond-sdk');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'once', Body: 'a', IfNoneMatch: '*' }));
      let status: number | undefined;
      try {
        await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'once', Body: 'b', IfNoneMatch: '*' }));
      } catch (e) {
        status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      }
      assert.equal(status, 412);
    },
  },
];
