/**
 * Issue #4 (ceph/s3-tests test_object_content_encoding_aws_chunked, audit s3t6): a write whose
 * Content-Encoding named `aws-chunked` but whose body was not sent in that framing (no
 * `STREAMING-*` payload hash: boto3 over http, a buffer body, CreateMultipartUpload, CopyObject with
 * REPLACE) stored the header as sent, so GET/HEAD answered `Content-Encoding: aws-chunked` (or
 * `gzip, aws-chunked`), a coding no HTTP client can undo (curl error 61, versitygw#2398). S3 never
 * stores it: "Amazon S3 stores the resulting object without the aws-chunked value in the
 * content-encoding header. If aws-chunked is the only value that you pass in the content-encoding
 * header, S3 considers the content-encoding header empty and does not return this header"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html). Other codings are kept as
 * sent, `deflate, gzip` with its space.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  PutObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('aws-chunked is never stored as the object\'s Content-Encoding, framed body or not', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'ce-aws-chunked';
  await s3.send(new CreateBucketCommand({ Bucket }));

  const cases: [string, string | undefined][] = [
    ['gzip', 'gzip'],
    ['deflate, gzip', 'deflate, gzip'],
    ['gzip, aws-chunked', 'gzip'],
    ['aws-chunked, gzip', 'gzip'],
    ['aws-chunked', undefined],
    ['aws-chunked, aws-chunked', undefined],
  ];
  for (const [ContentEncoding, want] of cases) {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'empty', ContentEncoding, Body: '' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'empty' }));
    assert.equal(head.ContentEncoding, want, `PutObject with an empty body, Content-Encoding: ${ContentEncoding}`);

    await s3.send(new PutObjectCommand({ Bucket, Key: 'body', ContentEncoding, Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'body' }));
    assert.equal(got.ContentEncoding, want, `PutObject with a body, Content-Encoding: ${ContentEncoding}`);
    assert.equal(await got.Body?.transformToString(), 'hello', 'the body is stored as sent');
  }

  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', ContentEncoding: 'aws-chunked' }));
  const part = await s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'mp' }))).ContentEncoding, undefined, 'CreateMultipartUpload');

  await s3.send(new CopyObjectCommand({
    Bucket, Key: 'copy', CopySource: `${Bucket}/body`, MetadataDirective: 'REPLACE', ContentEncoding: 'gzip, aws-chunked',
  }));
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'copy' }))).ContentEncoding, 'gzip', 'CopyObject with REPLACE');
});
