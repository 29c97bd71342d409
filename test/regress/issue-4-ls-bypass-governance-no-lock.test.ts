/**
 * Issue #4 (LocalStack's AWS-validated tests/aws/services/s3/test_s3_api.py
 * test_delete_object_with_no_locking): DeleteObject and DeleteObjects with
 * `x-amz-bypass-governance-retention` ignored the header and deleted. Object Lock is not
 * implemented (s3-surface.md §3), so no bucket has it, and S3 refuses the header on a bucket without
 * Object Lock, true or false: 400 InvalidArgument "x-amz-bypass-governance-retention is only
 * applicable to Object Lock enabled buckets.", ArgumentName x-amz-bypass-governance-retention
 * (recordings delete-object-bypass-no-lock, delete-object-bypass-no-lock-false,
 * delete-objects-bypass-no-lock). Nothing is deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const MESSAGE = 'x-amz-bypass-governance-retention is only applicable to Object Lock enabled buckets.';

test('x-amz-bypass-governance-retention on a bucket without Object Lock is refused and deletes nothing', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/bgr' });
  assert.equal((await send(service, { method: 'PUT', path: '/bgr/k', body: 'test' })).status, 200);
  const body = '<Delete><Object><Key>k</Key></Object></Delete>';
  for (const [name, req] of [
    ['DeleteObject true', { method: 'DELETE', path: '/bgr/k', headers: { 'x-amz-bypass-governance-retention': 'true' } }],
    ['DeleteObject false', { method: 'DELETE', path: '/bgr/k', headers: { 'x-amz-bypass-governance-retention': 'false' } }],
    ['DeleteObjects true', { method: 'POST', path: '/bgr?delete', body, headers: { 'x-amz-bypass-governance-retention': 'true' } }],
  ] as const) {
    const res = await send(service, req);
    assert.equal(res.status, 400, `${name}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'InvalidArgument', name);
    assert.equal(xmlText(res.text, 'Message'), MESSAGE, name);
    assert.equal(xmlText(res.text, 'ArgumentName'), 'x-amz-bypass-governance-retention', name);
  }
  assert.equal((await send(service, { method: 'GET', path: '/bgr/k' })).text, 'test', 'nothing was deleted');
});
