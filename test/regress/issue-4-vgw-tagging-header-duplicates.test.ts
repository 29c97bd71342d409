/**
 * Issue #4 (versitygw audit, CreateMultipartUpload_with_tagging): an `x-amz-tagging` header naming
 * one key twice (`key=val&key=val`) was answered 400 InvalidTag "Cannot provide multiple Tags with
 * the same key", the tag-set XML's answer. S3 refuses such a header as malformed: 400
 * InvalidArgument "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query
 * parameters without tag name duplicates." (`--tagging 'a=&a='` against AWS, open-io/swift3#92).
 * PutObject and CreateMultipartUpload read the header alike; nothing is stored or started. The XML
 * body of PutObjectTagging keeps InvalidTag for a repeated key. A pair with an empty key (`=`) is
 * refused the same way (versitygw#1215, compared with S3; was InvalidTag), while `&` and `key=` are
 * accepted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('x-amz-tagging with a repeated key: 400 InvalidArgument on PutObject and CreateMultipartUpload, nothing stored', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'tags' }));
  for (const Tagging of ['a=&a=', 'key=val&key=val', 'k=1&j=2&k+x=3&k=4', 'k%20x=1&k+x=2', '=', '=v', 'k=1&=']) {
    const put = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'o', Body: 'x', Tagging })));
    assert.equal(put.$metadata.httpStatusCode, 400, Tagging);
    assert.equal(put.name, 'InvalidArgument', Tagging);
    assert.match(put.message, /without tag name duplicates/, Tagging);
    const mp = await errorOf(s3.send(new CreateMultipartUploadCommand({ Bucket: 'tags', Key: 'm', Tagging })));
    assert.equal(mp.$metadata.httpStatusCode, 400, Tagging);
    assert.equal(mp.name, 'InvalidArgument', Tagging);
  }
  assert.equal((await errorOf(s3.send(new HeadObjectCommand({ Bucket: 'tags', Key: 'o' })))).$metadata.httpStatusCode, 404);
  assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'tags' }))).Uploads, undefined);
  // Distinct keys still work (an empty value or a bare '&' too); the XML tag set keeps its own
  // answer for a repeated key.
  await s3.send(new PutObjectCommand({ Bucket: 'tags', Key: 'o', Body: 'x', Tagging: '&a=1&b=&' }));
  const xml = await errorOf(s3.send(new PutObjectTaggingCommand({ Bucket: 'tags', Key: 'o', Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } })));
  assert.equal(xml.name, 'InvalidTag');
});
