/**
 * Issue #4 (versitygw audit, ListMultipartUploads_ignore_upload_id_marker): an `upload-id-marker`
 * sent without `key-marker` is ignored by S3 (API_ListMultipartUploads: "If key-marker is not
 * specified, the upload-id-marker parameter is ignored"), and S3 then answers an empty
 * `<UploadIdMarker/>` (versitygw#2150, compared with S3). The listing was already whole; the
 * marker was echoed back. With a key-marker it is still echoed and applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('ListMultipartUploads: upload-id-marker without key-marker is ignored and not echoed', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'mpu' }));
  const ids: string[] = [];
  for (const Key of ['a', 'b', 'c']) ids.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key }))).UploadId!);
  for (const UploadIdMarker of [ids[1]!, 'not-an-upload-id']) {
    const r = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', UploadIdMarker }));
    assert.deepEqual(r.Uploads?.map((u) => u.UploadId), ids, UploadIdMarker);
    assert.ok(r.UploadIdMarker === undefined || r.UploadIdMarker === '', `UploadIdMarker echoed: ${r.UploadIdMarker}`);
  }
  const withKey = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'mpu', KeyMarker: 'b', UploadIdMarker: ids[1]! }));
  assert.equal(withKey.UploadIdMarker, ids[1]);
  assert.deepEqual(withKey.Uploads?.map((u) => u.Key), ['c']);
});
