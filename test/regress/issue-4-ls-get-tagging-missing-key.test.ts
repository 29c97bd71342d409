/**
 * Issue #4 (LocalStack's AWS-validated tests/aws/services/s3/test_s3_api.py test_object_tagging_exc):
 * GetObjectTagging of a key that does not exist answered 404 NoSuchKey with `<Key>fake-key</Key>`.
 * S3 names the key with its bucket there, `<Key>bucket/fake-key</Key>` (recording get-no-key-tags,
 * the bucket name replaced by <bucket:1>), while PutObjectTagging and DeleteObjectTagging name the
 * key alone (put-no-key-tags, delete-no-key-tags), as GetObject does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('NoSuchKey from GetObjectTagging names bucket/key, from Put/DeleteObjectTagging the key', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/tgk' });
  const get = await send(service, { method: 'GET', path: '/tgk/fake-key?tagging' });
  assert.equal(get.status, 404, get.text);
  assert.equal(xmlText(get.text, 'Code'), 'NoSuchKey');
  assert.equal(xmlText(get.text, 'Key'), 'tgk/fake-key');
  const put = await send(service, { method: 'PUT', path: '/tgk/fake-key?tagging', body: '<Tagging><TagSet></TagSet></Tagging>' });
  assert.equal(put.status, 404, put.text);
  assert.equal(xmlText(put.text, 'Key'), 'fake-key');
  const del = await send(service, { method: 'DELETE', path: '/tgk/fake-key?tagging' });
  assert.equal(del.status, 404, del.text);
  assert.equal(xmlText(del.text, 'Key'), 'fake-key');
  const obj = await send(service, { method: 'GET', path: '/tgk/fake-key' });
  assert.equal(xmlText(obj.text, 'Key'), 'fake-key');
});
