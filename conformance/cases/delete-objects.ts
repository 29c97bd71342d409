/**
 * DeleteObjects (`POST /{bucket}?delete`): results per key, quiet mode, versions and delete
 * markers, body validation and integrity headers.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand,
} from '@aws-sdk/client-s3';
import { asList, bodyText, expectError, expectRawError, parseXml, type Xml } from '../lib/check.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The request body for these keys. */
function deleteXml(objects: Array<{ key: string; versionId?: string }>, quiet?: boolean): string {
  const q = quiet === undefined ? '' : `<Quiet>${quiet}</Quiet>`;
  const o = objects.map((x) => `<Object><Key>${esc(x.key)}</Key>${x.versionId ? `<VersionId>${x.versionId}</VersionId>` : ''}</Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="${NS}">${q}${o}</Delete>`;
}

/** POST ?delete with a correct Content-MD5. */
function post(ctx: Ctx, b: string, body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const md5 = createHash('md5').update(body).digest('base64');
  return ctx.raw({ method: 'POST', path: `/${b}?delete`, body, headers: { 'content-type': 'application/xml', 'content-md5': md5, ...headers } });
}

/** The parsed `<DeleteResult>` of a 200 answer. */
function result(res: RawResponse): { deleted: Xml[]; errors: Xml[]; root: Xml } {
  assert.equal(res.status, 200, res.text);
  const root = parseXml(res.text).DeleteResult;
  assert.ok(root !== undefined, res.text);
  return { deleted: asList(root?.Deleted), errors: asList(root?.Error), root };
}

async function put(ctx: Ctx, b: string, key: string, body = 'x'): Promise<string | undefined> {
  return (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }))).VersionId;
}

async function versioned(ctx: Ctx, prefix: string): Promise<string> {
  const b = await ctx.bucket(prefix);
  await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
  return b;
}

export const cases: Case[] = [
  {
    name: 'delete two objects with the SDK: both Deleted, both gone',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel');
      await put(ctx, b, 'a');
      await put(ctx, b, 'b');
      await put(ctx, b, 'keep');
      const out = await ctx.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }] } }));
      assert.deepEqual((out.Deleted ?? []).map((d) => d.Key).sort(), ['a', 'b']);
      assert.equal(out.Errors, undefined);
      await expectError(ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'a' })), { status: 404, code: 'NoSuchKey' });
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'keep' }))).Body), 'x');
    },
  },
  {
    name: 'DeleteResult: application/xml in the S3 namespace',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-ns');
      const res = await post(ctx, b, deleteXml([{ key: 'a' }]));
      const { root } = result(res);
      assert.match(res.headers['content-type'] ?? '', /^application\/xml/);
      assert.equal(root['@_xmlns'], NS);
    },
  },
  {
    name: 'keys that do not exist are reported as Deleted',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-missing');
      const { deleted, errors } = result(await post(ctx, b, deleteXml([{ key: 'never-1' }, { key: 'never-2' }])));
      assert.deepEqual(deleted.map((d) => d.Key).sort(), ['never-1', 'never-2']);
      assert.equal(errors.length, 0);
    },
  },
  {
    name: 'unversioned bucket: Deleted carries neither VersionId nor DeleteMarker',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-plain');
      await put(ctx, b, 'a');
      const { deleted } = result(await post(ctx, b, deleteXml([{ key: 'a' }])));
      assert.deepEqual(deleted, [{ Key: 'a' }]);
    },
  },
  {
    name: 'unversioned bucket: VersionId null deletes the object and is echoed',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-null');
      await put(ctx, b, 'a');
      const { deleted } = result(await post(ctx, b, deleteXml([{ key: 'a', versionId: 'null' }])));
      assert.deepEqual(deleted, [{ Key: 'a', VersionId: 'null' }]);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/a` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'Quiet mode: successes are left out of the result',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-quiet');
      await put(ctx, b, 'a');
      const { deleted, errors } = result(await post(ctx, b, deleteXml([{ key: 'a' }, { key: 'b' }], true)));
      assert.equal(deleted.length, 0);
      assert.equal(errors.length, 0);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/a` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'Quiet false reports every key',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-verbose');
      const { deleted } = result(await post(ctx, b, deleteXml([{ key: 'a' }, { key: 'b' }], false)));
      assert.equal(deleted.length, 2);
    },
  },
  {
    name: 'keys with XML special characters round-trip in the result',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-xml');
      const key = 'a&b<c>"d\'e';
      await put(ctx, b, key);
      const { deleted } = result(await post(ctx, b, deleteXml([{ key }])));
      assert.deepEqual(deleted.map((d) => d.Key), [key]);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/${encodeURIComponent(key)}` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'versioned bucket, no versionId: a delete marker is created and reported',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'mdel-ver');
      await put(ctx, b, 'a');
      const out = await ctx.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'a' }] } }));
      const d = out.Deleted?.[0];
      assert.equal(d?.Key, 'a');
      assert.equal(d?.DeleteMarker, true);
      assert.ok(d?.DeleteMarkerVersionId, 'DeleteMarkerVersionId');
      assert.equal(d?.VersionId, undefined);
      await expectError(ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'a' })), { status: 404, code: 'NoSuchKey' });
    },
  },
  {
    name: 'versioned bucket, a versionId: that version is removed for good, the others stay',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'mdel-vid');
      const v1 = await put(ctx, b, 'a', 'one');
      const v2 = await put(ctx, b, 'a', 'two');
      const { deleted } = result(await post(ctx, b, deleteXml([{ key: 'a', versionId: v2! }])));
      assert.deepEqual(deleted, [{ Key: 'a', VersionId: v2 }]);
      await expectError(ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'a', VersionId: v2 })), { status: 404, code: 'NoSuchVersion' });
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'a' }));
      assert.equal(g.VersionId, v1);
      assert.equal(await bodyText(g.Body), 'one');
    },
  },
  {
    name: 'delete a delete marker by versionId: reported with DeleteMarker, the object is back',
    ref: API,
    async run(ctx) {
      const b = await versioned(ctx, 'mdel-dm');
      await put(ctx, b, 'a', 'alive');
      const dm = (await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'a' }))).VersionId!;
      const { deleted } = result(await post(ctx, b, deleteXml([{ key: 'a', versionId: dm }])));
      assert.deepEqual(deleted, [{ Key: 'a', VersionId: dm, DeleteMarker: 'true', DeleteMarkerVersionId: dm }]);
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'a' }))).Body), 'alive');
    },
  },
  {
    name: '1000 keys in one request are accepted',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-1000');
      const keys = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}` }));
      const { deleted } = result(await post(ctx, b, deleteXml(keys, false)));
      assert.equal(deleted.length, 1000);
    },
  },
  {
    name: 'more than 1000 keys: 400 MalformedXML',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-1001');
      const keys = Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}` }));
      expectRawError(await post(ctx, b, deleteXml(keys)), 400, 'MalformedXML');
    },
  },
  {
    name: 'a body that is not XML: 400 MalformedXML',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-bad');
      expectRawError(await post(ctx, b, '<Delete><Object><Key>a</Key></Object>'), 400, 'MalformedXML');
    },
  },
  {
    name: 'a Delete element without any Object: 400 MalformedXML',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-none');
      expectRawError(await post(ctx, b, `<Delete xmlns="${NS}"><Quiet>true</Quiet></Delete>`), 400, 'MalformedXML');
    },
  },
  {
    name: 'a Content-MD5 of other bytes: 400 BadDigest, nothing deleted',
    ref: API,
    async run(ctx) {
      const b = await ctx.bucket('mdel-md5');
      await put(ctx, b, 'a');
      const res = await post(ctx, b, deleteXml([{ key: 'a' }]), { 'content-md5': createHash('md5').update('other').digest('base64') });
      expectRawError(res, 400, 'BadDigest');
      assert.equal((await ctx.raw({ method: 'GET', path: `/${b}/a` })).status, 200);
    },
  },
  {
    name: 'a missing bucket: 404 NoSuchBucket',
    ref: API,
    async run(ctx) {
      expectRawError(await post(ctx, 'no-such-bucket-for-mdel', deleteXml([{ key: 'a' }])), 404, 'NoSuchBucket');
    },
  },
];
