/**
 * Issue #4: ListObjects (V1) answered an anonymous requester with each entry's <Owner> (the owner's
 * canonical id and display name). S3 leaves <Owner> out of an unsigned listing of a public-read
 * bucket while the signed listing of the same bucket has it (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3.py test_bucket_name_with_dots: request_path_url_content and
 * request_vhost_url_content, Contents of Key, LastModified, ETag, Size, StorageClass only, against
 * list_objects with Owner).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send } from '../integration/s3/helpers.js';

test('an anonymous ListObjects names no Owner; the owner\'s listing does', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/anonlist', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/anonlist/my-content', body: 'something' })).status, 200);

  const anon = await send(service, { method: 'GET', path: '/anonlist', as: null });
  assert.equal(anon.status, 200, anon.text);
  assert.match(anon.text, /<Contents><Key>my-content<\/Key>/);
  assert.doesNotMatch(anon.text, /<Owner>/);

  const signed = await send(service, { method: 'GET', path: '/anonlist' });
  assert.equal(signed.status, 200, signed.text);
  assert.match(signed.text, /<Contents>.*<Owner><ID>[0-9a-f]{64}<\/ID>/);
});
