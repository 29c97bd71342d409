/**
 * Issue #4 (versitygw audit, ListObjects_invalid_max_keys, ListObjectVersions_negative_max_keys,
 * ListMultipartUploads_invalid_max_uploads, ListParts_invalid_max_parts): a negative listing limit
 * answered 400 InvalidArgument "Provided max-keys not an integer or within integer range", S3's text
 * for a value that is not an int32. S3 words a negative one otherwise: "Argument maxKeys must be an
 * integer between 0 and 2147483647" (ArgumentName maxKeys) for ListObjects/ListObjectsV2 (measured
 * in brekkylab/backlot#192; floci-io/floci#3510; versitygw#1804), "max-keys cannot be negative" for
 * ListObjectVersions (versitygw#1809), "Argument max-uploads / max-parts must be an integer between
 * 0 and 2147483647" (versitygw#1804). The code and status were already right.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsCommand, ListObjectsV2Command,
  ListObjectVersionsCommand, ListPartsCommand,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('negative listing limits: 400 InvalidArgument with S3 texts; a non-int32 keeps its own', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'limits';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'k' }));
  const cases: [string, Promise<unknown>, string][] = [
    ['ListObjectsV2', s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: -5 })), 'Argument maxKeys must be an integer between 0 and 2147483647'],
    ['ListObjects', s3.send(new ListObjectsCommand({ Bucket, MaxKeys: -5 })), 'Argument maxKeys must be an integer between 0 and 2147483647'],
    ['ListObjectVersions', s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: -123 })), 'max-keys cannot be negative'],
    ['ListMultipartUploads', s3.send(new ListMultipartUploadsCommand({ Bucket, MaxUploads: -3 })), 'Argument max-uploads must be an integer between 0 and 2147483647'],
    ['ListParts', s3.send(new ListPartsCommand({ Bucket, Key: 'k', UploadId, MaxParts: -3 })), 'Argument max-parts must be an integer between 0 and 2147483647'],
    ['ListObjectsV2 overflow', s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 2147483648 })), 'Provided max-keys not an integer or within integer range'],
  ];
  for (const [what, p, message] of cases) {
    const e = await errorOf(p);
    assert.equal(e.$metadata.httpStatusCode, 400, what);
    assert.equal(e.name, 'InvalidArgument', what);
    assert.equal(e.message, message, what);
  }
});
