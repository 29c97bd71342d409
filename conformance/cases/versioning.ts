/**
 * Bucket versioning: the configuration, version ids on writes and reads, delete markers, the
 * `null` version of unversioned and suspended buckets.
 */
import assert from 'node:assert/strict';
import {
  DeleteObjectCommand, GetBucketVersioningCommand, GetObjectCommand, HeadObjectCommand,
  PutBucketVersioningCommand, PutObjectCommand, type BucketVersioningStatus,
} from '@aws-sdk/client-s3';
import { bodyText, expectError, expectRawError, parseXml } from '../lib/check.js';
import { listVersionsRaw } from '../lib/listing.js';
import type { Case, Ctx } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API';
const GUIDE = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

async function setVersioning(ctx: Ctx, b: string, Status: BucketVersioningStatus): Promise<void> {
  await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status } }));
}

async function versioned(ctx: Ctx, prefix = 'ver'): Promise<string> {
  const b = await ctx.bucket(prefix);
  await setVersioning(ctx, b, 'Enabled');
  return b;
}

async function put(ctx: Ctx, b: string, key: string, body: string): Promise<string | undefined> {
  return (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: body }))).VersionId;
}

async function text(ctx: Ctx, b: string, key: string, versionId?: string): Promise<string> {
  return bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: key, VersionId: versionId }))).Body);
}

/** [VersionId, IsLatest, kind] of every entry for `key`, in listing order (newest first). */
async function versionsOf(ctx: Ctx, b: string, key: string): Promise<Array<[string, boolean, 'v' | 'dm']>> {
  const { entries } = await listVersionsRaw(ctx, b, { prefix: key });
  return entries.filter((e) => e.key === key).map((e) => [e.versionId, e.isLatest, e.kind === 'Version' ? 'v' : 'dm']);
}

export const cases: Case[] = [
  {
    name: 'a new bucket has no versioning status: an empty VersioningConfiguration',
    ref: `${API}/API_GetBucketVersioning.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-new');
      const res = await ctx.raw({ method: 'GET', path: `/${b}?versioning` });
      assert.equal(res.status, 200);
      const doc = parseXml(res.text);
      assert.ok('VersioningConfiguration' in doc, res.text);
      assert.equal(doc.VersioningConfiguration?.Status, undefined);
      const out = await ctx.s3.send(new GetBucketVersioningCommand({ Bucket: b }));
      assert.equal(out.Status, undefined);
    },
  },
  {
    name: 'enable, then suspend: GetBucketVersioning follows',
    ref: `${API}/API_PutBucketVersioning.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-status');
      await setVersioning(ctx, b, 'Enabled');
      assert.equal((await ctx.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, 'Enabled');
      await setVersioning(ctx, b, 'Suspended');
      assert.equal((await ctx.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status, 'Suspended');
    },
  },
  {
    name: 'a Status other than Enabled or Suspended: 400 MalformedXML',
    ref: `${API}/API_PutBucketVersioning.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-bad');
      const body = `<VersioningConfiguration xmlns="${NS}"><Status>On</Status></VersioningConfiguration>`;
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}?versioning`, body }), 400, 'MalformedXML');
    },
  },
  {
    name: 'a versioning body that is not XML: 400 MalformedXML',
    ref: `${API}/API_PutBucketVersioning.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-notxml');
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}?versioning`, body: '<VersioningConfiguration><Status>Enabled' }), 400, 'MalformedXML');
    },
  },
  {
    name: 'versioning of a missing bucket: 404 NoSuchBucket',
    ref: `${API}/API_GetBucketVersioning.html`,
    async run(ctx) {
      expectRawError(await ctx.raw({ method: 'GET', path: '/no-such-bucket-for-versioning?versioning' }), 404, 'NoSuchBucket');
    },
  },
  {
    name: 'another account cannot change versioning: 403 AccessDenied',
    ref: `${API}/API_PutBucketVersioning.html`,
    async run(ctx) {
      assert.ok(ctx.s3Other, 'needs a second user');
      const b = await ctx.bucket('ver-other');
      await expectError(ctx.s3Other.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } })), { status: 403, code: 'AccessDenied' });
    },
  },
  {
    name: 'each put in an enabled bucket returns a new x-amz-version-id; GET and HEAD name the latest',
    ref: `${API}/API_PutObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'one');
      const v2 = await put(ctx, b, 'k', 'two');
      assert.ok(v1 && v2 && v1 !== v2 && v1 !== 'null' && v2 !== 'null');
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(g.VersionId, v2);
      assert.equal(await bodyText(g.Body), 'two');
      assert.equal((await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).VersionId, v2);
    },
  },
  {
    name: 'GET and HEAD with an older versionId return that version',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'first!');
      await put(ctx, b, 'k', 'second');
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
      assert.equal(g.VersionId, v1);
      assert.equal(await bodyText(g.Body), 'first!');
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
      assert.equal(h.ContentLength, 6);
    },
  },
  {
    name: 'DELETE without versionId: 204 with x-amz-delete-marker: true and the marker\'s version id',
    ref: `${API}/API_DeleteObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'x');
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/k` });
      assert.equal(res.status, 204);
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
      const dm = res.headers['x-amz-version-id'];
      assert.ok(dm && dm !== 'null');
      assert.deepEqual((await versionsOf(ctx, b, 'k'))[0], [dm, true, 'dm']);
    },
  },
  {
    name: 'GET a key whose current version is a delete marker: 404 NoSuchKey with x-amz-delete-marker',
    ref: `${GUIDE}/DeleteMarker.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'x');
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}/k` });
      expectRawError(res, 404, 'NoSuchKey');
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
    },
  },
  {
    name: 'that 404 names the delete marker in x-amz-version-id',
    ref: `${GUIDE}/DeleteMarker.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'x');
      const dm = (await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId;
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}/k` });
      assert.equal(res.status, 404);
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
      assert.equal(res.headers['x-amz-version-id'], dm);
    },
  },
  {
    name: 'GET and HEAD of a delete marker by versionId: 405 MethodNotAllowed with x-amz-delete-marker',
    ref: `${GUIDE}/DeleteMarker.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'x');
      const dm = (await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId!;
      const g = await ctx.raw({ method: 'GET', path: `/${b}/k?versionId=${encodeURIComponent(dm)}` });
      expectRawError(g, 405, 'MethodNotAllowed');
      assert.equal(g.headers['x-amz-delete-marker'], 'true');
      const h = await ctx.raw({ method: 'HEAD', path: `/${b}/k?versionId=${encodeURIComponent(dm)}` });
      assert.equal(h.status, 405);
      assert.equal(h.headers['x-amz-delete-marker'], 'true');
    },
  },
  {
    name: 'DELETE the delete marker by versionId: 204 with x-amz-delete-marker; the object is back',
    ref: `${GUIDE}/ManagingDelMarkers.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'alive');
      const dm = (await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }))).VersionId!;
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/k?versionId=${encodeURIComponent(dm)}` });
      assert.equal(res.status, 204);
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
      assert.equal(res.headers['x-amz-version-id'], dm);
      assert.equal(await text(ctx, b, 'k'), 'alive');
    },
  },
  {
    name: 'DELETE a version by versionId: 204 naming it, no marker; it is gone for good',
    ref: `${API}/API_DeleteObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'one');
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/k?versionId=${encodeURIComponent(v1!)}` });
      assert.equal(res.status, 204);
      assert.equal(res.headers['x-amz-version-id'], v1);
      assert.equal(res.headers['x-amz-delete-marker'], undefined);
      assert.deepEqual(await versionsOf(ctx, b, 'k'), []);
    },
  },
  {
    name: 'deleting the latest version for good makes the previous one current',
    ref: `${GUIDE}/DeletingObjectVersions.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'one');
      const v2 = await put(ctx, b, 'k', 'two');
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 }));
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(g.VersionId, v1);
      assert.equal(await bodyText(g.Body), 'one');
    },
  },
  {
    name: 'GET a version that was deleted for good: 404 NoSuchVersion',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'keep');
      const v = await put(ctx, b, 'k', 'drop');
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v }));
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k?versionId=${encodeURIComponent(v!)}` }), 404, 'NoSuchVersion');
    },
  },
  {
    name: 'DELETE of a key that never existed in a versioned bucket still writes a delete marker',
    ref: `${GUIDE}/DeleteMarker.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/never` });
      assert.equal(res.status, 204);
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
      assert.deepEqual(await versionsOf(ctx, b, 'never'), [[res.headers['x-amz-version-id'], true, 'dm']]);
    },
  },
  {
    name: 'a versionId of another key: 404 NoSuchVersion',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const va = await put(ctx, b, 'a', 'of a');
      await put(ctx, b, 'b', 'of b');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/b?versionId=${encodeURIComponent(va!)}` }), 404, 'NoSuchVersion');
    },
  },
  {
    name: 'versionId=null where the key has no null version: 404 NoSuchVersion',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'versioned only');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k?versionId=null` }), 404, 'NoSuchVersion');
    },
  },
  {
    name: 'a malformed versionId: 400 InvalidArgument',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      await put(ctx, b, 'k', 'x');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k?versionId=${encodeURIComponent('not a version id!')}` }), 400, 'InvalidArgument');
    },
  },
  {
    name: 'an object written before versioning was enabled keeps version id null',
    ref: `${GUIDE}/AddingObjectstoVersioningSuspendedBuckets.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-null');
      await put(ctx, b, 'k', 'before');
      await setVersioning(ctx, b, 'Enabled');
      const v = await put(ctx, b, 'k', 'after');
      assert.equal(await text(ctx, b, 'k', 'null'), 'before');
      assert.equal(await text(ctx, b, 'k'), 'after');
      assert.deepEqual((await versionsOf(ctx, b, 'k')).map((x) => x[0]), [v, 'null']);
    },
  },
  {
    name: 'suspended bucket: puts write the null version, replacing the previous null version',
    ref: `${GUIDE}/AddingObjectstoVersionSuspendedBuckets.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'enabled');
      await setVersioning(ctx, b, 'Suspended');
      await put(ctx, b, 'k', 'null one');
      await put(ctx, b, 'k', 'null two');
      assert.deepEqual(await versionsOf(ctx, b, 'k'), [['null', true, 'v'], [v1, false, 'v']]);
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
      assert.equal(await bodyText(g.Body), 'null two');
      assert.equal(await text(ctx, b, 'k', v1), 'enabled');
    },
  },
  {
    name: 'suspended bucket: DELETE puts a null delete marker in place of the null version',
    ref: `${GUIDE}/DeletingObjectsfromVersioningSuspendedBuckets.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'enabled');
      await setVersioning(ctx, b, 'Suspended');
      await put(ctx, b, 'k', 'null');
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/k` });
      assert.equal(res.status, 204);
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
      assert.equal(res.headers['x-amz-version-id'], 'null');
      assert.deepEqual(await versionsOf(ctx, b, 'k'), [['null', true, 'dm'], [v1, false, 'v']]);
    },
  },
  {
    name: 'suspending keeps every existing version readable',
    ref: `${GUIDE}/VersionSuspendedBehavior.html`,
    async run(ctx) {
      const b = await versioned(ctx);
      const v1 = await put(ctx, b, 'k', 'one');
      const v2 = await put(ctx, b, 'k', 'two');
      await setVersioning(ctx, b, 'Suspended');
      assert.equal(await text(ctx, b, 'k', v1), 'one');
      assert.equal(await text(ctx, b, 'k', v2), 'two');
    },
  },
  {
    name: 'an unversioned bucket: DELETE ?versionId=null removes the object',
    ref: `${API}/API_DeleteObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-delnull');
      await put(ctx, b, 'k', 'x');
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/k?versionId=null` });
      assert.equal(res.status, 204);
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/k` }), 404, 'NoSuchKey');
    },
  },
  {
    name: 'an unversioned bucket: DELETE removes the object outright, nothing left to list',
    ref: `${API}/API_DeleteObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('ver-plain');
      await put(ctx, b, 'k', 'x');
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
      assert.deepEqual(await versionsOf(ctx, b, 'k'), []);
    },
  },
];
