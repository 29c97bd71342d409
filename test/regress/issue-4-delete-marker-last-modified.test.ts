/**
 * Issue #4 (found by exploratory testing with boto3): GET/HEAD naming a delete marker by versionId
 * answered 405 MethodNotAllowed with `x-amz-delete-marker` and `Allow: DELETE` but without
 * `Last-Modified`. AWS documents it (API_GetObject and API_HeadObject, x-amz-delete-marker): "If
 * the specified version in the request is a delete marker, the response returns a 405 Method Not
 * Allowed error and the Last-Modified: timestamp response header." The marker's time is the one
 * ListObjectVersions shows for it. Real HTTP (the gateway's error path), real SDK v3 and raw HEAD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand,
  PutBucketVersioningCommand, PutObjectCommand, S3ServiceException,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

async function failure(p: Promise<unknown>): Promise<{ status: number; headers: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof S3ServiceException, String(e));
    return { status: e.$metadata.httpStatusCode ?? 0, headers: e.$response?.headers ?? {} };
  }
  assert.fail('expected an error');
}

test('GET/HEAD of a delete marker by versionId: 405 with Last-Modified (the marker\'s time), x-amz-delete-marker, Allow: DELETE', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'dm-lastmod';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'v1' }));
  const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
  assert.equal(del.DeleteMarker, true);
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  const marker = listed.DeleteMarkers?.[0];
  assert.ok(marker?.LastModified);
  assert.equal(marker.VersionId, del.VersionId);
  const when = marker.LastModified.toUTCString();

  for (const cmd of [new GetObjectCommand({ Bucket, Key: 'k', VersionId: del.VersionId }), new HeadObjectCommand({ Bucket, Key: 'k', VersionId: del.VersionId })]) {
    const f = await failure(s3.send(cmd));
    assert.equal(f.status, 405, cmd.constructor.name);
    assert.equal(f.headers['x-amz-delete-marker'], 'true');
    assert.equal(f.headers['x-amz-version-id'], del.VersionId);
    assert.equal(f.headers.allow, 'DELETE');
    assert.equal(f.headers['last-modified'], when, `${cmd.constructor.name} Last-Modified`);
  }

  // Suspended bucket: the null marker too.
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
  const nullDel = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
  assert.equal(nullDel.VersionId, 'null');
  const again = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  const nullMarker = again.DeleteMarkers?.find((m) => m.VersionId === 'null');
  const f = await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: 'null' })));
  assert.equal(f.status, 405);
  assert.equal(f.headers['last-modified'], nullMarker?.LastModified?.toUTCString());

  // The current version being a marker is a plain 404 (no versionId asked): marker headers only.
  const cur = await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'k' })));
  assert.equal(cur.status, 404);
  assert.equal(cur.headers['x-amz-delete-marker'], 'true');
  assert.equal(cur.headers['x-amz-version-id'], 'null');
});
