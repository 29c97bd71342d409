/**
 * Issue #4 (minio/mint aws-sdk-php quick-tests.php testAnonDeleteObjects): an anonymous DeleteObjects
 * on a private bucket (no policy, no public-write ACL) was refused whole with 403 AccessDenied,
 * while the same request from a signed caller without the permission, or from anyone once the
 * bucket had any policy, got S3's answer: 200 and an <Error> AccessDenied per key. S3 authorises
 * DeleteObjects key by key (API_DeleteObjects.html: "For each key, Amazon S3 performs a delete
 * operation and returns the result of that delete, success or failure, in the response"), and an
 * anonymous caller gets the same 200 with per-key AccessDenied: minio/minio#4817 ("In the case of
 * Amazon, if an anonymous user makes a delete multiple object request and is denied access, a
 * response with a 200 status code is returned ... and a list of errors for each item", compared
 * with Amazon by hand) and minio/mint#116 (the PHP test above). Nothing is deleted either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll } from '../integration/s3/helpers.js';

test('anonymous DeleteObjects on a private bucket: 200, AccessDenied for every key, nothing deleted', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/anondel' })).status, 200);
  for (const k of ['k1', 'dir/k2']) assert.equal((await send(service, { method: 'PUT', path: `/anondel/${k}`, body: k })).status, 200);

  const keys = ['k1', 'dir/k2', 'missing'];
  const body = `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;
  const r = await send(service, { method: 'POST', path: '/anondel?delete', body, as: null });
  assert.equal(r.status, 200, r.text);
  assert.doesNotMatch(r.text, /<Deleted>/, r.text);
  assert.deepEqual(xmlAll(r.text, 'Key'), keys, r.text);
  assert.deepEqual(xmlAll(r.text, 'Code'), ['AccessDenied', 'AccessDenied', 'AccessDenied'], r.text);

  // Quiet lists the errors too ("In quiet mode the response includes only keys where the delete
  // operation encountered an error").
  const quiet = await send(service, { method: 'POST', path: '/anondel?delete', body: body.replace('<Delete>', '<Delete><Quiet>true</Quiet>'), as: null });
  assert.equal(quiet.status, 200, quiet.text);
  assert.deepEqual(xmlAll(quiet.text, 'Code'), ['AccessDenied', 'AccessDenied', 'AccessDenied'], quiet.text);

  for (const k of ['k1', 'dir/k2']) assert.equal((await send(service, { method: 'GET', path: `/anondel/${k}` })).text, k);
});

test('anonymous DeleteObjects on a missing bucket is still 404 NoSuchBucket', async () => {
  const { service } = await makeService();
  const r = await send(service, { method: 'POST', path: '/nobucket?delete', body: '<Delete><Object><Key>k</Key></Object></Delete>', as: null });
  assert.equal(r.status, 404, r.text);
  assert.deepEqual(xmlAll(r.text, 'Code'), ['NoSuchBucket'], r.text);
});
