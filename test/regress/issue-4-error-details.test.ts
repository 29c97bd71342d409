/**
 * Issue #4, details of two error answers (found by the session-8 client and copy reviews):
 * - GET with a failing `If-Unmodified-Since` answered 412 with `<Condition>If-Match</Condition>`
 *   whatever header failed; S3 names the header that decided (as its copy-source 412s do).
 * - DeleteBucket of a non-empty bucket that has had versioning answered S3's short message; S3 says
 *   "The bucket you tried to delete is not empty. You must delete all versions in the bucket." there
 *   (409 BucketNotEmpty as reported by aws-nuke#64, cloud-nuke#369 and the aws CLI), and the short
 *   one for a bucket that never had versioning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const VERSIONING_ON = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';

test('GET 412: <Condition> names the precondition that failed', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/cnd' });
  await send(service, { method: 'PUT', path: '/cnd/k', body: 'x' });
  const past = 'Sat, 01 Jan 2000 00:00:00 GMT';
  const ius = await send(service, { method: 'GET', path: '/cnd/k', headers: { 'if-unmodified-since': past } });
  assert.equal(ius.status, 412);
  assert.equal(xmlText(ius.text, 'Condition'), 'If-Unmodified-Since');
  const im = await send(service, { method: 'GET', path: '/cnd/k', headers: { 'if-match': '"nope"' } });
  assert.equal(im.status, 412);
  assert.equal(xmlText(im.text, 'Condition'), 'If-Match');
});

test('DeleteBucket: a versioned bucket that is not empty gets the message about versions', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/plainb' });
  await send(service, { method: 'PUT', path: '/plainb/k', body: 'x' });
  const plain = await send(service, { method: 'DELETE', path: '/plainb' });
  assert.equal(plain.status, 409);
  assert.equal(xmlText(plain.text, 'Code'), 'BucketNotEmpty');
  assert.equal(xmlText(plain.text, 'Message'), 'The bucket you tried to delete is not empty');

  await send(service, { method: 'PUT', path: '/verb' });
  assert.equal((await send(service, { method: 'PUT', path: '/verb?versioning', body: VERSIONING_ON })).status, 200);
  await send(service, { method: 'PUT', path: '/verb/k', body: 'x' });
  // Only a delete marker and the version under it remain: still not empty.
  assert.equal((await send(service, { method: 'DELETE', path: '/verb/k' })).status, 204);
  const versioned = await send(service, { method: 'DELETE', path: '/verb' });
  assert.equal(versioned.status, 409);
  assert.equal(xmlText(versioned.text, 'Code'), 'BucketNotEmpty');
  assert.equal(xmlText(versioned.text, 'Message'), 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.');
});
