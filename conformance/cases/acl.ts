/**
 * ACLs: each canned ACL on buckets and objects against anonymous and other-user requests, the
 * grant headers and the AccessControlPolicy body, Get*Acl rendering, and the refusals.
 * AWS: acl-overview.html (canned ACL table), API_PutBucketAcl.html, API_PutObjectAcl.html;
 * shared/spec/s3-surface.md §8 (ACL-lite).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, bytes, otherOf, ownerId, xmlAll, xmlText } from '../lib/wire.js';

const OVERVIEW = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html';
const CANNED = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl';
const PUT_BUCKET_ACL = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html';
const PUT_OBJECT_ACL = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html';
const GET_BUCKET_ACL = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html';
const GET_OBJECT_ACL = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html';
const CREATE_BUCKET = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html';
const COPY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html';
const CREATE_MPU = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const DATA = bytes(700, 61);

type Who = 'anonymous' | 'other';

/** Send as anonymous or as the second user. */
async function as(ctx: Ctx, who: Who, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<RawResponse> {
  if (who === 'anonymous') return ctx.raw({ method, path, body, headers, sign: 'none' });
  const o = otherOf(ctx);
  return ctx.raw({ method, path, body, headers, credentials: o.keys });
}

async function bucketWithAcl(ctx: Ctx, acl: string, prefix: string): Promise<string> {
  const b = await ctx.bucket(prefix);
  assertOk(await ctx.raw({ method: 'PUT', path: `/${b}?acl`, headers: { 'x-amz-acl': acl } }), 200, 'PutBucketAcl');
  return b;
}

async function put(ctx: Ctx, b: string, key: string, headers: Record<string, string> = {}): Promise<void> {
  assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, key), body: DATA, headers }), 200, 'PutObject');
}

/** Grants of an AccessControlPolicy body as `ID-or-URI PERMISSION` strings, in order. */
function grants(xml: string): string[] {
  return xmlAll(xml, 'Grant').map((g) => `${xmlText(g, 'ID') ?? xmlText(g, 'URI')} ${xmlText(g, 'Permission')}`);
}

/** Outcome of one bucket-level operation under a canned bucket ACL (AWS canned ACL table). */
interface BucketRow {
  acl: string;
  who: Who;
  op: 'ListObjects' | 'PutObject';
  allowed: boolean;
}

const BUCKET_MATRIX: BucketRow[] = [];
for (const [acl, anonList, anonPut, otherList, otherPut] of [
  ['private', false, false, false, false],
  ['public-read', true, false, true, false],
  ['public-read-write', true, true, true, true],
  ['authenticated-read', false, false, true, false],
] as const) {
  BUCKET_MATRIX.push(
    { acl, who: 'anonymous', op: 'ListObjects', allowed: anonList },
    { acl, who: 'anonymous', op: 'PutObject', allowed: anonPut },
    { acl, who: 'other', op: 'ListObjects', allowed: otherList },
    { acl, who: 'other', op: 'PutObject', allowed: otherPut },
  );
}

const bucketMatrix: Case[] = BUCKET_MATRIX.map((r) => ({
  name: `bucket ${r.acl}: ${r.who} ${r.op} ${r.allowed ? 'allowed' : '403 AccessDenied'}`,
  ref: CANNED,
  async run(ctx) {
    const b = await bucketWithAcl(ctx, r.acl, `acl-${r.acl}`);
    await put(ctx, b, 'seed');
    const res = r.op === 'ListObjects' ? await as(ctx, r.who, 'GET', `/${b}`) : await as(ctx, r.who, 'PUT', objectPath(b, 'new'), DATA);
    if (!r.allowed) {
      assertError(res, 403, 'AccessDenied');
      if (r.op === 'PutObject') assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'new') })).status, 404);
      return;
    }
    assertOk(res);
    if (r.op === 'ListObjects') assert.match(res.text, /<Key>seed<\/Key>/);
    else assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'new') })).status, 200, 'the bucket owner reads what was written');
  },
}));

const OBJECT_MATRIX: [acl: string, anon: boolean, other: boolean][] = [
  ['private', false, false],
  ['public-read', true, true],
  ['public-read-write', true, true],
  ['authenticated-read', false, true],
  ['bucket-owner-read', false, false],
  ['bucket-owner-full-control', false, false],
];

const objectMatrix: Case[] = OBJECT_MATRIX.flatMap(([acl, anon, other]) => (['anonymous', 'other'] as const).map((who): Case => {
  const allowed = who === 'anonymous' ? anon : other;
  return {
    name: `object ${acl} in a private bucket: ${who} GetObject ${allowed ? 'allowed' : '403 AccessDenied'}`,
    ref: CANNED,
    async run(ctx) {
      const b = await ctx.bucket(`oacl-${acl}`);
      await put(ctx, b, 'k', { 'x-amz-acl': acl });
      const res = await as(ctx, who, 'GET', objectPath(b, 'k'));
      if (!allowed) return assertError(res, 403, 'AccessDenied');
      assertOk(res);
      assert.ok(res.body.equals(DATA));
    },
  };
}));

const RENDER: [acl: string, extra: string[]][] = [
  ['private', []],
  ['public-read', [`${ALL_USERS} READ`]],
  ['public-read-write', [`${ALL_USERS} READ`, `${ALL_USERS} WRITE`]],
  ['authenticated-read', [`${AUTH_USERS} READ`]],
];

const rendering: Case[] = RENDER.map(([acl, extra]) => ({
  name: `GetBucketAcl after ${acl}: owner FULL_CONTROL first${extra.length ? `, then ${extra.map((e) => e.replace(/^.*\//, '')).join(' + ')}` : ', nothing else'}`,
  ref: GET_BUCKET_ACL,
  async run(ctx) {
    const b = await bucketWithAcl(ctx, acl, 'acl-get');
    const res = await ctx.raw({ method: 'GET', path: `/${b}?acl` });
    assertOk(res);
    const owner = xmlText(xmlText(res.text, 'Owner') ?? '', 'ID');
    assert.match(owner ?? '', /^[0-9a-f]{64}$/, 'Owner ID is the 64-hex canonical id');
    assert.equal(owner, await ownerId(ctx.s3));
    assert.deepEqual(grants(res.text), [`${owner} FULL_CONTROL`, ...extra]);
  },
}));

const specific: Case[] = [
  {
    name: 'CreateBucket with x-amz-acl: public-read: anonymous ListObjects 200',
    ref: CREATE_BUCKET,
    async run(ctx) {
      const name = `acl-create-${randomBytes(5).toString('hex')}`;
      assertOk(await ctx.raw({ method: 'PUT', path: `/${name}`, headers: { 'x-amz-acl': 'public-read' } }));
      assertOk(await ctx.raw({ method: 'GET', path: `/${name}`, sign: 'none' }));
    },
  },
  {
    name: 'bucket-owner-full-control on an object another user writes into my bucket: it owns the object, I get FULL_CONTROL',
    ref: CANNED,
    async run(ctx) {
      const b = await bucketWithAcl(ctx, 'public-read-write', 'acl-bofc');
      assertOk(await as(ctx, 'other', 'PUT', objectPath(b, 'k'), DATA, { 'x-amz-acl': 'bucket-owner-full-control' }));
      const res = await as(ctx, 'other', 'GET', `${objectPath(b, 'k')}?acl`);
      assertOk(res);
      const writer = await otherId(ctx);
      assert.equal(xmlText(xmlText(res.text, 'Owner')!, 'ID'), writer, 'the writer owns the object');
      assert.deepEqual(grants(res.text), [`${writer} FULL_CONTROL`, `${await ownerId(ctx.s3)} FULL_CONTROL`]);
    },
  },
  {
    name: 'bucket-owner-read on an object another user writes into my bucket: I get READ',
    ref: CANNED,
    async run(ctx) {
      const b = await bucketWithAcl(ctx, 'public-read-write', 'acl-bor');
      assertOk(await as(ctx, 'other', 'PUT', objectPath(b, 'k'), DATA, { 'x-amz-acl': 'bucket-owner-read' }));
      const res = await as(ctx, 'other', 'GET', `${objectPath(b, 'k')}?acl`);
      assertOk(res);
      assert.ok(grants(res.text).includes(`${await ownerId(ctx.s3)} READ`), grants(res.text).join(', '));
    },
  },
  {
    name: 'an object another user wrote into my bucket: the writer and I (bucket owner) both read it',
    ref: OVERVIEW,
    async run(ctx) {
      const b = await bucketWithAcl(ctx, 'public-read-write', 'acl-both');
      assertOk(await as(ctx, 'other', 'PUT', objectPath(b, 'k'), DATA));
      assertOk(await as(ctx, 'other', 'GET', objectPath(b, 'k')));
      assertOk(await ctx.raw({ method: 'GET', path: objectPath(b, 'k') }));
    },
  },
  {
    name: 'x-amz-grant-read id=<other> on PutObject: the other user reads, anonymous does not',
    ref: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html',
    async run(ctx) {
      const b = await ctx.bucket('acl-gread');
      const other = await otherId(ctx);
      await put(ctx, b, 'k', { 'x-amz-grant-read': `id="${other}"` });
      assertOk(await as(ctx, 'other', 'GET', objectPath(b, 'k')));
      assertError(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')), 403, 'AccessDenied');
    },
  },
  {
    name: 'x-amz-grant-read uri=AllUsers on PutObject: anonymous GetObject 200',
    ref: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html',
    async run(ctx) {
      const b = await ctx.bucket('acl-guri');
      await put(ctx, b, 'k', { 'x-amz-grant-read': `uri="${ALL_USERS}"` });
      assertOk(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')));
    },
  },
  {
    name: 'PutBucketAcl with an AccessControlPolicy body granting the other user READ: it lists; GetBucketAcl shows the grant',
    ref: PUT_BUCKET_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-body');
      await put(ctx, b, 'seed');
      const me = await ownerId(ctx.s3);
      const other = await otherId(ctx);
      const xml = `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${me}</ID></Owner><AccessControlList>`
        + `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${me}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>`
        + `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${other}</ID></Grantee><Permission>READ</Permission></Grant>`
        + '</AccessControlList></AccessControlPolicy>';
      assertOk(await ctx.raw({ method: 'PUT', path: `/${b}?acl`, body: xml, headers: { 'content-type': 'application/xml' } }));
      assertOk(await as(ctx, 'other', 'GET', `/${b}`));
      assertError(await as(ctx, 'other', 'PUT', objectPath(b, 'x'), DATA), 403, 'AccessDenied');
      const got = await ctx.raw({ method: 'GET', path: `/${b}?acl` });
      assert.deepEqual(grants(got.text), [`${me} FULL_CONTROL`, `${other} READ`]);
    },
  },
  {
    name: 'x-amz-grant-write id=<other> on PutBucketAcl: the other user writes objects',
    ref: PUT_BUCKET_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-gwrite');
      assertOk(await ctx.raw({ method: 'PUT', path: `/${b}?acl`, headers: { 'x-amz-grant-write': `id="${await otherId(ctx)}"`, 'x-amz-grant-full-control': `id="${await ownerId(ctx.s3)}"` } }));
      assertOk(await as(ctx, 'other', 'PUT', objectPath(b, 'k'), DATA));
    },
  },
  {
    name: 'READ_ACP granted to the other user on an object: GetObjectAcl 200, GetObject 403',
    ref: PUT_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-racp');
      await put(ctx, b, 'k', { 'x-amz-grant-read-acp': `id="${await otherId(ctx)}"` });
      assertOk(await as(ctx, 'other', 'GET', `${objectPath(b, 'k')}?acl`));
      assertError(await as(ctx, 'other', 'GET', objectPath(b, 'k')), 403, 'AccessDenied');
    },
  },
  {
    name: 'WRITE_ACP granted to the other user: it makes the object public-read, then anonymous GET 200',
    ref: PUT_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-wacp');
      await put(ctx, b, 'k', { 'x-amz-grant-write-acp': `id="${await otherId(ctx)}"` });
      assertError(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')), 403, 'AccessDenied');
      assertOk(await as(ctx, 'other', 'PUT', `${objectPath(b, 'k')}?acl`, undefined, { 'x-amz-acl': 'public-read' }));
      assertOk(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')));
    },
  },
  {
    name: 'FULL_CONTROL granted to the other user on an object: GetObject and GetObjectAcl 200',
    ref: PUT_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-full');
      await put(ctx, b, 'k', { 'x-amz-grant-full-control': `id="${await otherId(ctx)}"` });
      assertOk(await as(ctx, 'other', 'GET', objectPath(b, 'k')));
      assertOk(await as(ctx, 'other', 'GET', `${objectPath(b, 'k')}?acl`));
    },
  },
  {
    name: 'GetObjectAcl after x-amz-grant-* headers lists exactly those grants (they replace the default ACL; s3-tests test_object_header_acl_grants)',
    ref: GET_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-render');
      const other = await otherId(ctx);
      await put(ctx, b, 'k', { 'x-amz-grant-read': `id="${other}", uri="${ALL_USERS}"`, 'x-amz-grant-write-acp': `id="${other}"` });
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?acl` });
      assertOk(res);
      assert.equal(xmlText(xmlText(res.text, 'Owner')!, 'ID'), await ownerId(ctx.s3), 'the writer owns the object');
      assert.deepEqual(new Set(grants(res.text)), new Set([`${other} READ`, `${ALL_USERS} READ`, `${other} WRITE_ACP`]));
    },
  },
  {
    name: 'a canned ACL together with a grant header: 400 InvalidRequest',
    ref: PUT_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-both');
      const res = await ctx.raw({ method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-acl': 'public-read', 'x-amz-grant-read': `uri="${ALL_USERS}"` } });
      assertError(res, 400, 'InvalidRequest');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'an emailAddress grantee: 501 NotImplemented',
    ref: 'shared/spec/s3-surface.md §8',
    async run(ctx) {
      const b = await ctx.bucket('acl-email');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?acl`, headers: { 'x-amz-grant-read': 'emailAddress="someone@example.com"' } }), 501, 'NotImplemented');
    },
  },
  {
    name: 'a grant to an unknown canonical id: 400 InvalidArgument',
    ref: PUT_BUCKET_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-unknown');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?acl`, headers: { 'x-amz-grant-read': `id="${'e'.repeat(64)}"` } }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'an unknown canned ACL name: 400 InvalidArgument',
    ref: PUT_BUCKET_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-bogus');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?acl`, headers: { 'x-amz-acl': 'world-writable' } }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'PutObjectAcl on a missing key: 404 NoSuchKey',
    ref: PUT_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-nokey');
      assertError(await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'nope')}?acl`, headers: { 'x-amz-acl': 'public-read' } }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'the other user PutBucketAcl on my bucket: 403 AccessDenied, ACL unchanged',
    ref: PUT_BUCKET_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-steal');
      assertError(await as(ctx, 'other', 'PUT', `/${b}?acl`, undefined, { 'x-amz-acl': 'public-read-write' }), 403, 'AccessDenied');
      assertError(await as(ctx, 'anonymous', 'GET', `/${b}`), 403, 'AccessDenied');
    },
  },
  {
    name: 'the other user GetBucketAcl on my bucket: 403 AccessDenied',
    ref: GET_BUCKET_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-peek');
      assertError(await as(ctx, 'other', 'GET', `/${b}?acl`), 403, 'AccessDenied');
    },
  },
  {
    name: 'public-read object: anonymous GetObjectAcl 403 (READ does not include READ_ACP)',
    ref: OVERVIEW,
    async run(ctx) {
      const b = await ctx.bucket('acl-noacp');
      await put(ctx, b, 'k', { 'x-amz-acl': 'public-read' });
      assertError(await as(ctx, 'anonymous', 'GET', `${objectPath(b, 'k')}?acl`), 403, 'AccessDenied');
    },
  },
  {
    name: 'public-read object: anonymous HEAD 200 with Content-Length',
    ref: OVERVIEW,
    async run(ctx) {
      const b = await ctx.bucket('acl-head');
      await put(ctx, b, 'k', { 'x-amz-acl': 'public-read' });
      const res = await as(ctx, 'anonymous', 'HEAD', objectPath(b, 'k'));
      assertOk(res);
      assert.equal(res.headers['content-length'], String(DATA.length));
    },
  },
  {
    name: 'public-read bucket: anonymous GetObject of a private object inside: 403 (bucket READ only lists)',
    ref: OVERVIEW,
    async run(ctx) {
      const b = await bucketWithAcl(ctx, 'public-read', 'acl-listonly');
      await put(ctx, b, 'k');
      assertError(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')), 403, 'AccessDenied');
    },
  },
  {
    name: 'public-read-write bucket: anonymous DeleteObject 204',
    ref: OVERVIEW,
    async run(ctx) {
      const b = await bucketWithAcl(ctx, 'public-read-write', 'acl-anondel');
      await put(ctx, b, 'k');
      assertOk(await as(ctx, 'anonymous', 'DELETE', objectPath(b, 'k')), 204);
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'public-read bucket: the other user DeleteObject 403, object kept',
    ref: OVERVIEW,
    async run(ctx) {
      const b = await bucketWithAcl(ctx, 'public-read', 'acl-nodel');
      await put(ctx, b, 'k');
      assertError(await as(ctx, 'other', 'DELETE', objectPath(b, 'k')), 403, 'AccessDenied');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 200);
    },
  },
  {
    name: 'CopyObject with x-amz-acl: public-read: the copy is anonymously readable',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('acl-copy');
      await put(ctx, b, 'src');
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'dst'), headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-acl': 'public-read' } }));
      assertOk(await as(ctx, 'anonymous', 'GET', objectPath(b, 'dst')));
      assertError(await as(ctx, 'anonymous', 'GET', objectPath(b, 'src')), 403, 'AccessDenied');
    },
  },
  {
    name: 'CreateMultipartUpload with x-amz-acl: public-read: the completed object is anonymously readable',
    ref: CREATE_MPU,
    async run(ctx) {
      const b = await ctx.bucket('acl-mpu');
      const p = objectPath(b, 'k');
      const init = await ctx.raw({ method: 'POST', path: `${p}?uploads`, headers: { 'x-amz-acl': 'public-read' } });
      assertOk(init);
      const id = xmlText(init.text, 'UploadId')!;
      const part = await ctx.raw({ method: 'PUT', path: `${p}?partNumber=1&uploadId=${id}`, body: DATA });
      assertOk(part);
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      assertOk(await ctx.raw({ method: 'POST', path: `${p}?uploadId=${id}`, body: xml }));
      assertOk(await as(ctx, 'anonymous', 'GET', p));
    },
  },
  {
    name: 'PutObjectAcl back to private revokes anonymous access',
    ref: PUT_OBJECT_ACL,
    async run(ctx) {
      const b = await ctx.bucket('acl-revoke');
      await put(ctx, b, 'k', { 'x-amz-acl': 'public-read' });
      assertOk(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')));
      assertOk(await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'k')}?acl`, headers: { 'x-amz-acl': 'private' } }));
      assertError(await as(ctx, 'anonymous', 'GET', objectPath(b, 'k')), 403, 'AccessDenied');
    },
  },
];

/** The second user's canonical id (it needs a bucket for ListBuckets to name its owner). */
async function otherId(ctx: Ctx): Promise<string> {
  const o = otherOf(ctx);
  const name = `acl-own-${randomBytes(5).toString('hex')}`;
  assertOk(await ctx.raw({ method: 'PUT', path: `/${name}`, credentials: o.keys }), 200, 'the other user creates a bucket');
  return ownerId(o.s3);
}

export const cases: Case[] = [...bucketMatrix, ...objectMatrix, ...rendering, ...specific];
