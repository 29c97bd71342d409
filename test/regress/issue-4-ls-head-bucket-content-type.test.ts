/**
 * Issue #4: HeadBucket answered without a Content-Type. S3's answer, though bodiless, carries
 * `Content-Type: application/xml` beside x-amz-bucket-region and x-amz-access-point-alias
 * (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py test_create_bucket_head_bucket,
 * snapshots head_bucket_filtered_header and head_bucket_2_filtered_header). Checked on a real socket
 * too, where the HTTP layer could drop a content type from a response without a body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send } from '../integration/s3/helpers.js';
import { startGateway } from '../helpers/gateway.js';
import { Pool } from 'undici';
import { send as sendSigned } from '../integration/faults/helpers.js';

test('HeadBucket carries Content-Type: application/xml', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/hbct' });
  const r = await send(service, { method: 'HEAD', path: '/hbct' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/xml');
  assert.equal(r.headers['x-amz-access-point-alias'], 'false');
});

test('HeadBucket over a socket keeps the Content-Type', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const sign = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  assert.equal((await sendSigned(pool, gw.url, { method: 'PUT', path: '/hbct', sign })).status, 200);
  const r = await sendSigned(pool, gw.url, { method: 'HEAD', path: '/hbct', sign });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/xml');
});
