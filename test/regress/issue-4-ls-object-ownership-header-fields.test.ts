/**
 * Issue #4 (LocalStack's AWS-validated tests/aws/services/s3/test_s3_api.py
 * test_bucket_ownership_controls_exc): CreateBucket with an `x-amz-object-ownership` that is none of
 * the three settings answered 400 InvalidArgument with ArgumentName and an ArgumentValue echoing the
 * header. S3 sends ArgumentName x-amz-object-ownership alone, for a wrong value ("Invalid
 * x-amz-object-ownership header: RandomValue", recording ownership-wrong-value-at-creation) as for
 * an empty one ("Invalid x-amz-object-ownership header: ", ownership-non-value-at-creation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('CreateBucket with an unknown x-amz-object-ownership: InvalidArgument without ArgumentValue', async () => {
  const { service } = await makeService();
  for (const value of ['RandomValue', '']) {
    const res = await send(service, { method: 'PUT', path: '/own-bad', headers: { 'x-amz-object-ownership': value } });
    assert.equal(res.status, 400, res.text);
    assert.equal(xmlText(res.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(res.text, 'Message'), `Invalid x-amz-object-ownership header: ${value}`);
    assert.equal(xmlText(res.text, 'ArgumentName'), 'x-amz-object-ownership');
    assert.doesNotMatch(res.text, /<ArgumentValue/, value);
  }
  assert.equal((await send(service, { method: 'HEAD', path: '/own-bad' })).status, 404, 'nothing was created');
});
