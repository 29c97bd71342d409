/**
 * Issue #4 (tag visibility): GetObject sends `x-amz-tagging-count` "when you have the relevant
 * permission to read object tags" (API_GetObject.html, response headers). Anyone who could read a
 * public-read object saw how many tags it had, though tagging is in no ACL permission.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send } from '../integration/s3/helpers.js';

test('x-amz-tagging-count only for callers who may read the tags', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/tagcnt' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/tagcnt/k', body: 'v', headers: { 'x-amz-acl': 'public-read', 'x-amz-tagging': 'a=1&b=2' } })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/tagcnt/k' })).headers['x-amz-tagging-count'], '2');
  for (const as of [null, BOB]) {
    const res = await send(service, { method: 'GET', path: '/tagcnt/k', as });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-amz-tagging-count'], undefined);
  }
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: BOB.accessKey }, Action: 's3:GetObjectTagging', Resource: 'arn:aws:s3:::tagcnt/*' }] });
  assert.equal((await send(service, { method: 'PUT', path: '/tagcnt?policy', body: policy })).status, 204);
  assert.equal((await send(service, { method: 'GET', path: '/tagcnt/k', as: BOB })).headers['x-amz-tagging-count'], '2');
  assert.equal((await send(service, { method: 'GET', path: '/tagcnt/k', as: null })).headers['x-amz-tagging-count'], undefined);
});
