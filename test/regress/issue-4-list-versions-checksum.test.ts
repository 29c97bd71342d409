/**
 * Issue #4 (found by exploratory testing with raw requests): ListObjectVersions left out
 * `ChecksumAlgorithm` and `ChecksumType` of each `<Version>` (ListObjectsV2 shows them). AWS
 * (API_ObjectVersion): "ChecksumAlgorithm: The algorithm that was used to create a checksum of the
 * object." and "ChecksumType: The checksum type that is used to calculate the object's checksum
 * value." Listings read no version manifest, so the engine now passes them on from the record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, ListObjectVersionsCommand, PutBucketVersioningCommand,
  PutObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('ListObjectVersions: each Version carries ChecksumAlgorithm and ChecksumType like ListObjectsV2', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { requestChecksumCalculation: 'WHEN_REQUIRED' });
  const Bucket = 'lv-checksums';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', ChecksumAlgorithm: 'SHA1' }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', ChecksumAlgorithm: 'CRC32C' }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'no checksum' }));
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', ChecksumAlgorithm: 'CRC32' }));
  const p = await s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: 'part', ChecksumAlgorithm: 'CRC32' }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 }] } }));

  const { Versions = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket }));
  assert.deepEqual(Versions.map((v) => [v.Key, v.ChecksumAlgorithm, v.ChecksumType]), [
    ['k', ['CRC32C'], 'FULL_OBJECT'],
    ['k', ['SHA1'], 'FULL_OBJECT'],
    ['mp', ['CRC32'], 'COMPOSITE'],
    ['plain', undefined, undefined],
  ]);
});
