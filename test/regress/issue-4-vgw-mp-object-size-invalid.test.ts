/**
 * Issue #4 (versitygw audit, CompleteMultipartUpload_mpu_object_size): an `x-amz-mp-object-size`
 * that is negative or not an integer answered 400 InvalidArgument ("must be a non-negative
 * integer"). S3 answers 400 InvalidRequest, worded per case: "Value for x-amz-mp-object-size
 * header is invalid: 'size'" (S3's answer quoted in versitygw#1398) and "Value for
 * x-amz-mp-object-size header is less than zero: '-1'" (versitygw#1400). Nothing is committed;
 * the upload stays open and completes with the right size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('CompleteMultipartUpload: a negative or non-integer x-amz-mp-object-size is 400 InvalidRequest', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { maxAttempts: 1 });
  const Bucket = 'mp-size';
  const Key = 'k';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part' }));
  const complete = (size: string): CompleteMultipartUploadCommand => {
    const cmd = new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } });
    // Set before signing: the SDK's MpuObjectSize is a number and cannot carry 'size'.
    cmd.middlewareStack.add((next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-amz-mp-object-size'] = size;
      return next(args);
    }, { step: 'build' });
    return cmd;
  };
  for (const [size, message] of [
    ['-1', "Value for x-amz-mp-object-size header is less than zero: '-1'"],
    ['size', "Value for x-amz-mp-object-size header is invalid: 'size'"],
    ['1.5', "Value for x-amz-mp-object-size header is invalid: '1.5'"],
  ] as const) {
    const e = await errorOf(s3.send(complete(size)));
    assert.equal(e.$metadata.httpStatusCode, 400, size);
    assert.equal(e.name, 'InvalidRequest', size);
    assert.equal(e.message, message);
  }
  assert.equal((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key })))).$metadata.httpStatusCode, 404, 'nothing committed');
  await s3.send(complete('4'));
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength, 4);
});
