/**
 * Issue #4 (found by exploratory testing with boto3 1.43, abort_multipart_upload(
 * IfMatchInitiatedTime=datetime(2000, 1, 1))): AbortMultipartUpload ignored
 * `x-amz-if-match-initiated-time`, so an abort the client made conditional on the upload's
 * initiation time discarded the upload and its parts whatever that time was. It is a
 * directory-bucket condition (API_AbortMultipartUpload: a mismatch is 412 Precondition Failed);
 * there are no directory buckets here, so the abort now answers 501 NotImplemented naming the
 * header and the upload stays, as DeleteObject's x-amz-if-match-size does. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, ListPartsCommand, S3ServiceException, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('AbortMultipartUpload with x-amz-if-match-initiated-time: 501, the upload and its parts kept', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'abort-initiated';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'k' }));
  await s3.send(new UploadPartCommand({ Bucket, Key: 'k', UploadId, PartNumber: 1, Body: 'part one' }));

  const err = await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'k', UploadId, IfMatchInitiatedTime: new Date('2000-01-01T00:00:00Z') }))
    .then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof S3ServiceException, `expected an S3 error, got ${String(err)}`);
  assert.equal(err.$metadata.httpStatusCode, 501);
  assert.equal(err.name, 'NotImplemented');
  assert.equal((err as S3ServiceException & { Header?: string }).Header, 'x-amz-if-match-initiated-time');

  const parts = await s3.send(new ListPartsCommand({ Bucket, Key: 'k', UploadId }));
  assert.deepEqual(parts.Parts?.map((p) => p.PartNumber), [1], 'the upload and its part are still there');
  await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'k', UploadId }));
});
