/**
 * Issue #4 (found by exploratory testing with SDK v3): CompleteMultipartUpload ignored
 * `x-amz-checksum-type` (SDK `ChecksumType`), so a Complete asserting COMPOSITE on a FULL_OBJECT
 * upload (or the reverse) succeeded. AWS (API_CompleteMultipartUpload, x-amz-checksum-type): "If
 * the checksum type doesn't match the checksum type that was specified for the object during the
 * CreateMultipartUpload request, it'll result in a BadDigest error." Nothing is committed then.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, S3ServiceException,
  UploadPartCommand, type ChecksumType,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('CompleteMultipartUpload: x-amz-checksum-type must match the upload\'s type (BadDigest otherwise)', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { maxAttempts: 1 });
  const Bucket = 'complete-type';
  await s3.send(new CreateBucketCommand({ Bucket }));

  for (const [type, other] of [['FULL_OBJECT', 'COMPOSITE'], ['COMPOSITE', 'FULL_OBJECT']] as [ChecksumType, ChecksumType][]) {
    const Key = `k-${type}`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32', ChecksumType: type }));
    const p = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'data', ChecksumAlgorithm: 'CRC32' }));
    const Parts = [{ PartNumber: 1, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 }];
    await assert.rejects(
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, ChecksumType: other, MultipartUpload: { Parts } })),
      (e: unknown) => e instanceof S3ServiceException && e.name === 'BadDigest' && e.$metadata.httpStatusCode === 400,
      `${type} upload completed as ${other}`,
    );
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key })), (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, ChecksumType: type, MultipartUpload: { Parts } }));
    assert.equal(done.ChecksumType, type);
  }

  // An upload without a declared algorithm has no type to compare with: the header is not checked.
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'plain' }));
  const p = await s3.send(new UploadPartCommand({ Bucket, Key: 'plain', UploadId, PartNumber: 1, Body: 'data' }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'plain', UploadId, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
});
