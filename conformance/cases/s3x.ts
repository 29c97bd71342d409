/**
 * S3X, the Edge-X extension API (shared/spec/s3x.md is the contract; there is no AWS page for it):
 * create/replace, stream sessions (write, read, stat, commit, cancel, isolation), append with the
 * offset condition, range writes, deletes, KV objects (insert, get, list formats, paging, delete),
 * bucket listing, snapshots and clones, request classification errors and authorisation.
 * Every request is a raw SigV4 request whose query carries `comp` (s3x.md §1 dispatch rule).
 */
import assert from 'node:assert/strict';
import { ListObjectVersionsCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, bytes } from '../lib/wire.js';

const spec = (section: string): string => `shared/spec/s3x.md ${section}`;
const OCTET = 'application/octet-stream';

/** Send one S3X request to `/{b}[/{key}]?{query}`. */
async function x(ctx: Ctx, method: string, b: string, key: string | undefined, query: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<RawResponse> {
  const base = key === undefined ? `/${b}` : objectPath(b, key);
  const h = body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type') ? { 'content-type': OCTET, ...headers } : headers;
  return ctx.raw({ method, path: `${base}?${query}`, headers: h, body });
}

/** S3 PutObject of plain bytes. */
async function s3put(ctx: Ctx, b: string, key: string, body: Buffer | string): Promise<void> {
  await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }));
}

/** S3 GET of the committed head (status and body). */
async function s3get(ctx: Ctx, b: string, key: string): Promise<RawResponse> {
  return ctx.raw({ method: 'GET', path: objectPath(b, key) });
}

async function versioned(ctx: Ctx, prefix: string): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  return b;
}

async function versionCount(ctx: Ctx, b: string, key: string): Promise<number> {
  const out = await ctx.s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: key }));
  return (out.Versions ?? []).filter((v) => v.Key === key).length;
}

/** Every S3X answer carries Accept-Ranges: bytes and a Content-Length (s3x.md preamble; edge-fuse needs both). */
function s3xHeaders(res: RawResponse): void {
  assert.equal(res.headers['accept-ranges'], 'bytes', 'Accept-Ranges: bytes on every S3X answer');
  assert.ok(res.headers['content-length'] !== undefined, 'Content-Length on every S3X answer');
}

/** A stream write answer: 200, no object-info headers (s3x.md §6.2). */
function writeAnswer(res: RawResponse): void {
  assertOk(res);
  s3xHeaders(res);
  for (const h of ['etag', 'x-uvid', 'x-genid', 'x-vmchid']) assert.equal(res.headers[h], undefined, `${h} is not part of a stream write answer`);
}

function sessionId(res: RawResponse): string {
  const id = res.headers['x-session-id'];
  assert.match(id ?? '', /^\d{1,20}$/, `x-session-id (got ${id})`);
  return id!;
}

/** Create a KV object `kv` (oflags 2) with a default value type. */
async function kvObject(ctx: Ctx, b: string, key = 'kv', defaultType = 'text/plain'): Promise<void> {
  assertOk(await x(ctx, 'POST', b, key, 'comp=kv&finalize', { 'x-ccow-object-oflags': '2', 'content-type': defaultType }, ''), 200, 'KV create');
}

async function kvBatch(ctx: Ctx, b: string, type: string, body: string, key = 'kv'): Promise<RawResponse> {
  return x(ctx, 'POST', b, key, 'comp=kv&finalize', { 'content-type': type }, body);
}

async function kvList(ctx: Ctx, b: string, query: string, type?: string, key: string | undefined = 'kv'): Promise<RawResponse> {
  return x(ctx, 'GET', b, key, `comp=kv${query}`, type ? { 'content-type': type } : {});
}

const createAndSession: Case[] = [
  {
    name: 'OBJECT_CREATE (oflags 2) with finalize on a new key: 200, Content-Length 0, Accept-Ranges bytes, no session; the object exists empty',
    ref: spec('§6.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-create');
      const res = await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '2' }, '');
      assertOk(res);
      assert.equal(res.headers['content-length'], '0');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.equal(res.headers['x-session-id'], undefined);
      const head = await ctx.raw({ method: 'HEAD', path: objectPath(b, 'o') });
      assertOk(head);
      assert.equal(head.headers['content-length'], '0');
    },
  },
  {
    name: 'OBJECT_CREATE on an existing object: 412 PreconditionFailed (S3 XML envelope), content kept',
    ref: spec('§6.1, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-create2');
      await s3put(ctx, b, 'o', 'keep');
      assertError(await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '2' }, ''), 412, 'PreconditionFailed');
      assert.equal((await s3get(ctx, b, 'o')).text, 'keep');
    },
  },
  {
    name: 'OBJECT_REPLACE (oflags 3) on an existing object: 200, the object becomes empty',
    ref: spec('§6.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-replace');
      await s3put(ctx, b, 'o', 'old content');
      assertOk(await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '3' }, ''));
      const got = await s3get(ctx, b, 'o');
      assertOk(got);
      assert.equal(got.body.length, 0);
    },
  },
  {
    name: 'creation headers are stored: Content-Type and x-amz-meta-*',
    ref: spec('§4.1, §6.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-attrs');
      assertOk(await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '3', 'content-type': 'text/x-log', 'x-amz-meta-owner': 'ops' }, ''));
      const head = await ctx.raw({ method: 'HEAD', path: objectPath(b, 'o') });
      assert.equal(head.headers['content-type'], 'text/x-log');
      assert.equal(head.headers['x-amz-meta-owner'], 'ops');
    },
  },
  {
    name: 'create without finalize opens a session (decimal x-session-id); nothing visible until a HEAD with finalize commits it',
    ref: spec('§5.2, §5.3, §6.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-sess');
      const open = await x(ctx, 'POST', b, 'o', 'comp=streamsession', { 'x-ccow-object-oflags': '2' }, '');
      assertOk(open);
      const id = sessionId(open);
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'o') })).status, 404, 'uncommitted');
      assertOk(await x(ctx, 'HEAD', b, 'o', 'comp=streamsession&finalize', { 'x-session-id': id }));
      assertOk(await ctx.raw({ method: 'HEAD', path: objectPath(b, 'o') }));
    },
  },
  {
    name: 'STREAM_WRITE with finalize on a missing object creates it (REPLACE semantics) with the body',
    ref: spec('§6.2'),
    async run(ctx) {
      const b = await ctx.bucket('x-implicit');
      const res = await x(ctx, 'PUT', b, 'o', 'comp=streamsession&finalize', {}, 'hello s3x');
      writeAnswer(res);
      assert.equal(res.headers['x-session-id'], undefined, 'finalize closes the one-request session');
      assert.equal((await s3get(ctx, b, 'o')).text, 'hello s3x');
    },
  },
  {
    name: 'the empty comp= value is streamsession',
    ref: spec('§3'),
    async run(ctx) {
      const b = await ctx.bucket('x-emptycomp');
      writeAnswer(await x(ctx, 'PUT', b, 'o', 'comp=&finalize', {}, 'via empty comp'));
      assert.equal((await s3get(ctx, b, 'o')).text, 'via empty comp');
    },
  },
  {
    name: 'a write at an offset past the end leaves a gap that reads as zeros',
    ref: spec('§6.2'),
    async run(ctx) {
      const b = await ctx.bucket('x-gap');
      assertOk(await x(ctx, 'PUT', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-offset': '10' }, 'abc'));
      const got = await s3get(ctx, b, 'o');
      assert.ok(got.body.equals(Buffer.concat([Buffer.alloc(10), Buffer.from('abc')])));
    },
  },
  {
    name: 'two writes in one session, committed by HEAD finalize: exactly one new version with both edits',
    ref: spec('§5.3, §6.2, §6.4'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-onever');
      await s3put(ctx, b, 'o', '0123456789');
      const w1 = await x(ctx, 'PUT', b, 'o', 'comp=streamsession', { 'x-ccow-offset': '0' }, 'AB');
      assertOk(w1);
      const id = sessionId(w1);
      assertOk(await x(ctx, 'PUT', b, 'o', 'comp=streamsession', { 'x-session-id': id, 'x-ccow-offset': '8' }, 'YZ'));
      assertOk(await x(ctx, 'HEAD', b, 'o', 'comp=streamsession&finalize', { 'x-session-id': id }));
      assert.equal((await s3get(ctx, b, 'o')).text, 'AB234567YZ');
      assert.equal(await versionCount(ctx, b, 'o'), 2);
    },
  },
  {
    name: 'uncommitted session writes are invisible to other readers; the session itself reads them',
    ref: spec('§5.1, §6.3'),
    async run(ctx) {
      const b = await ctx.bucket('x-iso');
      await s3put(ctx, b, 'o', 'aaaa');
      const id = sessionId(await x(ctx, 'PUT', b, 'o', 'comp=streamsession', { 'x-ccow-offset': '1' }, 'XX'));
      assert.equal((await s3get(ctx, b, 'o')).text, 'aaaa');
      const inside = await x(ctx, 'GET', b, 'o', 'comp=streamsession', { 'x-session-id': id });
      assertOk(inside, 206);
      assert.equal(inside.text, 'aXXa');
    },
  },
  {
    name: 'cancel discards the session: content and version count unchanged',
    ref: spec('§5.3'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-cancel');
      await s3put(ctx, b, 'o', 'original');
      const id = sessionId(await x(ctx, 'PUT', b, 'o', 'comp=streamsession', {}, 'CHANGED!'));
      assertOk(await x(ctx, 'HEAD', b, 'o', 'comp=streamsession&cancel', { 'x-session-id': id }));
      assert.equal((await s3get(ctx, b, 'o')).text, 'original');
      assert.equal(await versionCount(ctx, b, 'o'), 1);
    },
  },
  {
    name: 'GET with finalize discards the session (Q4): no version is created',
    ref: spec('§5.3, §8 Q4'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-getfin');
      await s3put(ctx, b, 'o', 'original');
      const id = sessionId(await x(ctx, 'PUT', b, 'o', 'comp=streamsession', {}, 'CHANGED!'));
      await x(ctx, 'GET', b, 'o', 'comp=streamsession&finalize', { 'x-session-id': id });
      assert.equal((await s3get(ctx, b, 'o')).text, 'original');
      assert.equal(await versionCount(ctx, b, 'o'), 1);
    },
  },
  {
    name: 'x-ccow-autocommit: 0 makes finalize discard',
    ref: spec('§4.1, §5.3'),
    async run(ctx) {
      const b = await ctx.bucket('x-noauto');
      await s3put(ctx, b, 'o', 'original');
      const id = sessionId(await x(ctx, 'PUT', b, 'o', 'comp=streamsession', { 'x-ccow-autocommit': '0' }, 'CHANGED!'));
      assertOk(await x(ctx, 'HEAD', b, 'o', 'comp=streamsession&finalize', { 'x-session-id': id, 'x-ccow-autocommit': '0' }));
      assert.equal((await s3get(ctx, b, 'o')).text, 'original');
    },
  },
  {
    name: 'finalize is a presence flag: finalize=0 still commits (Q1)',
    ref: spec('§3, §8 Q1'),
    async run(ctx) {
      const b = await ctx.bucket('x-fin0');
      writeAnswer(await x(ctx, 'PUT', b, 'o', 'comp=streamsession&finalize=0', {}, 'committed'));
      assert.equal((await s3get(ctx, b, 'o')).text, 'committed');
    },
  },
  {
    name: 'an unknown x-session-id silently opens a new session: new id and x-ccow-session-new: 1',
    ref: spec('§5.2'),
    async run(ctx) {
      const b = await ctx.bucket('x-unknownsess');
      await s3put(ctx, b, 'o', 'data');
      const res = await x(ctx, 'PUT', b, 'o', 'comp=streamsession', { 'x-session-id': '12345678901234567' }, 'D');
      assertOk(res);
      assert.notEqual(sessionId(res), '12345678901234567');
      assert.equal(res.headers['x-ccow-session-new'], '1');
    },
  },
  {
    name: 'a stream session id used for a KV request on another object: 400 InvalidArgument',
    ref: spec('§5.2'),
    async run(ctx) {
      const b = await ctx.bucket('x-family');
      await kvObject(ctx, b);
      await s3put(ctx, b, 'o', 'bytes');
      const id = sessionId(await x(ctx, 'PUT', b, 'o', 'comp=streamsession', {}, 'x'));
      assertError(await x(ctx, 'POST', b, 'kv', 'comp=kv&key=a', { 'x-session-id': id, 'content-type': 'text/plain' }, 'v'), 400, 'InvalidArgument');
    },
  },
];

const readAndStat: Case[] = [
  {
    name: 'STREAM_READ of a whole object: 206 with Content-Range and the object-info headers',
    ref: spec('§4.2, §6.3'),
    async run(ctx) {
      const b = await ctx.bucket('x-read');
      const data = bytes(1000, 121);
      await s3put(ctx, b, 'o', data);
      const res = await x(ctx, 'GET', b, 'o', 'comp=streamsession&cancel');
      assertOk(res, 206);
      assert.ok(res.body.equals(data));
      assert.equal(res.headers['content-range'], 'bytes 0-999/1000');
      assert.equal(res.headers['x-ccow-logical-size'], '1000');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.match(res.headers['x-uvid'] ?? '', /^\d+$/);
      assert.match(res.headers['x-ccow-uvid'] ?? '', /^[0-9a-f]{32}$/);
      assert.match(res.headers['x-genid'] ?? '', /^\d+$/);
      assert.match(res.headers['x-nhid'] ?? '', /^[0-9a-f]{64}$/);
      assert.match(res.headers['x-vmchid'] ?? '', /^[0-9a-f]{64}$/);
      assert.match(res.headers.etag ?? '', /^".+"$/);
      assert.equal(res.headers.multipart, '0');
      assert.equal(res.headers['x-amz-version-id'], 'null');
    },
  },
  {
    name: 'STREAM_READ with x-ccow-offset/x-ccow-length: that slice, x-ccow-logical-size stays the object size (Q9)',
    ref: spec('§6.3, §8 Q9'),
    async run(ctx) {
      const b = await ctx.bucket('x-slice');
      await s3put(ctx, b, 'o', '0123456789');
      const res = await x(ctx, 'GET', b, 'o', 'comp=streamsession&cancel', { 'x-ccow-offset': '2', 'x-ccow-length': '3' });
      assertOk(res, 206);
      assert.equal(res.text, '234');
      assert.equal(res.headers['content-range'], 'bytes 2-4/10');
      assert.equal(res.headers['x-ccow-logical-size'], '10');
    },
  },
  {
    name: 'STREAM_READ at an offset past the end: 206, empty body, Content-Range bytes */size',
    ref: spec('§6.3'),
    async run(ctx) {
      const b = await ctx.bucket('x-past');
      await s3put(ctx, b, 'o', '0123456789');
      const res = await x(ctx, 'GET', b, 'o', 'comp=streamsession&cancel', { 'x-ccow-offset': '50' });
      assertOk(res, 206);
      assert.equal(res.body.length, 0);
      assert.equal(res.headers['content-range'], 'bytes */10');
    },
  },
  {
    name: 'STREAM_READ honours a standard Range header when no x-ccow-offset/length is sent',
    ref: spec('§6.3'),
    async run(ctx) {
      const b = await ctx.bucket('x-range');
      await s3put(ctx, b, 'o', '0123456789');
      const res = await x(ctx, 'GET', b, 'o', 'comp=streamsession&cancel', { range: 'bytes=7-8' });
      assertOk(res, 206);
      assert.equal(res.text, '78');
      assert.equal(res.headers['content-range'], 'bytes 7-8/10');
      assert.equal(res.headers['x-ccow-logical-size'], '10');
    },
  },
  {
    name: 'STREAM_READ with versionId reads an older version (Q25)',
    ref: spec('§6.3, §8 Q25'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-readver');
      const v1 = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'o', Body: 'first' }))).VersionId!;
      await s3put(ctx, b, 'o', 'second');
      const res = await x(ctx, 'GET', b, 'o', `comp=streamsession&versionId=${encodeURIComponent(v1)}`);
      assertOk(res, 206);
      assert.equal(res.text, 'first');
      assert.equal(res.headers['x-amz-version-id'], v1);
    },
  },
  {
    name: 'STREAM_READ of a missing object: 404 NoSuchKey',
    ref: spec('§6.3, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-readmiss');
      const res = await x(ctx, 'GET', b, 'nope', 'comp=streamsession&cancel');
      assertError(res, 404, 'NoSuchKey');
      s3xHeaders(res);
    },
  },
  {
    name: 'STREAM_STAT (HEAD): 200, Content-Length = logical size, opens a session',
    ref: spec('§6.4'),
    async run(ctx) {
      const b = await ctx.bucket('x-stat');
      await s3put(ctx, b, 'o', bytes(4096, 122));
      const res = await x(ctx, 'HEAD', b, 'o', 'comp=streamsession');
      assertOk(res);
      assert.equal(res.headers['content-length'], '4096');
      assert.equal(res.headers['x-ccow-logical-size'], '4096');
      sessionId(res);
    },
  },
  {
    name: 'bucket STREAM_STAT (HEAD /{b}?comp=streamsession&finalize): object count and bytes used',
    ref: spec('§6.4'),
    async run(ctx) {
      const b = await ctx.bucket('x-bstat');
      await s3put(ctx, b, 'a', '12345');
      await s3put(ctx, b, 'b', '123');
      const res = await x(ctx, 'HEAD', b, undefined, 'comp=streamsession&finalize');
      assertOk(res);
      assert.equal(res.headers['x-container-object-count'], '2');
      assert.equal(res.headers['x-container-bytes-used'], '8');
    },
  },
];

const appendWriteDelete: Case[] = [
  {
    name: 'APPEND: one new version per request, x-ccow-logical-size = the new size',
    ref: spec('§6.5, §8 Q6'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-append');
      await s3put(ctx, b, 'log', 'a');
      const r1 = await x(ctx, 'PUT', b, 'log', 'comp=appendblock&finalize', {}, 'bc');
      assertOk(r1);
      assert.equal(r1.headers['x-ccow-logical-size'], '3');
      assertOk(await x(ctx, 'POST', b, 'log', 'comp=appendblock', {}, 'def'));
      assert.equal((await s3get(ctx, b, 'log')).text, 'abcdef');
      assert.equal(await versionCount(ctx, b, 'log'), 3);
    },
  },
  {
    name: 'APPEND to a missing object: 404 NoSuchKey',
    ref: spec('§6.5'),
    async run(ctx) {
      const b = await ctx.bucket('x-appmiss');
      assertError(await x(ctx, 'PUT', b, 'nope', 'comp=appendblock&finalize', {}, 'x'), 404, 'NoSuchKey');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'nope') })).status, 404);
    },
  },
  {
    name: 'x-ccow-condition-append-offset not equal to the size: 412 AppendOffsetConditionNotMet, nothing appended',
    ref: spec('§6.5, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-appcond');
      await s3put(ctx, b, 'log', '12345');
      assertError(await x(ctx, 'PUT', b, 'log', 'comp=appendblock&finalize', { 'x-ccow-condition-append-offset': '3' }, 'zz'), 412, 'AppendOffsetConditionNotMet');
      assert.equal((await s3get(ctx, b, 'log')).text, '12345');
    },
  },
  {
    name: 'x-ccow-condition-append-offset equal to the size: appended',
    ref: spec('§6.5'),
    async run(ctx) {
      const b = await ctx.bucket('x-appcond2');
      await s3put(ctx, b, 'log', '12345');
      assertOk(await x(ctx, 'PUT', b, 'log', 'comp=appendblock&finalize', { 'x-ccow-condition-append-offset': '5' }, '67'));
      assert.equal((await s3get(ctx, b, 'log')).text, '1234567');
    },
  },
  {
    name: 'APPEND ignores an x-session-id (one-shot): appends at the end, returns no session (Q11)',
    ref: spec('§5.7, §8 Q11'),
    async run(ctx) {
      const b = await ctx.bucket('x-appsess');
      await s3put(ctx, b, 'log', 'abc');
      const id = sessionId(await x(ctx, 'HEAD', b, 'log', 'comp=streamsession'));
      const res = await x(ctx, 'PUT', b, 'log', 'comp=appendblock', { 'x-session-id': id }, 'def');
      assertOk(res);
      assert.equal(res.headers['x-session-id'], undefined);
      assert.equal((await s3get(ctx, b, 'log')).text, 'abcdef');
    },
  },
  {
    name: 'RANDOM_WRITE overwrites in the middle: size unchanged',
    ref: spec('§6.6'),
    async run(ctx) {
      const b = await ctx.bucket('x-rw');
      await s3put(ctx, b, 'disk', '0123456789');
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=randwrblock&finalize', { 'x-ccow-offset': '3' }, 'abc'));
      assert.equal((await s3get(ctx, b, 'disk')).text, '012abc6789');
    },
  },
  {
    name: 'RANDOM_WRITE past the end extends the object; x-ccow-logical-size reports it',
    ref: spec('§6.6'),
    async run(ctx) {
      const b = await ctx.bucket('x-rwext');
      await s3put(ctx, b, 'disk', '0123');
      const res = await x(ctx, 'PUT', b, 'disk', 'comp=randwrblock&finalize', { 'x-ccow-offset': '2' }, 'WXYZ');
      assertOk(res);
      assert.equal(res.headers['x-ccow-logical-size'], '6');
      assert.equal((await s3get(ctx, b, 'disk')).text, '01WXYZ');
    },
  },
  {
    name: 'RANDOM_WRITE without x-ccow-offset: 400 InvalidArgument',
    ref: spec('§6.6'),
    async run(ctx) {
      const b = await ctx.bucket('x-rwnooff');
      await s3put(ctx, b, 'disk', '0123');
      assertError(await x(ctx, 'PUT', b, 'disk', 'comp=randwrblock&finalize', {}, 'zz'), 400, 'InvalidArgument');
      assert.equal((await s3get(ctx, b, 'disk')).text, '0123');
    },
  },
  {
    name: 'the blueprint spelling comp=randwrlock is accepted',
    ref: spec('§6.6'),
    async run(ctx) {
      const b = await ctx.bucket('x-rwlock');
      await s3put(ctx, b, 'disk', '0123');
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=randwrlock&finalize', { 'x-ccow-offset': '0' }, 'Z'));
      assert.equal((await s3get(ctx, b, 'disk')).text, 'Z123');
    },
  },
  {
    name: 'RANDOM_WRITE on a missing object: 404 NoSuchKey',
    ref: spec('§6.6, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-rwmiss');
      assertError(await x(ctx, 'PUT', b, 'nope', 'comp=randwrblock&finalize', { 'x-ccow-offset': '0' }, 'Z'), 404, 'NoSuchKey');
    },
  },
  {
    name: 'DELETE ?comp=del: 200, the object is gone for S3',
    ref: spec('§6.7'),
    async run(ctx) {
      const b = await ctx.bucket('x-del');
      await s3put(ctx, b, 'o', 'x');
      assertOk(await x(ctx, 'DELETE', b, 'o', 'comp=del'));
      assert.equal((await s3get(ctx, b, 'o')).status, 404);
    },
  },
  {
    name: 'DELETE ?comp=streamsession (edge-fuse form): 204 (Q21)',
    ref: spec('§6.7, §8 Q21'),
    async run(ctx) {
      const b = await ctx.bucket('x-delss');
      await s3put(ctx, b, 'o', 'x');
      const res = await x(ctx, 'DELETE', b, 'o', 'comp=streamsession&finalize');
      assertOk(res, 204);
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.equal((await s3get(ctx, b, 'o')).status, 404);
    },
  },
  {
    name: 'DELETE ?comp=del of a missing object: 404 NoSuchKey',
    ref: spec('§6.7'),
    async run(ctx) {
      const b = await ctx.bucket('x-delmiss');
      assertError(await x(ctx, 'DELETE', b, 'nope', 'comp=del'), 404, 'NoSuchKey');
    },
  },
];

const classification: Case[] = [
  {
    name: 'an unknown comp value: 400 InvalidArgument and nothing written (Q20)',
    ref: spec('§3, §8 Q20'),
    async run(ctx) {
      const b = await ctx.bucket('x-badcomp');
      assertError(await x(ctx, 'PUT', b, 'o', 'comp=streamsesion&finalize', {}, 'typo'), 400, 'InvalidArgument');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'o') })).status, 404);
    },
  },
  {
    name: 'finalize and cancel together: 400 InvalidArgument',
    ref: spec('§3'),
    async run(ctx) {
      const b = await ctx.bucket('x-fincan');
      assertError(await x(ctx, 'PUT', b, 'o', 'comp=streamsession&finalize&cancel', {}, 'x'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'an unparseable numeric header (x-ccow-offset: abc): 400 InvalidArgument',
    ref: spec('§4.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-nan');
      assertError(await x(ctx, 'PUT', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-offset': 'abc' }, 'x'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'x-ccow-chunkmap-chunk-size not a multiple of 512: 400 InvalidArgument (Q19)',
    ref: spec('§4.1, §8 Q19'),
    async run(ctx) {
      const b = await ctx.bucket('x-chunk');
      assertError(await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '3', 'x-ccow-chunkmap-chunk-size': '1000' }, ''), 400, 'InvalidArgument');
    },
  },
  {
    name: 'x-ccow-chunkmap-chunk-size above 4 MiB: 400 InvalidArgument',
    ref: spec('§4.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-chunk2');
      assertError(await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '3', 'x-ccow-chunkmap-chunk-size': String(8 * 1024 * 1024) }, ''), 400, 'InvalidArgument');
    },
  },
  {
    name: 'x-ccow-number-of-versions 0: 400 InvalidArgument',
    ref: spec('§4.1'),
    async run(ctx) {
      const b = await ctx.bucket('x-nver');
      assertError(await x(ctx, 'POST', b, 'o', 'comp=streamsession&finalize', { 'x-ccow-object-oflags': '3', 'x-ccow-number-of-versions': '0' }, ''), 400, 'InvalidArgument');
    },
  },
  {
    name: 'GET ?comp=appendblock (method not valid for the family): 405 MethodNotAllowed',
    ref: spec('§3, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-405');
      await s3put(ctx, b, 'o', 'x');
      assertError(await x(ctx, 'GET', b, 'o', 'comp=appendblock'), 405, 'MethodNotAllowed');
    },
  },
  {
    name: 'a 400 keeps the connection alive and carries Accept-Ranges (Q18)',
    ref: spec('§7, §8 Q18'),
    async run(ctx) {
      const b = await ctx.bucket('x-keep');
      const res = await x(ctx, 'PUT', b, 'o', 'comp=bogus', {}, 'x');
      assertError(res, 400, 'InvalidArgument');
      assert.notEqual((res.headers.connection ?? '').toLowerCase(), 'close');
      assert.equal(res.headers['accept-ranges'], 'bytes');
    },
  },
  {
    name: 'anonymous S3X write on a private bucket: 403 AccessDenied, nothing written',
    ref: spec('§2'),
    async run(ctx) {
      const b = await ctx.bucket('x-anon');
      const res = await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'o')}?comp=streamsession&finalize`, body: 'x', headers: { 'content-type': OCTET }, sign: 'none' });
      assertError(res, 403, 'AccessDenied');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'o') })).status, 404);
    },
  },
  {
    name: 'a bucket policy granting s3:PutObject to everyone lets anonymous append (S3X → S3 action mapping)',
    ref: spec('§2'),
    async run(ctx) {
      const b = await ctx.bucket('x-policy');
      await s3put(ctx, b, 'log', 'a');
      await ctx.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` }] }) }));
      assertOk(await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'log')}?comp=appendblock&finalize`, body: 'b', headers: { 'content-type': OCTET }, sign: 'none' }));
      assert.equal((await s3get(ctx, b, 'log')).text, 'ab');
    },
  },
];

const kv: Case[] = [
  {
    name: 'KV_CREATE (oflags 2): 200; a second create: 412 PreconditionFailed',
    ref: spec('§6.8'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvcreate');
      await kvObject(ctx, b);
      assertError(await x(ctx, 'POST', b, 'kv', 'comp=kv&finalize', { 'x-ccow-object-oflags': '2', 'content-type': 'text/plain' }, ''), 412, 'PreconditionFailed');
    },
  },
  {
    name: 'KV insert of one key (raw value, own Content-Type) then kvget: the value with that type',
    ref: spec('§6.9, §6.11'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvone');
      await kvObject(ctx, b, 'kv', 'image/jpeg');
      const img = bytes(3000, 123);
      assertOk(await x(ctx, 'POST', b, 'kv', 'comp=kv&key=img0001&finalize', { 'content-type': 'image/png', timestamp: '1565000000000' }, img));
      const res = await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=img0001');
      assertOk(res);
      assert.ok(res.body.equals(img));
      assert.equal(res.headers['content-type'], 'image/png');
    },
  },
  {
    name: 'kvget of a plain (batch) record answers the object\'s default value type',
    ref: spec('§6.8, §6.11'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvdeftype');
      await kvObject(ctx, b, 'kv', 'text/x-default');
      assertOk(await kvBatch(ctx, b, 'application/json', '{"k1":"v1"}'));
      const res = await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=k1');
      assertOk(res);
      assert.equal(res.text, 'v1');
      assert.equal(res.headers['content-type'], 'text/x-default');
    },
  },
  {
    name: 'JSON batch insert, then a JSON keys-only list: 206 ["k1","k2"]',
    ref: spec('§6.9, §6.12'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvjson');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', '{"k2":"v2","k1":"v1"}'));
      const res = await kvList(ctx, b, '', 'application/json');
      assertOk(res, 206);
      assert.deepEqual(JSON.parse(res.text), ['k1', 'k2']);
    },
  },
  {
    name: 'JSON list with values=1: an object of key → value; non-string JSON values stored as their JSON text',
    ref: spec('§6.9, §6.12'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvjsonv');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', '{"a":"x","n":42,"o":{"deep":true}}'));
      const res = await kvList(ctx, b, '&values=1', 'application/json');
      assertOk(res, 206);
      assert.deepEqual(JSON.parse(res.text), { a: 'x', n: '42', o: '{"deep":true}' });
    },
  },
  {
    name: 'CSV batch splits at the first ";" and skips lines without one',
    ref: spec('§6.9'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvcsv');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'text/csv', 'k7;v7\r\nk8;v;8\nno-separator\n\n'));
      assert.equal((await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=k8')).text, 'v;8');
      assert.equal((await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=k7')).text, 'v7');
      assert.equal((await kvList(ctx, b, '', 'text/csv')).text, 'k7\nk8\n');
    },
  },
  {
    name: 'a batch with an unsupported Content-Type: 400 InvalidArgument',
    ref: spec('§6.9'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvtype');
      await kvObject(ctx, b);
      assertError(await kvBatch(ctx, b, 'application/xml', '<a/>'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'a JSON batch that is not JSON: 400 InvalidArgument',
    ref: spec('§6.9, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvbadjson');
      await kvObject(ctx, b);
      assertError(await kvBatch(ctx, b, 'application/json', '{"k1":'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'kvget is an exact match: an absent key is 404 NoSuchKey, not the next key (Q13)',
    ref: spec('§6.11, §8 Q13'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvexact');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', '{"b":"next"}'));
      assertError(await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=a'), 404, 'NoSuchKey');
    },
  },
  {
    name: 'kvget without key: 400 InvalidArgument',
    ref: spec('§6.11'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvnokey');
      await kvObject(ctx, b);
      assertError(await x(ctx, 'GET', b, 'kv', 'comp=kvget'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'CSV list with values=1: "k;v" lines, values with , ; " or newline quoted with doubled quotes',
    ref: spec('§6.12'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvcsvv');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', JSON.stringify({ a: 'plain', b: 'x,y', c: 'say "hi"' })));
      const res = await kvList(ctx, b, '&values=1', 'text/csv');
      assertOk(res, 206);
      assert.equal(res.text, 'a;plain\nb;"x,y"\nc;"say ""hi"""\n');
    },
  },
  {
    name: 'KV list start key (marker) is inclusive and pattern is a prefix that stops the scan',
    ref: spec('§6.12, §8 Q8'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvmarker');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', JSON.stringify({ img1: '', img2: '', img3: '', log1: '' })));
      assert.equal((await kvList(ctx, b, '&marker=img2', 'text/csv')).text, 'img2\nimg3\nlog1\n');
      assert.equal((await kvList(ctx, b, '&pattern=img&marker=img2', 'text/csv')).text, 'img2\nimg3\n');
    },
  },
  {
    name: 'KV list paging: maxresults 2 → x-ccow-list-truncated true and x-ccow-list-next; the next page ends it',
    ref: spec('§6.12'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvpage');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', JSON.stringify({ k1: '', k2: '', k3: '' })));
      const p1 = await kvList(ctx, b, '&maxresults=2', 'text/csv');
      assertOk(p1, 206);
      assert.equal(p1.text, 'k1\nk2\n');
      assert.equal(p1.headers['x-ccow-list-truncated'], 'true');
      assert.equal(p1.headers['x-ccow-list-next'], 'k3');
      const p2 = await kvList(ctx, b, '&maxresults=2&marker=k3', 'text/csv');
      assert.equal(p2.text, 'k3\n');
      assert.equal(p2.headers['x-ccow-list-truncated'], 'false');
    },
  },
  {
    name: 'JSON list output is escaped (keys with quotes and backslashes stay valid JSON, Q14)',
    ref: spec('§6.12, §8 Q14'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvesc');
      await kvObject(ctx, b);
      const keys = { 'a"b': 'q"v', 'c\\d': 'line\nbreak' };
      assertOk(await kvBatch(ctx, b, 'application/json', JSON.stringify(keys)));
      assert.deepEqual(JSON.parse((await kvList(ctx, b, '&values=1', 'application/json')).text), keys);
    },
  },
  {
    name: 'query strings are percent-decoded: key=a%2Fb names the KV key "a/b" (Q10)',
    ref: spec('§1, §8 Q10'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvdecode');
      await kvObject(ctx, b);
      assertOk(await x(ctx, 'POST', b, 'kv', 'comp=kv&key=a%2Fb&finalize', { 'content-type': 'text/plain' }, 'slashed'));
      assert.equal((await kvList(ctx, b, '', 'text/csv')).text, 'a/b\n');
      assert.equal((await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=a%2Fb')).text, 'slashed');
    },
  },
  {
    name: 'KV_DELETE of one key: 200, then kvget 404; deleting a missing key is 200 too',
    ref: spec('§6.10'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvdel');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', '{"k1":"v1","k2":"v2"}'));
      assertOk(await x(ctx, 'DELETE', b, 'kv', 'comp=kv&key=k1&finalize'));
      assertError(await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=k1'), 404, 'NoSuchKey');
      assertOk(await x(ctx, 'DELETE', b, 'kv', 'comp=kv&key=never&finalize'));
      assert.equal((await kvList(ctx, b, '', 'text/csv')).text, 'k2\n');
    },
  },
  {
    name: 'KV_DELETE with a JSON body deletes the listed keys (values ignored)',
    ref: spec('§6.10'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvdelb');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', '{"k1":"","k2":"","k3":""}'));
      assertOk(await x(ctx, 'DELETE', b, 'kv', 'comp=kv&finalize', { 'content-type': 'application/json' }, '{"k1":"ignored","k3":""}'));
      assert.equal((await kvList(ctx, b, '', 'text/csv')).text, 'k2\n');
    },
  },
  {
    name: 'two KV inserts in one session, committed by an empty batch with finalize: one version with both keys',
    ref: spec('§6.9'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-kvsess');
      await kvObject(ctx, b);
      const before = await versionCount(ctx, b, 'kv');
      const r1 = await x(ctx, 'POST', b, 'kv', 'comp=kv&key=a', { 'content-type': 'text/plain' }, '1');
      assertOk(r1);
      const id = sessionId(r1);
      assertOk(await x(ctx, 'POST', b, 'kv', 'comp=kv&key=b', { 'content-type': 'text/plain', 'x-session-id': id }, '2'));
      assertOk(await x(ctx, 'POST', b, 'kv', 'comp=kv&finalize', { 'content-type': 'application/json', 'x-session-id': id }, '{}'));
      assert.equal((await kvList(ctx, b, '', 'text/csv')).text, 'a\nb\n');
      assert.equal(await versionCount(ctx, b, 'kv'), before + 1);
    },
  },
  {
    name: 'a KV operation on a byte object: 400 InvalidRequest',
    ref: spec('§6.8, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvbytes');
      await s3put(ctx, b, 'o', 'bytes');
      assertError(await x(ctx, 'POST', b, 'o', 'comp=kv&key=a&finalize', { 'content-type': 'text/plain' }, 'v'), 400, 'InvalidRequest');
    },
  },
  {
    name: 'a stream write on a KV object: 400 InvalidRequest, the KV object unchanged',
    ref: spec('§7'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvstream');
      await kvObject(ctx, b);
      assertOk(await kvBatch(ctx, b, 'application/json', '{"k":"v"}'));
      assertError(await x(ctx, 'PUT', b, 'kv', 'comp=streamsession&finalize', {}, 'bytes'), 400, 'InvalidRequest');
      assert.equal((await x(ctx, 'GET', b, 'kv', 'comp=kvget&key=k')).text, 'v');
    },
  },
  {
    name: 'a KV insert on a missing object: 404 NoSuchKey',
    ref: spec('§6.8'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvmissing');
      assertError(await x(ctx, 'POST', b, 'nokv', 'comp=kv&key=a&finalize', { 'content-type': 'text/plain' }, 'v'), 404, 'NoSuchKey');
    },
  },
  {
    name: 'a KV value over 1 MiB: 400 EntityTooLarge',
    ref: spec('§6.9, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-kvbig');
      await kvObject(ctx, b);
      assertError(await x(ctx, 'POST', b, 'kv', 'comp=kv&key=big&finalize', { 'content-type': OCTET }, Buffer.alloc(1024 * 1024 + 1, 7)), 400, 'EntityTooLarge');
    },
  },
  {
    name: 'BUCKET_LIST keys only (GET /{b}?comp=kv): current objects one per line, 206; deleted objects excluded (Q15)',
    ref: spec('§6.13, §8 Q15'),
    async run(ctx) {
      const b = await versioned(ctx, 'x-blist');
      for (const k of ['logs/a', 'logs/b', 'other']) await s3put(ctx, b, k, 'x');
      await ctx.raw({ method: 'DELETE', path: objectPath(b, 'logs/b') });
      const res = await kvList(ctx, b, '', 'text/csv', undefined);
      assertOk(res, 206);
      assert.equal(res.text, 'logs/a\nother\n');
    },
  },
  {
    name: 'BUCKET_LIST pattern stops at the end of the prefix',
    ref: spec('§6.13'),
    async run(ctx) {
      const b = await ctx.bucket('x-blistp');
      for (const k of ['logs/a', 'logs/b', 'logz', 'm']) await s3put(ctx, b, k, 'x');
      assert.equal((await kvList(ctx, b, '&pattern=logs%2F', 'text/csv', undefined)).text, 'logs/a\nlogs/b\n');
    },
  },
];

const snapshots: Case[] = [
  {
    name: 'snapshot create: 200 JSON {name, object, versionId, uvid, created}; the same name again: 409 SnapshotAlreadyExists',
    ref: spec('§6.14'),
    async run(ctx) {
      const b = await ctx.bucket('x-snap');
      await s3put(ctx, b, 'disk', 'v1');
      const res = await x(ctx, 'PUT', b, 'disk', 'comp=snapshot&name=before-upgrade');
      assertOk(res);
      const body = JSON.parse(res.text) as Record<string, unknown>;
      assert.equal(body.name, 'before-upgrade');
      assert.equal(body.object, `${b}/disk`);
      for (const f of ['versionId', 'uvid', 'created']) assert.equal(typeof body[f], 'string', f);
      assertError(await x(ctx, 'PUT', b, 'disk', 'comp=snapshot&name=before-upgrade'), 409, 'SnapshotAlreadyExists');
    },
  },
  {
    name: 'snapshot list of an object names its snapshots',
    ref: spec('§6.14'),
    async run(ctx) {
      const b = await ctx.bucket('x-snaplist');
      await s3put(ctx, b, 'disk', 'v1');
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=snapshot&name=s1'));
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=snapshot&name=s2'));
      const res = await x(ctx, 'GET', b, 'disk', 'comp=snapshot');
      assertOk(res);
      assert.deepEqual(Object.keys(JSON.parse(res.text) as object).sort(), ['s1', 's2']);
    },
  },
  {
    name: 'deleting a missing snapshot: 404 NoSuchSnapshot',
    ref: spec('§6.14, §7'),
    async run(ctx) {
      const b = await ctx.bucket('x-snapdel');
      await s3put(ctx, b, 'disk', 'v1');
      assertError(await x(ctx, 'DELETE', b, 'disk', 'comp=snapshot&name=nope'), 404, 'NoSuchSnapshot');
    },
  },
  {
    name: 'clone to a new key: 200 with x-amz-version-id; the clone reads as the source',
    ref: spec('§6.15'),
    async run(ctx) {
      const b = await ctx.bucket('x-clone');
      const data = bytes(5000, 124);
      await s3put(ctx, b, 'src', data);
      const res = await x(ctx, 'PUT', b, 'copy', 'comp=clone', { 'x-ccow-clone-source': `/${b}/src` });
      assertOk(res);
      assert.ok(res.headers['x-amz-version-id']);
      assert.ok((await s3get(ctx, b, 'copy')).body.equals(data));
    },
  },
  {
    name: 'rollback: clone an object from its own snapshot brings the snapshot content back as the head',
    ref: spec('§6.15'),
    async run(ctx) {
      const b = await ctx.bucket('x-rollback');
      await s3put(ctx, b, 'disk', 'good state');
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=snapshot&name=good'));
      await s3put(ctx, b, 'disk', 'broken state');
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=clone', { 'x-ccow-clone-source': `/${b}/disk@good` }));
      assert.equal((await s3get(ctx, b, 'disk')).text, 'good state');
    },
  },
  {
    name: 'a snapshot keeps its version readable after the object is deleted',
    ref: spec('§6.14'),
    async run(ctx) {
      const b = await ctx.bucket('x-snapkeep');
      await s3put(ctx, b, 'disk', 'kept by snapshot');
      assertOk(await x(ctx, 'PUT', b, 'disk', 'comp=snapshot&name=s'));
      await ctx.raw({ method: 'DELETE', path: objectPath(b, 'disk') });
      assertOk(await x(ctx, 'PUT', b, 'restored', 'comp=clone', { 'x-ccow-clone-source': `/${b}/disk@s` }));
      assert.equal((await s3get(ctx, b, 'restored')).text, 'kept by snapshot');
    },
  },
  {
    name: 'bucket snapshot: reads through snapshot=N see the bucket as it was',
    ref: spec('§6.14'),
    async run(ctx) {
      const b = await ctx.bucket('x-bsnap');
      await s3put(ctx, b, 'o', 'then');
      const snap = await x(ctx, 'PUT', b, undefined, 'comp=snapshot&name=cut');
      assertOk(snap);
      assert.equal((JSON.parse(snap.text) as { bucket?: string }).bucket, b);
      await s3put(ctx, b, 'o', 'now');
      const res = await x(ctx, 'GET', b, 'o', 'comp=streamsession&snapshot=cut');
      assertOk(res, 206);
      assert.equal(res.text, 'then');
    },
  },
];

export const cases: Case[] = [...createAndSession, ...readAndStat, ...appendWriteDelete, ...classification, ...kv, ...snapshots];
