/**
 * Regression (issue #5, faults/fuzz): a bucket name longer than the metadata store's key bound
 * (~2,000 bytes) in the path, in `x-amz-copy-source` or in a CORS preflight, and an over-long copy
 * source key, reached the engine's lookup and failed with 500 InternalError. Names no bucket (over
 * 255 bytes) or key (over 1024 bytes) can have are now refused first: 400 InvalidBucketName /
 * KeyTooLongError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { startGateway } from '../helpers/gateway.js';
import { errorCode, send } from '../integration/faults/helpers.js';

test('over-long bucket names and copy-source keys: 400, never 500', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const keys = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<string> => {
    const r = await send(pool, gw.url, { method, path, headers, body, sign: keys });
    return `${r.status} ${errorCode(r.body) ?? ''}`.trim();
  };
  assert.equal(await call('PUT', '/long-names'), '200');
  assert.equal(await call('PUT', '/long-names/k', {}, 'x'), '200');
  const long = 'x'.repeat(3000);
  assert.equal(await call('GET', `/${long}`), '400 InvalidBucketName');
  assert.equal(await call('PUT', `/${long}/k`, {}, 'x'), '400 InvalidBucketName');
  assert.equal(await call('OPTIONS', `/${long}/k`, { origin: 'https://a.example', 'access-control-request-method': 'GET' }), '400 InvalidBucketName');
  assert.equal(await call('PUT', '/long-names/c1', { 'x-amz-copy-source': `/${long}/k` }), '400 InvalidBucketName');
  assert.equal(await call('PUT', '/long-names/c2', { 'x-amz-copy-source': `/long-names/${long}` }), '400 KeyTooLongError');
  // Up to the longest name a bucket can have, the answer is as before.
  assert.equal(await call('GET', `/${'y'.repeat(255)}`), '404 NoSuchBucket');
});
