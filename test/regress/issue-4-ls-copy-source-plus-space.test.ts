/**
 * Issue #4 (x-amz-copy-source, LocalStack's AWS-validated test_copy_object_special_character_plus_
 * for_space): a `+` in the copy source named a key with a literal plus, so
 * `x-amz-copy-source: bucket%2Ftest+key.txt` (the form encoding Go clients use) answered 404
 * NoSuchKey for the object `test key.txt`. S3 decodes `+` as a space there: the LocalStack test,
 * run against AWS, copies `test key.txt` so; aws-cli#614 and aws-sdk-php#236 saw S3 answer
 * NoSuchKey for `foo++bar.txt` sent unencoded (S3 wants `foo%2B%2Bbar.txt`). A literal plus stays
 * reachable as %2B, which botocore and the SDKs send. UploadPartCopy parses the header the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('x-amz-copy-source: + is a space, %2B a plus', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/cpplus' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/cpplus/test%20key.txt', body: 'spaced' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/cpplus/a%2Bb', body: 'plussed' })).status, 200);

  const spaced = await send(service, { method: 'PUT', path: '/cpplus/dest-key', headers: { 'x-amz-copy-source': 'cpplus%2Ftest+key.txt' } });
  assert.equal(spaced.status, 200, spaced.text);
  assert.equal((await send(service, { method: 'GET', path: '/cpplus/dest-key' })).text, 'spaced');

  const plussed = await send(service, { method: 'PUT', path: '/cpplus/dest-plus', headers: { 'x-amz-copy-source': '/cpplus/a%2Bb' } });
  assert.equal(plussed.status, 200, plussed.text);
  assert.equal((await send(service, { method: 'GET', path: '/cpplus/dest-plus' })).text, 'plussed');

  // A raw '+' is a space, so it no longer names `a+b`.
  const raw = await send(service, { method: 'PUT', path: '/cpplus/dest-raw', headers: { 'x-amz-copy-source': '/cpplus/a+b' } });
  assert.equal(raw.status, 404);
  assert.equal(xmlText(raw.text, 'Code'), 'NoSuchKey');

  // UploadPartCopy reads the header the same way.
  const created = await send(service, { method: 'POST', path: '/cpplus/mp?uploads' });
  const uploadId = xmlText(created.text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/cpplus/mp?partNumber=1&uploadId=${uploadId}`, headers: { 'x-amz-copy-source': 'cpplus/test+key.txt' } });
  assert.equal(part.status, 200, part.text);
});
