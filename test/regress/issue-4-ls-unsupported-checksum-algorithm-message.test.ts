/**
 * Issue #4: CreateMultipartUpload (and CopyObject) with an `x-amz-checksum-algorithm` naming no
 * algorithm answered 400 InvalidRequest 'Checksum algorithm TEST is not supported', words of our
 * own. S3 answers 400 InvalidRequest 'Checksum algorithm provided is unsupported. Please try again
 * with any of the valid types: [CRC32, CRC32C, SHA1, SHA256]' (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3.py test_multipart_parts_checksum_exceptions, snapshot
 * create-mpu-wrong-checksum-algo, recorded before S3 added CRC64NVME); the list names the
 * algorithms the gateway takes, CRC64NVME included. Nothing is created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const MESSAGE = 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]';

test('an unknown x-amz-checksum-algorithm gets S3\'s words', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/uca' });
  await send(service, { method: 'PUT', path: '/uca/src', body: 'data' });

  const create = await send(service, { method: 'POST', path: '/uca/k?uploads', headers: { 'x-amz-checksum-algorithm': 'TEST' } });
  assert.equal(create.status, 400, create.text);
  assert.equal(xmlText(create.text, 'Code'), 'InvalidRequest');
  assert.equal(xmlText(create.text, 'Message'), MESSAGE);
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/uca?uploads' })).text, 'UploadId'), undefined, 'no upload created');

  const copy = await send(service, { method: 'PUT', path: '/uca/dst', headers: { 'x-amz-copy-source': '/uca/src', 'x-amz-checksum-algorithm': 'TEST' } });
  assert.equal(copy.status, 400, copy.text);
  assert.equal(xmlText(copy.text, 'Code'), 'InvalidRequest');
  assert.equal(xmlText(copy.text, 'Message'), MESSAGE);
  assert.equal((await send(service, { method: 'HEAD', path: '/uca/dst' })).status, 404, 'nothing copied');
});
