/**
 * Issue #4 (versitygw audit, GetObject_with_range, HeadObject_with_range,
 * HeadObject_by_range_resp_status): a Range header with whitespace inside (`bytes= -1`,
 * `bytes=0 -1`) was read as if the spaces were not there — 206 with the last byte, or with bytes
 * 0-1 for `0 -1`. RFC 9110 §14.1.2 allows no whitespace there, so the header is malformed and S3
 * ignores it: 200 with the whole object and no Content-Range (versitygw's expectations, written
 * against S3; s3-surface.md §4.6 "a syntactically invalid header is ignored").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a Range header with whitespace inside is ignored: 200, whole object, no Content-Range', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'rng' }));
  const body = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
  await s3.send(new PutObjectCommand({ Bucket: 'rng', Key: 'o', Body: body }));
  for (const Range of ['bytes= -1', 'bytes=0 -1', 'bytes =0-1', 'bytes=0- 1', 'bytes=5 -10']) {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'rng', Key: 'o', Range }));
    assert.equal(got.$metadata.httpStatusCode, 200, Range);
    assert.equal(got.ContentRange, undefined, Range);
    assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body, Range);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'rng', Key: 'o', Range }));
    assert.equal(head.$metadata.httpStatusCode, 200, Range);
    assert.equal(head.ContentLength, 100, Range);
  }
  // Well-formed ranges are still served, case-insensitive unit included.
  const part = await s3.send(new GetObjectCommand({ Bucket: 'rng', Key: 'o', Range: 'bytes=-1' }));
  assert.equal(part.ContentRange, 'bytes 99-99/100');
  assert.equal((await s3.send(new GetObjectCommand({ Bucket: 'rng', Key: 'o', Range: 'Bytes=00-01' }))).ContentRange, 'bytes 0-1/100');
});
