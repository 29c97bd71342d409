/**
 * Issue #4 (found by exploratory testing with boto3 1.43, whose S3 model has ChecksumSHA512,
 * ChecksumMD5, ChecksumXXHASH64, ChecksumXXHASH3 and ChecksumXXHASH128): a PutObject or UploadPart
 * with `x-amz-checksum-sha512` (or -md5, -xxhash64, -xxhash3, -xxhash128) was stored with the
 * header skipped, so a body that did not match the checksum the client sent answered 200 and was
 * kept, unverified, and no checksum came back. S3 computes these algorithms; this gateway does not,
 * and already refuses them by name in x-amz-checksum-algorithm and x-amz-sdk-checksum-algorithm
 * (400 InvalidRequest). A value for one of them, as a header or as an aws-chunked trailer, is now
 * the same 400 InvalidRequest, nothing stored. Real HTTP: SDK v3 for the headers, a raw
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER request for the trailer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand,
  UploadPartCommand, type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Pool } from 'undici';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';
import { send } from '../integration/faults/helpers.js';

const zeros = (n: number): string => Buffer.alloc(n).toString('base64');
const VALUES: [string, Partial<PutObjectCommandInput>][] = [
  ['SHA512', { ChecksumSHA512: zeros(64) }],
  ['MD5', { ChecksumMD5: zeros(16) }],
  ['XXHASH64', { ChecksumXXHASH64: zeros(8) }],
  ['XXHASH3', { ChecksumXXHASH3: zeros(8) }],
  ['XXHASH128', { ChecksumXXHASH128: zeros(16) }],
];

test('a checksum value of an algorithm the gateway does not compute: 400 InvalidRequest, nothing stored', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'new-checksums';
  await s3.send(new CreateBucketCommand({ Bucket }));

  for (const [alg, value] of VALUES) {
    const err = await errorOf(s3.send(new PutObjectCommand({ Bucket, Key: `put-${alg}`, Body: 'hello', ...value })));
    assert.equal(err.$metadata.httpStatusCode, 400, alg);
    assert.equal(err.name, 'InvalidRequest', alg);
    assert.equal(err.message, `Checksum algorithm ${alg} is not supported`, alg);
  }

  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu' }));
  const part = await errorOf(s3.send(new UploadPartCommand({ Bucket, Key: 'mpu', UploadId, PartNumber: 1, Body: 'hello', ChecksumSHA512: zeros(64) })));
  assert.equal(part.$metadata.httpStatusCode, 400);
  assert.equal((await s3.send(new ListPartsCommand({ Bucket, Key: 'mpu', UploadId }))).Parts, undefined, 'no part stored');

  // The same algorithm named as an aws-chunked trailer (unsigned streaming payload, as SDKs send).
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const body = '5\r\nhello\r\n0\r\nx-amz-checksum-sha512:' + zeros(64) + '\r\n\r\n';
  const trailer = await send(pool, gw.url, {
    method: 'PUT',
    path: `/${Bucket}/trailer`,
    headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-sha512' },
    body,
    sign: { accessKey: gw.accessKey, secretKey: gw.secretKey },
    contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  });
  assert.equal(trailer.status, 400, trailer.body.toString());
  assert.match(trailer.body.toString(), /<Code>InvalidRequest<\/Code><Message>Checksum algorithm SHA512 is not supported<\/Message>/);

  const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
  assert.equal(listed.KeyCount, 0, 'nothing stored');
});
