/**
 * Issue #4 (found by exploratory testing with boto3 and SDK v3): GetObjectAttributes rendered the
 * part count as `<TotalPartsCount>`, so every SDK read ObjectParts.TotalPartsCount as absent. The
 * member is named TotalPartsCount but its XML name is `PartsCount` (S3 Smithy model,
 * GetObjectAttributesParts: `@xmlName("PartsCount")`; botocore's `locationName: PartsCount`, the
 * v3 SDK's and the Rust SDK's deserializers match `PartsCount`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('GetObjectAttributes ObjectParts: SDK v3 reads TotalPartsCount (wire element PartsCount), paging kept', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } });
  const Bucket = 'attr-parts';
  const Key = 'k';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32C' }));
  const Parts = [];
  for (const PartNumber of [1, 2, 3]) {
    const r = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: `part ${PartNumber}`, ChecksumAlgorithm: 'CRC32C' }));
    Parts.push({ PartNumber, ETag: r.ETag, ChecksumCRC32C: r.ChecksumCRC32C });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));

  const all = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'] }));
  assert.equal(all.ObjectParts?.TotalPartsCount, 3);
  assert.deepEqual(all.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.ChecksumCRC32C]), Parts.map((p) => [p.PartNumber, p.ChecksumCRC32C]));

  const page = await s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ObjectParts'], MaxParts: 1, PartNumberMarker: '1' }));
  assert.equal(page.ObjectParts?.TotalPartsCount, 3, 'the total, not the page size');
  assert.equal(page.ObjectParts?.IsTruncated, true);
  assert.equal(page.ObjectParts?.NextPartNumberMarker, '2');
  assert.deepEqual(page.ObjectParts?.Parts?.map((p) => p.PartNumber), [2]);
});
