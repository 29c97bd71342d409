/**
 * Issue #4 (versitygw audit, CompleteMultipartUpload_multiple_final_checksums): a Complete carrying
 * two `x-amz-checksum-<alg>` headers was accepted (200), or answered by whichever later check
 * failed first (BadDigest for a checksum-type mismatch). More than one checksum header is 400
 * InvalidRequest "Expecting a single x-amz-checksum- header. Multiple checksum Types are not
 * allowed." on every request that carries checksums (s3-surface.md §5.1; S3's text as quoted for
 * UploadPart in versitygw#1188). Nothing is committed; a single header keeps its §5.3 treatment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('CompleteMultipartUpload with two x-amz-checksum headers: 400 InvalidRequest, nothing committed', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { maxAttempts: 1 });
  const Bucket = 'mp-cks';
  await s3.send(new CreateBucketCommand({ Bucket }));
  for (const [Key, create] of [['plain', {}], ['crc32', { ChecksumAlgorithm: 'CRC32' as const }], ['full', { ChecksumAlgorithm: 'CRC32' as const, ChecksumType: 'FULL_OBJECT' as const }]] as const) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ...create }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part', ...(create.ChecksumAlgorithm ? { ChecksumAlgorithm: 'CRC32' } : {}) }));
    const Parts = [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }];
    const e = await errorOf(s3.send(new CompleteMultipartUploadCommand({
      Bucket, Key, UploadId, MultipartUpload: { Parts }, ChecksumCRC32: 'sGc9Hg==', ChecksumCRC32C: '/2NsFg==',
      ...(Key === 'crc32' ? { ChecksumType: 'FULL_OBJECT' as const } : {}),
    })));
    assert.equal(e.$metadata.httpStatusCode, 400, Key);
    assert.equal(e.name, 'InvalidRequest', Key);
    assert.match(e.message, /Expecting a single x-amz-checksum- header/, Key);
    assert.equal((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key })))).$metadata.httpStatusCode, 404, `${Key}: nothing committed`);
    // One header (minio-go sends the empty CRC32C on every Complete) still completes.
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts }, ChecksumCRC32C: 'AAAAAA==' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength, 4);
  }
});
