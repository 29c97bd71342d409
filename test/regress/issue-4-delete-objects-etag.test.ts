/**
 * Issue #4 (found by exploratory testing with boto3, delete_objects with an object's ETag):
 * DeleteObjects ignored the `<ETag>` of an `<Object>` and deleted the key whatever its ETag, so a
 * client guarding a batch delete against concurrent overwrites lost the newer data. AWS documents
 * the element as the DeleteObjects form of a conditional delete, for general purpose buckets too
 * (User Guide, "How to perform conditional deletes": a failed precondition is that object's
 * `<Error>`, the other keys are deleted). Now each `<ETag>` is the If-Match of that key's delete,
 * as DeleteObject's `If-Match` header is. Real HTTP, SDK v3 (ObjectIdentifier.ETag).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('DeleteObjects: an object\'s ETag is a condition on its delete', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'delete-etag';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const keep = await s3.send(new PutObjectCommand({ Bucket, Key: 'keep', Body: 'newer data' }));
  const go = await s3.send(new PutObjectCommand({ Bucket, Key: 'go', Body: 'old data' }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'x' }));
  assert.ok(keep.ETag && go.ETag);

  const r = await s3.send(new DeleteObjectsCommand({
    Bucket,
    Delete: { Objects: [{ Key: 'keep', ETag: '"0123456789abcdef0123456789abcdef"' }, { Key: 'go', ETag: go.ETag }, { Key: 'plain' }] },
  }));
  assert.deepEqual(r.Errors?.map((e) => [e.Key, e.Code]), [['keep', 'PreconditionFailed']]);
  assert.deepEqual(r.Deleted?.map((d) => d.Key).sort(), ['go', 'plain']);
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'keep' }));
  assert.equal(head.ETag, keep.ETag, 'the object whose ETag did not match is kept');
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key: 'go' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 404);
});
