/**
 * Issue #4 (LocalStack audit, tests/aws/services/s3/test_s3.py test_list_multipart_uploads_parameters
 * and test_multipart_and_list_parts, answers recorded from AWS in test_s3.snapshot.json):
 * ListMultipartUploads sends NextKeyMarker and NextUploadIdMarker on every page, naming the last
 * upload listed, with IsTruncated false too (list-uploads-basic, -max-uploads, -delimiter), and empty
 * when nothing is listed (list-all-uploads-completed). The gateway sent them only on truncated
 * pages. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('ListMultipartUploads: next markers on a complete page, empty ones when nothing is listed', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'uploads-markers';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const raw = async (query: string): Promise<string> => {
    const r = await s3.send(new ListMultipartUploadsCommand({ Bucket, ...(query ? { Prefix: query } : {}) }));
    return JSON.stringify([r.NextKeyMarker, r.NextUploadIdMarker]);
  };
  assert.equal(await raw(''), JSON.stringify(['', '']));

  const Key = 'test-multipart-uploads-parameters';
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'test' }));
  for (const extra of [{}, { MaxUploads: 1 }, { Delimiter: '/' }]) {
    const r = await s3.send(new ListMultipartUploadsCommand({ Bucket, ...extra }));
    assert.equal(r.IsTruncated, false);
    assert.equal(r.NextKeyMarker, Key, JSON.stringify(extra));
    assert.equal(r.NextUploadIdMarker, UploadId, JSON.stringify(extra));
  }
  assert.equal(await raw('test-'), JSON.stringify([Key, UploadId]));
  assert.equal(await raw('other-'), JSON.stringify(['', '']));
});
