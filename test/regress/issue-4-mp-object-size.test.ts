/**
 * Issue #4 (found by exploratory testing with raw requests): CompleteMultipartUpload ignored
 * `x-amz-mp-object-size` (SDK v3 `MpuObjectSize`) and completed whatever the parts added up to.
 * AWS (API_CompleteMultipartUpload): "The expected total object size of the multipart upload
 * request. If there's a mismatch between the specified object size value and the actual object
 * size value, it results in an HTTP 400 InvalidRequest error." Nothing is committed then and the
 * upload stays open for a correct Complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListPartsCommand,
  S3ServiceException, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('CompleteMultipartUpload checks x-amz-mp-object-size: a mismatch is 400 InvalidRequest and commits nothing', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { maxAttempts: 1 });
  const Bucket = 'mp-size';
  const Key = 'k';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const Parts = [];
  for (const [PartNumber, Body] of [[1, 'first part'], [2, 'second']] as const) {
    const r = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body }));
    Parts.push({ PartNumber, ETag: r.ETag });
  }
  const total = 'first part'.length + 'second'.length;

  for (const wrong of [total - 1, total + 1, 0]) {
    await assert.rejects(
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MpuObjectSize: wrong, MultipartUpload: { Parts } })),
      (e: unknown) => e instanceof S3ServiceException && e.name === 'InvalidRequest' && e.$metadata.httpStatusCode === 400,
      `MpuObjectSize ${wrong}`,
    );
  }
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key })), (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404, 'nothing committed');
  assert.equal((await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }))).Parts?.length, 2, 'the upload is still open');

  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MpuObjectSize: total, MultipartUpload: { Parts } }));
  assert.match(done.ETag ?? '', /-2"$/);
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength, total);
});
