/**
 * Object and bucket tagging: Put/Get/DeleteObjectTagging (per version), `x-amz-tagging` on
 * PutObject, CopyObject and CreateMultipartUpload, `x-amz-tagging-count`, the limits, and
 * Put/Get/DeleteBucketTagging. AWS: API_PutObjectTagging.html, object-tagging.html,
 * API_PutBucketTagging.html; shared/spec/s3-surface.md §3.
 */
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand,
  GetBucketTaggingCommand, GetObjectCommand, GetObjectTaggingCommand, PutBucketTaggingCommand, PutBucketVersioningCommand, PutObjectCommand,
  PutObjectTaggingCommand, UploadPartCommand, type Tag,
} from '@aws-sdk/client-s3';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, assertSdkError, bytes, otherOf, xmlAll, xmlText } from '../lib/wire.js';

const PUT_OT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html';
const GET_OT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html';
const DELETE_OT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html';
const TAGGING = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html';
const PUT_OBJECT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html';
const GET_OBJECT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html';
const COPY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html';
const CREATE_MPU = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html';
const PUT_BT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html';
const GET_BT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html';
const DELETE_BT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketTagging.html';
const RESTRICTIONS = 'https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions';

const DATA = bytes(500, 91);

function tagSet(n: number, prefix = 't'): Tag[] {
  return Array.from({ length: n }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));
}

function sorted(tags: Tag[] | undefined): [string, string][] {
  return (tags ?? []).map((t): [string, string] => [t.Key ?? '', t.Value ?? '']).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

async function object(ctx: Ctx, prefix: string, headers: Record<string, string> = {}): Promise<string> {
  const b = await ctx.bucket(prefix);
  assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers }), 200, 'PutObject');
  return b;
}

async function tagsOf(ctx: Ctx, b: string, key = 'k', versionId?: string): Promise<[string, string][]> {
  return sorted((await ctx.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: key, VersionId: versionId }))).TagSet);
}

function taggingXml(tags: [string, string][]): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${esc(k)}</Key><Value>${esc(v)}</Value></Tag>`).join('')}</TagSet></Tagging>`;
}

async function putTagsRaw(ctx: Ctx, path: string, tags: [string, string][]): Promise<RawResponse> {
  return ctx.raw({ method: 'PUT', path: `${path}?tagging`, body: taggingXml(tags), headers: { 'content-type': 'application/xml' } });
}

/** A refused object tag set: status + code, and the object keeps no tags. */
function refused(name: string, tags: [string, string][], status: number, code: string, ref = PUT_OT): Case {
  return {
    name: `PutObjectTagging with ${name}: ${status} ${code}, tags unchanged`,
    ref,
    async run(ctx) {
      const b = await object(ctx, 'tag-bad');
      assertError(await putTagsRaw(ctx, objectPath(b, 'k'), tags), status, code);
      assert.deepEqual(await tagsOf(ctx, b), []);
    },
  };
}

const long = (n: number): string => 'x'.repeat(n);

export const cases: Case[] = [
  {
    name: 'PutObjectTagging then GetObjectTagging returns the tag set',
    ref: GET_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-rt');
      await ctx.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', Tagging: { TagSet: [{ Key: 'project', Value: 'ccow' }, { Key: 'tier', Value: 'gold' }] } }));
      assert.deepEqual(await tagsOf(ctx, b), [['project', 'ccow'], ['tier', 'gold']]);
    },
  },
  {
    name: 'GetObjectTagging of an untagged object: 200 with an empty TagSet',
    ref: GET_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-empty');
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?tagging` });
      assertOk(res);
      assert.match(res.text, /<TagSet\s*\/>|<TagSet><\/TagSet>/);
    },
  },
  {
    name: 'x-amz-tagging on PutObject (URL-encoded query form) sets the tags',
    ref: PUT_OBJECT,
    async run(ctx) {
      const b = await object(ctx, 'tag-hdr', { 'x-amz-tagging': 'color=blue&note=two%20words&empty=' });
      assert.deepEqual(await tagsOf(ctx, b), [['color', 'blue'], ['empty', ''], ['note', 'two words']]);
    },
  },
  {
    name: 'GetObject carries x-amz-tagging-count',
    ref: GET_OBJECT,
    async run(ctx) {
      const b = await object(ctx, 'tag-count', { 'x-amz-tagging': 'a=1&b=2&c=3' });
      const res = await ctx.raw({ method: 'GET', path: objectPath(b, 'k') });
      assertOk(res);
      assert.equal(res.headers['x-amz-tagging-count'], '3');
      const out = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(out.TagCount, 3);
    },
  },
  {
    name: 'GetObject of an untagged object has no x-amz-tagging-count',
    ref: GET_OBJECT,
    async run(ctx) {
      const b = await object(ctx, 'tag-nocount');
      assert.equal((await ctx.raw({ method: 'GET', path: objectPath(b, 'k') })).headers['x-amz-tagging-count'], undefined);
    },
  },
  {
    name: 'DeleteObjectTagging: 204, then an empty TagSet',
    ref: DELETE_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-del', { 'x-amz-tagging': 'a=1' });
      assertOk(await ctx.raw({ method: 'DELETE', path: `${objectPath(b, 'k')}?tagging` }), 204);
      assert.deepEqual(await tagsOf(ctx, b), []);
    },
  },
  {
    name: 'PutObjectTagging replaces the whole set (no merge)',
    ref: PUT_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-replace', { 'x-amz-tagging': 'a=1&b=2' });
      await ctx.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }));
      assert.deepEqual(await tagsOf(ctx, b), [['c', '3']]);
    },
  },
  {
    name: 'PutObjectTagging with an empty TagSet clears the tags',
    ref: PUT_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-clear', { 'x-amz-tagging': 'a=1' });
      assertOk(await putTagsRaw(ctx, objectPath(b, 'k'), []));
      assert.deepEqual(await tagsOf(ctx, b), []);
    },
  },
  {
    name: 'ten tags, a 128-character key and a 256-character value are accepted',
    ref: TAGGING,
    async run(ctx) {
      const b = await object(ctx, 'tag-max');
      const tags: [string, string][] = [[long(128), long(256)], ...tagSet(9).map((t): [string, string] => [t.Key!, t.Value!])];
      assertOk(await putTagsRaw(ctx, objectPath(b, 'k'), tags));
      assert.equal((await tagsOf(ctx, b)).length, 10);
    },
  },
  refused('eleven tags', tagSet(11).map((t): [string, string] => [t.Key!, t.Value!]), 400, 'BadRequest', TAGGING),
  refused('a 129-character key', [[long(129), 'v']], 400, 'InvalidTag'),
  refused('a 257-character value', [['k', long(257)]], 400, 'InvalidTag'),
  refused('the same key twice', [['k', '1'], ['k', '2']], 400, 'InvalidTag'),
  refused('a key prefixed aws:', [['aws:cloudformation:stack', 'x']], 400, 'InvalidTag', RESTRICTIONS),
  {
    name: 'x-amz-tagging with eleven tags on PutObject: 400 BadRequest, nothing stored',
    ref: PUT_OBJECT,
    async run(ctx) {
      const b = await ctx.bucket('tag-hdr11');
      const header = Array.from({ length: 11 }, (_, i) => `t${i}=v`).join('&');
      assertError(await ctx.raw({ method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers: { 'x-amz-tagging': header } }), 400, 'BadRequest');
      assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') })).status, 404);
    },
  },
  {
    name: 'tag keys and values with spaces, unicode and + - = . _ : / @ round-trip',
    ref: TAGGING,
    async run(ctx) {
      const b = await object(ctx, 'tag-chars');
      const tags: [string, string][] = [['Kostenstelle ü', 'Wert: 1/2 @ a+b=c'], ['日本', '東京 . _ -']];
      assertOk(await putTagsRaw(ctx, objectPath(b, 'k'), tags));
      assert.deepEqual(await tagsOf(ctx, b), [...tags].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
    },
  },
  {
    name: 'tags belong to a version: tagging the new version leaves the old one\'s tags',
    ref: TAGGING,
    async run(ctx) {
      const b = await ctx.bucket('tag-ver');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const v1 = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA, Tagging: 'gen=1' }))).VersionId!;
      const v2 = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA, Tagging: 'gen=2' }))).VersionId!;
      await ctx.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'k', Tagging: { TagSet: [{ Key: 'gen', Value: 'two' }] } }));
      assert.deepEqual(await tagsOf(ctx, b, 'k', v1), [['gen', '1']]);
      assert.deepEqual(await tagsOf(ctx, b, 'k', v2), [['gen', 'two']]);
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?tagging&versionId=${encodeURIComponent(v1)}` });
      assert.equal(res.headers['x-amz-version-id'], v1);
    },
  },
  {
    name: 'PutObjectTagging with versionId tags that version and answers its x-amz-version-id',
    ref: PUT_OT,
    async run(ctx) {
      const b = await ctx.bucket('tag-putver');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const v1 = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }))).VersionId!;
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
      const put = await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'k')}?tagging&versionId=${encodeURIComponent(v1)}`, body: taggingXml([['old', 'yes']]) });
      assertOk(put);
      assert.equal(put.headers['x-amz-version-id'], v1);
      assert.deepEqual(await tagsOf(ctx, b, 'k', v1), [['old', 'yes']]);
      assert.deepEqual(await tagsOf(ctx, b, 'k'), []);
    },
  },
  {
    name: 'PutObjectTagging on a missing key: 404 NoSuchKey',
    ref: PUT_OT,
    async run(ctx) {
      const b = await ctx.bucket('tag-missing');
      assertError(await putTagsRaw(ctx, objectPath(b, 'nope'), [['a', '1']]), 404, 'NoSuchKey');
    },
  },
  {
    name: 'PutObjectTagging with broken XML: 400 MalformedXML',
    ref: PUT_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-xml');
      assertError(await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'k')}?tagging`, body: '<Tagging><TagSet><Tag><Key>a</Key>' }), 400, 'MalformedXML');
    },
  },
  {
    name: 'the other user PutObjectTagging on my object: 403 AccessDenied',
    ref: PUT_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-steal');
      assertError(await ctx.raw({ method: 'PUT', path: `${objectPath(b, 'k')}?tagging`, body: taggingXml([['a', '1']]), credentials: otherOf(ctx).keys }), 403, 'AccessDenied');
    },
  },
  {
    name: 'CopyObject (tagging directive COPY by default) copies the tags',
    ref: COPY,
    async run(ctx) {
      const b = await object(ctx, 'tag-copy', { 'x-amz-tagging': 'a=1&b=2' });
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/k` }));
      assert.deepEqual(await tagsOf(ctx, b, 'dst'), [['a', '1'], ['b', '2']]);
    },
  },
  {
    name: 'CopyObject with tagging directive REPLACE takes x-amz-tagging',
    ref: COPY,
    async run(ctx) {
      const b = await object(ctx, 'tag-copyr', { 'x-amz-tagging': 'a=1' });
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/k`, TaggingDirective: 'REPLACE', Tagging: 'z=26' }));
      assert.deepEqual(await tagsOf(ctx, b, 'dst'), [['z', '26']]);
      assert.deepEqual(await tagsOf(ctx, b, 'k'), [['a', '1']]);
    },
  },
  {
    name: 'CreateMultipartUpload with x-amz-tagging: the completed object carries the tags',
    ref: CREATE_MPU,
    async run(ctx) {
      const b = await ctx.bucket('tag-mpu');
      const up = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k', Tagging: 'src=mpu' }));
      const part = await ctx.s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, PartNumber: 1, Body: DATA }));
      await ctx.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] } }));
      assert.deepEqual(await tagsOf(ctx, b), [['src', 'mpu']]);
    },
  },
  {
    name: 'PutBucketTagging (204) then GetBucketTagging returns the set',
    ref: PUT_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-rt');
      const res = await ctx.raw({ method: 'PUT', path: `/${b}?tagging`, body: taggingXml([['env', 'test'], ['team', 'storage']]) });
      assertOk(res, 204);
      const out = await ctx.s3.send(new GetBucketTaggingCommand({ Bucket: b }));
      assert.deepEqual(sorted(out.TagSet), [['env', 'test'], ['team', 'storage']]);
    },
  },
  {
    name: 'GetBucketTagging without tags: 404 NoSuchTagSet',
    ref: GET_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-none');
      await assertSdkError(ctx.s3.send(new GetBucketTaggingCommand({ Bucket: b })), 404, 'NoSuchTagSet');
    },
  },
  {
    name: 'DeleteBucketTagging: 204, then 404 NoSuchTagSet',
    ref: DELETE_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-del');
      await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: [{ Key: 'a', Value: '1' }] } }));
      assertOk(await ctx.raw({ method: 'DELETE', path: `/${b}?tagging` }), 204);
      await assertSdkError(ctx.s3.send(new GetBucketTaggingCommand({ Bucket: b })), 404, 'NoSuchTagSet');
    },
  },
  {
    name: 'fifty bucket tags are accepted',
    ref: PUT_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-50');
      await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: tagSet(50) } }));
      assert.equal((await ctx.s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet?.length, 50);
    },
  },
  {
    name: 'fifty-one bucket tags: 400 BadRequest',
    ref: PUT_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-51');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?tagging`, body: taggingXml(tagSet(51).map((t): [string, string] => [t.Key!, t.Value!])) }), 400, 'BadRequest');
    },
  },
  {
    name: 'bucket tags with a duplicate key: 400 InvalidTag',
    ref: PUT_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-dup');
      assertError(await ctx.raw({ method: 'PUT', path: `/${b}?tagging`, body: taggingXml([['a', '1'], ['a', '2']]) }), 400, 'InvalidTag');
    },
  },
  {
    name: 'PutBucketTagging replaces the previous set',
    ref: PUT_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-repl');
      await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] } }));
      await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: [{ Key: 'c', Value: '3' }] } }));
      assert.deepEqual(sorted((await ctx.s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet), [['c', '3']]);
    },
  },
  {
    name: 'the other user GetBucketTagging on my bucket: 403 AccessDenied',
    ref: GET_BT,
    async run(ctx) {
      const b = await ctx.bucket('btag-peek');
      await ctx.s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet: [{ Key: 'a', Value: '1' }] } }));
      assertError(await ctx.raw({ method: 'GET', path: `/${b}?tagging`, credentials: otherOf(ctx).keys }), 403, 'AccessDenied');
    },
  },
  {
    name: 'GetObjectTagging XML: Tagging > TagSet > Tag{Key, Value}',
    ref: GET_OT,
    async run(ctx) {
      const b = await object(ctx, 'tag-xmlshape', { 'x-amz-tagging': 'k1=v1' });
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?tagging` });
      assertOk(res);
      assert.match(res.text, /<Tagging[^>]*><TagSet><Tag><Key>k1<\/Key><Value>v1<\/Value><\/Tag><\/TagSet><\/Tagging>/);
      assert.deepEqual(xmlAll(res.text, 'Key'), ['k1']);
      assert.equal(xmlText(res.text, 'Value'), 'v1');
    },
  },
];
