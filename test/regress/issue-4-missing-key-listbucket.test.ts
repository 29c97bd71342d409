/**
 * Issue #4 (authorisation of missing objects): what a GET/HEAD of a key that does not exist answers
 * depends on s3:ListBucket, as AWS documents for GetObject and HeadObject ("If the object you
 * request doesn't exist, the error that Amazon S3 returns depends on whether you also have the
 * s3:ListBucket permission": 404 NoSuchKey with it, 403 AccessDenied without).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Permissions)
 *
 * Two ways it went wrong: a caller whom a bucket policy allows s3:GetObject but not s3:ListBucket
 * got 404, which tells anyone which keys exist; and a caller who may list (a public-read bucket,
 * a bucket READ grant) got 403 for a missing key, where S3 says 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::mk-pol/pub/*' }],
});

test('GetObject allowed by policy without s3:ListBucket: a missing key is 403, an existing one 200', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol?policy', body: POLICY })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol/pub/a', body: 'x' })).status, 200);
  for (const as of [null, BOB]) {
    assert.equal((await send(service, { method: 'GET', path: '/mk-pol/pub/a', as })).status, 200);
    const get = await send(service, { method: 'GET', path: '/mk-pol/pub/missing', as });
    assert.equal(get.status, 403, get.text);
    assert.equal(xmlText(get.text, 'Code'), 'AccessDenied');
    assert.equal(xmlText(get.text, 'Key'), undefined, 'no key echoed for a concealed miss');
    const head = await send(service, { method: 'HEAD', path: '/mk-pol/pub/missing', as });
    assert.equal(head.status, 403);
  }
  // The owner may list: 404 NoSuchKey as before.
  const own = await send(service, { method: 'GET', path: '/mk-pol/pub/missing' });
  assert.equal(own.status, 404);
  assert.equal(xmlText(own.text, 'Code'), 'NoSuchKey');
});

test('a delete marker as current version is not revealed to a caller without s3:ListBucket', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol' })).status, 200);
  const versioning = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol?versioning', body: versioning })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol?policy', body: POLICY })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: '/mk-pol/pub/a', body: 'x' })).status, 200);
  assert.equal((await send(service, { method: 'DELETE', path: '/mk-pol/pub/a' })).status, 204);
  const get = await send(service, { method: 'GET', path: '/mk-pol/pub/a', as: null });
  assert.equal(get.status, 403);
  assert.equal(get.headers['x-amz-delete-marker'], undefined);
});

test('a caller who may list gets 404 NoSuchKey for a missing key, 403 for an existing object not granted to it', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/mk-acl', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/mk-acl/private', body: 'x' })).status, 200);
  for (const as of [null, BOB]) {
    const missing = await send(service, { method: 'GET', path: '/mk-acl/missing', as });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(xmlText(missing.text, 'Code'), 'NoSuchKey');
    assert.equal(xmlText(missing.text, 'Key'), 'missing');
    assert.equal((await send(service, { method: 'HEAD', path: '/mk-acl/missing', as })).status, 404);
    assert.equal((await send(service, { method: 'GET', path: '/mk-acl/private', as })).status, 403);
  }
  // Without any bucket grant the miss stays hidden.
  assert.equal((await send(service, { method: 'PUT', path: '/mk-acl?acl', headers: { 'x-amz-acl': 'private' } })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/mk-acl/missing', as: BOB })).status, 403);
});
