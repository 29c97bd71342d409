/**
 * Issue #4 (found by exploratory testing with the aws CLI, `s3api get-object --sse-customer-key`):
 * a GetObject, HeadObject or GetObjectAttributes sending SSE-C headers
 * (x-amz-server-side-encryption-customer-*, "decrypt with this key") answered 200 with the stored
 * bytes, although no object here is SSE-C encrypted (writes asking for it answer 501). AWS answers such a read of an object that is not SSE-C
 * encrypted with 400 InvalidRequest "The encryption parameters are not applicable to this object."
 * (boto/boto3#982; MinIO errInvalidEncryptionParameters, minio/minio#7332). A key that does not
 * exist stays 404, and the same reads without the headers are unchanged. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectAttributesCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

const SSE_C = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.alloc(32, 7).toString('base64') };

test('GetObject / HeadObject / GetObjectAttributes with SSE-C headers on an object stored without SSE-C: 400 InvalidRequest', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'sse-c-read';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'plain' }));

  const get = await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'k', ...SSE_C })));
  assert.equal(get.$metadata.httpStatusCode, 400);
  assert.equal(get.name, 'InvalidRequest');
  assert.equal(get.message, 'The encryption parameters are not applicable to this object.');

  const ranged = await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'k', Range: 'bytes=0-1', ...SSE_C })));
  assert.equal(ranged.$metadata.httpStatusCode, 400);

  const head = await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'k', ...SSE_C })));
  assert.equal(head.$metadata.httpStatusCode, 400);

  const attrs = await errorOf(s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'k', ObjectAttributes: ['ETag'], ...SSE_C })));
  assert.equal(attrs.$metadata.httpStatusCode, 400);
  assert.equal(attrs.name, 'InvalidRequest');

  const missing = await errorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'absent', ...SSE_C })));
  assert.equal(missing.$metadata.httpStatusCode, 404);
  assert.equal(missing.name, 'NoSuchKey');

  const plain = await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
  assert.equal(await plain.Body?.transformToString(), 'plain');
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }))).ContentLength, 5);
});
