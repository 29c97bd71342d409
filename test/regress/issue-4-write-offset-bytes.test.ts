/**
 * Issue #4 (found by exploratory testing with boto3, put_object(WriteOffsetBytes=1)): PutObject
 * ignored `x-amz-write-offset-bytes` and stored the body as the whole object, so an "append" of
 * `y` to `x` answered 200 and left `y`: the data the client meant to extend was replaced. Appends
 * exist only for S3 Express One Zone directory buckets (API_PutObject, WriteOffsetBytes), which
 * this gateway has none of; the write now answers 501 NotImplemented naming the header, and the
 * object is left as it was. Real HTTP, SDK v3 (it sends the header as given).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('PutObject with x-amz-write-offset-bytes: 501 NotImplemented, the object unchanged', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'write-offset';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'log', Body: 'x' }));

  for (const [Key, WriteOffsetBytes] of [['log', 1], ['new', 0]] as const) {
    const err = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'y', WriteOffsetBytes })).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof S3ServiceException, `${Key}: expected an S3 error, got ${String(err)}`);
    assert.equal(err.$metadata.httpStatusCode, 501, Key);
    assert.equal(err.name, 'NotImplemented', Key);
    assert.equal((err as S3ServiceException & { Header?: string }).Header, 'x-amz-write-offset-bytes', Key);
  }
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'log' }));
  assert.equal(await got.Body?.transformToString(), 'x', 'the object keeps its content');
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key: 'new' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 404, 'no object was created');
});
