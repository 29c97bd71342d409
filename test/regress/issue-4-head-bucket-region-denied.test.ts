/**
 * Issue #4 (real clients, sdk16): HeadBucket refused for want of permission answered a bare 403.
 * S3 sends the bucket's region anyway — "regardless of the permissions on the bucket, you will
 * receive a response header with the correct bucket location" (S3 API reference, HeadBucket) —
 * which tools use to find a bucket's region before they sign for it. A missing bucket stays 404.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send } from '../integration/s3/helpers.js';

test('HeadBucket denied (another user, anonymous) carries x-amz-bucket-region; a missing bucket does not', async () => {
  const { service } = await makeService({ region: 'eu-central-1' });
  assert.equal((await send(service, { method: 'PUT', path: '/regioned' })).status, 200);
  const own = await send(service, { method: 'HEAD', path: '/regioned' });
  assert.equal(own.status, 200);
  assert.equal(own.headers['x-amz-bucket-region'], 'eu-central-1');
  for (const as of [BOB, null]) {
    const r = await send(service, { method: 'HEAD', path: '/regioned', as });
    assert.equal(r.status, 403, `as ${as?.name ?? 'anonymous'}`);
    assert.equal(r.headers['x-amz-bucket-region'], 'eu-central-1', `as ${as?.name ?? 'anonymous'}`);
    const missing = await send(service, { method: 'HEAD', path: '/no-such-bucket-here', as });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-amz-bucket-region'], undefined);
  }
  // Only HeadBucket: another operation refused stays as it was.
  const list = await send(service, { method: 'GET', path: '/regioned?list-type=2', as: BOB });
  assert.equal(list.status, 403);
  assert.equal(list.headers['x-amz-bucket-region'], undefined);
});
