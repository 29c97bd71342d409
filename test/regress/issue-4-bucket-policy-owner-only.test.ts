/**
 * Issue #4 (bucket policy administration): Get/Put/DeleteBucketPolicy are the bucket owner's.
 * AWS API_PutBucketPolicy.html (the same text on GetBucketPolicy and DeleteBucketPolicy): "If you
 * have the correct permissions, but you're not using an identity that belongs to the bucket
 * owner's account, Amazon S3 returns a 405 Method Not Allowed error", and "the root principal in
 * the bucket owner's account can perform the GetBucketPolicy, PutBucketPolicy, and
 * DeleteBucketPolicy API actions, even if their bucket policy explicitly denies the root principal's
 * access".
 *
 * Before: a policy granting another user `s3:*` let that user replace the policy (make the bucket
 * public, lock the owner out) or delete it; and a policy denying `s3:*` to `*` locked the owner out
 * of the bucket for good, since not even DeleteBucketPolicy got through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'polown';
const policy = (effect: string, principal: unknown): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: effect, Principal: principal, Action: 's3:*', Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] }],
});

test('another user granted s3:* may use the bucket but not read, replace or delete its policy: 405', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  const grant = policy('Allow', { AWS: BOB.accessKey });
  assert.equal((await send(service, { method: 'PUT', path: `/${B}?policy`, body: grant })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/k`, body: 'v', as: BOB })).status, 200, 'the grant works');
  for (const [method, body] of [['GET', undefined], ['PUT', policy('Allow', '*')], ['DELETE', undefined]] as const) {
    const res = await send(service, { method, path: `/${B}?policy`, as: BOB, ...(body ? { body } : {}) });
    assert.equal(res.status, 405, `${method}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'MethodNotAllowed');
  }
  const kept = await send(service, { method: 'GET', path: `/${B}?policy` });
  assert.equal(kept.status, 200);
  assert.deepEqual(JSON.parse(kept.text), JSON.parse(grant), 'policy unchanged');
  // Without any grant it stays 403.
  assert.equal((await send(service, { method: 'GET', path: `/${B}?policy`, as: null })).status, 403);
});

test('a Deny of s3:* to everyone does not lock the owner out of the policy itself', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy('Deny', '*') })).status, 204);
  assert.equal((await send(service, { method: 'GET', path: `/${B}?list-type=2` })).status, 403, 'the Deny binds the owner elsewhere');
  assert.equal((await send(service, { method: 'GET', path: `/${B}?policy` })).status, 200);
  assert.equal((await send(service, { method: 'DELETE', path: `/${B}?policy` })).status, 204);
  assert.equal((await send(service, { method: 'GET', path: `/${B}?list-type=2` })).status, 200, 'owner back in');
});
