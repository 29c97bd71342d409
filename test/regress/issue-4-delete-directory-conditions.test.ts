/**
 * Issue #4 (found by exploratory testing with boto3 1.43, delete_object(IfMatchSize=999) and
 * delete_objects(Objects=[{'Key': k, 'Size': 999}])): DeleteObject's `x-amz-if-match-size` and
 * `x-amz-if-match-last-modified-time`, and DeleteObjects' `<Size>` and `<LastModifiedTime>`, were
 * ignored, so a delete the client made conditional on the object's size or time removed the object
 * whatever they were. They are directory-bucket conditions (API_DeleteObject, API_ObjectIdentifier:
 * a mismatch is 412); there are no directory buckets here, so the request now answers 501
 * NotImplemented (naming the header for DeleteObject) and deletes nothing. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3ServiceException } from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('DeleteObject / DeleteObjects with size or modification-time conditions: 501, nothing deleted', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'delete-conditions';
  await s3.send(new CreateBucketCommand({ Bucket }));
  for (const Key of ['a', 'b']) await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'keep' }));

  const bySize = await errorOf(s3.send(new DeleteObjectCommand({ Bucket, Key: 'a', IfMatchSize: 999 })));
  assert.equal(bySize.$metadata.httpStatusCode, 501);
  assert.equal(bySize.name, 'NotImplemented');
  assert.equal((bySize as S3ServiceException & { Header?: string }).Header, 'x-amz-if-match-size');

  const byTime = await errorOf(s3.send(new DeleteObjectCommand({ Bucket, Key: 'a', IfMatchLastModifiedTime: new Date('2000-01-01T00:00:00Z') })));
  assert.equal(byTime.$metadata.httpStatusCode, 501);
  assert.equal((byTime as S3ServiceException & { Header?: string }).Header, 'x-amz-if-match-last-modified-time');

  for (const cond of [{ Size: 999 }, { LastModifiedTime: new Date('2000-01-01T00:00:00Z') }]) {
    const batch = await errorOf(s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'a', ...cond }, { Key: 'b' }] } })));
    assert.equal(batch.$metadata.httpStatusCode, 501, Object.keys(cond)[0]);
    assert.equal(batch.name, 'NotImplemented');
  }

  const left = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.deepEqual(left.Contents?.map((o) => o.Key), ['a', 'b'], 'both objects kept');
});
