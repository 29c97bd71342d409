/**
 * Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation and the
 * bucket naming rules.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand, GetBucketLocationCommand,
  HeadBucketCommand, ListBucketsCommand, PutBucketVersioningCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { asList, expectError, expectRawError, parseXml, type Xml } from '../lib/check.js';
import type { Case, Ctx } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API';
const NAMING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A name nobody created: unique per call, valid. */
const missing = (): string => `missing-${randomBytes(6).toString('hex')}`;

/** Names the general-purpose bucket naming rules reject, each for a different rule. */
const INVALID_NAMES: Array<[string, string]> = [
  ['two characters', 'ab'],
  ['64 characters', `a${'b'.repeat(63)}`],
  ['an uppercase letter', 'Upper-case-bucket'],
  ['an underscore', 'under_score-bucket'],
  ['a leading hyphen', '-leading-hyphen'],
  ['a trailing hyphen', 'trailing-hyphen-'],
  ['a leading period', '.leading-period'],
  ['a trailing period', 'trailing-period.'],
  ['two adjacent periods', 'double..period'],
  ['an IPv4 address', '192.168.5.4'],
  ['the prefix xn--', 'xn--conformance'],
  ['the suffix -s3alias', 'conformance-s3alias'],
];

/** GET /{b}?{sub} of a bucket never configured → 200 with this root element (and these fields). */
const EMPTY_CONFIGS: Array<[string, string, Record<string, string>, string]> = [
  ['notification', 'NotificationConfiguration', {}, 'API_GetBucketNotificationConfiguration.html'],
  ['logging', 'BucketLoggingStatus', {}, 'API_GetBucketLogging.html'],
  ['requestPayment', 'RequestPaymentConfiguration', { Payer: 'BucketOwner' }, 'API_GetBucketRequestPayment.html'],
  ['accelerate', 'AccelerateConfiguration', {}, 'API_GetBucketAccelerateConfiguration.html'],
];

const emptyConfigCases: Case[] = EMPTY_CONFIGS.map(([sub, root, fields, page]) => ({
  name: `GET ?${sub} of a new bucket: 200 with ${root}${Object.keys(fields).length ? ` (${Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(', ')})` : ' and nothing set'}`,
  ref: `${API}/${page}`,
  async run(ctx) {
    const b = await ctx.bucket(`cfg-${sub.toLowerCase()}`);
    const res = await ctx.raw({ method: 'GET', path: `/${b}?${sub}` });
    assert.equal(res.status, 200, res.text);
    const doc = parseXml(res.text);
    assert.ok(root in doc, res.text);
    const el: Xml = doc[root];
    const got = typeof el === 'object' && el ? Object.fromEntries(Object.entries(el).filter(([k]) => !k.startsWith('@_'))) : {};
    assert.deepEqual(got, fields);
  },
}));

async function listAll(ctx: Ctx): Promise<string[]> {
  const res = await ctx.s3.send(new ListBucketsCommand({}));
  return (res.Buckets ?? []).map((b) => b.Name!);
}

const invalidNameCases: Case[] = INVALID_NAMES.map(([why, name]) => ({
  name: `create a bucket named with ${why}: 400 InvalidBucketName`,
  ref: NAMING,
  async run(ctx) {
    expectRawError(await ctx.raw({ method: 'PUT', path: `/${name}` }), 400, 'InvalidBucketName');
  },
}));

export const cases: Case[] = [
  {
    name: 'create: 200 with Location: /bucket',
    ref: `${API}/API_CreateBucket.html`,
    async run(ctx) {
      const name = `loc-${randomBytes(6).toString('hex')}`;
      const res = await ctx.raw({ method: 'PUT', path: `/${name}` });
      assert.equal(res.status, 200);
      assert.equal(res.headers.location, `/${name}`);
    },
  },
  {
    name: 'create with a CreateBucketConfiguration body naming the region: 200',
    ref: `${API}/API_CreateBucket.html`,
    async run(ctx) {
      const name = `cfg-${randomBytes(6).toString('hex')}`;
      // us-east-1 is the default and has no LocationConstraint of its own; other regions name themselves.
      const body = ctx.region === 'us-east-1'
        ? `<CreateBucketConfiguration xmlns="${NS}"></CreateBucketConfiguration>`
        : `<CreateBucketConfiguration xmlns="${NS}"><LocationConstraint>${ctx.region}</LocationConstraint></CreateBucketConfiguration>`;
      const res = await ctx.raw({ method: 'PUT', path: `/${name}`, body, headers: { 'content-type': 'application/xml' } });
      assert.equal(res.status, 200);
      assert.ok((await listAll(ctx)).includes(name));
    },
  },
  {
    name: 'create with a malformed CreateBucketConfiguration: 400 MalformedXML',
    ref: `${API}/API_CreateBucket.html`,
    async run(ctx) {
      const res = await ctx.raw({ method: 'PUT', path: `/${missing()}`, body: '<CreateBucketConfiguration><LocationConstraint>', headers: { 'content-type': 'application/xml' } });
      expectRawError(res, 400, 'MalformedXML');
    },
  },
  {
    name: 'create an existing own bucket: 409 BucketAlreadyOwnedByYou',
    // AWS answers 409 in every region but us-east-1, where a legacy 200 remains; the gateway
    // answers 409 everywhere (s3-surface.md §3), as clients handle both.
    ref: `${API}/API_CreateBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('dup');
      await expectError(ctx.s3.send(new CreateBucketCommand({ Bucket: b })), { status: 409, code: 'BucketAlreadyOwnedByYou' });
    },
  },
  {
    name: 'create a bucket another account owns: 409 BucketAlreadyExists',
    ref: `${API}/API_CreateBucket.html`,
    async run(ctx) {
      assert.ok(ctx.s3Other, 'needs a second user');
      const b = await ctx.bucket('taken');
      await expectError(ctx.s3Other.send(new CreateBucketCommand({ Bucket: b })), { status: 409, code: 'BucketAlreadyExists' });
    },
  },
  {
    name: 'a three-character name is valid',
    ref: NAMING,
    async run(ctx) {
      const name = `z${randomBytes(1).toString('hex')}`;
      const res = await ctx.raw({ method: 'PUT', path: `/${name}` });
      assert.equal(res.status, 200, res.text);
    },
  },
  {
    name: 'a 63-character name with periods and hyphens is valid',
    ref: NAMING,
    async run(ctx) {
      const name = `a.b-c.${randomBytes(29).toString('hex')}`.slice(0, 63);
      assert.equal(name.length, 63);
      const res = await ctx.raw({ method: 'PUT', path: `/${name}` });
      assert.equal(res.status, 200, res.text);
    },
  },
  ...invalidNameCases,
  {
    name: 'head: 200 with x-amz-bucket-region and no body',
    ref: `${API}/API_HeadBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('head');
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-amz-bucket-region'], ctx.region);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'head a missing bucket: 404 without body',
    ref: `${API}/API_HeadBucket.html`,
    async run(ctx) {
      const res = await ctx.raw({ method: 'HEAD', path: `/${missing()}` });
      assert.equal(res.status, 404);
      assert.equal(res.body.length, 0);
      await expectError(ctx.s3.send(new HeadBucketCommand({ Bucket: missing() })), { status: 404, code: 'NotFound' });
    },
  },
  {
    name: 'head another account\'s bucket: 403 without body',
    ref: `${API}/API_HeadBucket.html`,
    async run(ctx) {
      assert.ok(ctx.other, 'needs a second user');
      const b = await ctx.bucket('headother');
      const credentials = { accessKeyId: ctx.other.accessKey, secretAccessKey: ctx.other.secretKey };
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}`, credentials });
      assert.equal(res.status, 403);
      assert.equal(res.body.length, 0);
    },
  },
  {
    name: 'delete an empty bucket: 204, then it is gone from ListBuckets',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('del');
      const res = await ctx.s3.send(new DeleteBucketCommand({ Bucket: b }));
      assert.equal(res.$metadata.httpStatusCode, 204);
      assert.ok(!(await listAll(ctx)).includes(b));
      await expectError(ctx.s3.send(new HeadBucketCommand({ Bucket: b })), { status: 404, code: 'NotFound' });
    },
  },
  {
    name: 'delete a missing bucket: 404 NoSuchBucket with BucketName',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const name = missing();
      const e = expectRawError(await ctx.raw({ method: 'DELETE', path: `/${name}` }), 404, 'NoSuchBucket');
      assert.equal(e.BucketName, name);
    },
  },
  {
    name: 'delete a bucket holding an object: 409 BucketNotEmpty',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('notempty');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
      await expectError(ctx.s3.send(new DeleteBucketCommand({ Bucket: b })), { status: 409, code: 'BucketNotEmpty' });
    },
  },
  {
    name: 'delete a versioned bucket holding only a delete marker: 409 BucketNotEmpty',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('onlymarker');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
      await expectError(ctx.s3.send(new DeleteBucketCommand({ Bucket: b })), { status: 409, code: 'BucketNotEmpty' });
    },
  },
  {
    name: 'delete a bucket after its only object is deleted: 204',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('emptied');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
      const res = await ctx.s3.send(new DeleteBucketCommand({ Bucket: b }));
      assert.equal(res.$metadata.httpStatusCode, 204);
    },
  },
  {
    name: 'delete a bucket with an upload in progress: 409 BucketNotEmpty',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      const b = await ctx.bucket('upload');
      await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
      await expectError(ctx.s3.send(new DeleteBucketCommand({ Bucket: b })), { status: 409, code: 'BucketNotEmpty' });
    },
  },
  {
    name: 'delete another account\'s bucket: 403 AccessDenied, and it stays',
    ref: `${API}/API_DeleteBucket.html`,
    async run(ctx) {
      assert.ok(ctx.s3Other, 'needs a second user');
      const b = await ctx.bucket('delother');
      await expectError(ctx.s3Other.send(new DeleteBucketCommand({ Bucket: b })), { status: 403, code: 'AccessDenied' });
      assert.ok((await listAll(ctx)).includes(b));
    },
  },
  {
    name: 'list buckets: ListAllMyBucketsResult with Owner and each Bucket\'s Name and CreationDate',
    ref: `${API}/API_ListBuckets.html`,
    async run(ctx) {
      const b = await ctx.bucket('list');
      const res = await ctx.raw({ method: 'GET', path: '/' });
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'] ?? '', /^application\/xml/);
      const doc = parseXml(res.text).ListAllMyBucketsResult;
      assert.equal(doc['@_xmlns'], NS);
      assert.ok(doc.Owner?.ID, 'Owner/ID');
      const mine = asList(doc.Buckets?.Bucket).find((x: Xml) => x.Name === b);
      assert.ok(mine, 'the new bucket is listed');
      assert.match(mine.CreationDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(Math.abs(Date.parse(mine.CreationDate) - Date.now()) < 15 * 60_000, 'CreationDate is now');
    },
  },
  {
    name: 'list buckets is sorted by name',
    ref: `${API}/API_ListBuckets.html`,
    async run(ctx) {
      await ctx.bucket('sort-z');
      await ctx.bucket('sort-a');
      const names = await listAll(ctx);
      assert.deepEqual(names, [...names].sort());
    },
  },
  {
    name: 'list buckets with prefix: only matching names, Prefix echoed',
    ref: `${API}/API_ListBuckets.html`,
    async run(ctx) {
      const a = await ctx.bucket('pfx-only');
      const b = await ctx.bucket('pfx-only');
      await ctx.bucket('other-pfx');
      const prefix = a.slice(0, a.lastIndexOf('-'));
      const res = await ctx.s3.send(new ListBucketsCommand({ Prefix: prefix }));
      assert.deepEqual((res.Buckets ?? []).map((x) => x.Name), [a, b].sort());
      assert.equal(res.Prefix, prefix);
    },
  },
  {
    name: 'list buckets with max-buckets: pages joined by continuation-token',
    ref: `${API}/API_ListBuckets.html`,
    async run(ctx) {
      const made = [await ctx.bucket('page'), await ctx.bucket('page'), await ctx.bucket('page')].sort();
      const prefix = made[0]!.slice(0, made[0]!.lastIndexOf('-'));
      const p1 = await ctx.s3.send(new ListBucketsCommand({ Prefix: prefix, MaxBuckets: 2 }));
      assert.deepEqual((p1.Buckets ?? []).map((x) => x.Name), made.slice(0, 2));
      assert.ok(p1.ContinuationToken, 'a truncated page carries ContinuationToken');
      const p2 = await ctx.s3.send(new ListBucketsCommand({ Prefix: prefix, MaxBuckets: 2, ContinuationToken: p1.ContinuationToken }));
      assert.deepEqual((p2.Buckets ?? []).map((x) => x.Name), made.slice(2));
      assert.equal(p2.ContinuationToken, undefined);
    },
  },
  {
    name: 'list buckets shows only the caller\'s buckets',
    ref: `${API}/API_ListBuckets.html`,
    async run(ctx) {
      assert.ok(ctx.s3Other, 'needs a second user');
      const b = await ctx.bucket('private');
      const res = await ctx.s3Other.send(new ListBucketsCommand({}));
      assert.ok(!(res.Buckets ?? []).some((x) => x.Name === b));
    },
  },
  {
    name: 'get location in us-east-1: empty LocationConstraint element',
    ref: `${API}/API_GetBucketLocation.html`,
    async run(ctx) {
      const b = await ctx.bucket('location');
      const res = await ctx.raw({ method: 'GET', path: `/${b}?location` });
      assert.equal(res.status, 200);
      const doc = parseXml(res.text);
      assert.ok('LocationConstraint' in doc, res.text);
      const lc = doc.LocationConstraint;
      const value = typeof lc === 'string' ? lc : (lc?.['#text'] ?? '');
      assert.equal(value, ctx.region === 'us-east-1' ? '' : ctx.region);
      const sdk = await ctx.s3.send(new GetBucketLocationCommand({ Bucket: b }));
      assert.equal(sdk.LocationConstraint ?? '', ctx.region === 'us-east-1' ? '' : ctx.region);
    },
  },
  ...emptyConfigCases,
  {
    name: 'get location of a missing bucket: 404 NoSuchBucket',
    ref: `${API}/API_GetBucketLocation.html`,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: `/${missing()}?location` }), 404, 'NoSuchBucket');
    },
  },
];
