/**
 * Issue #4 (LocalStack's AWS-validated tests/aws/services/s3/test_s3_list_operations.py
 * test_list_ops_encoding_type_validation): an empty `encoding-type=` on a listing was taken as no
 * encoding and answered 200. S3 refuses it as it refuses any value but `url`: 400 InvalidArgument
 * "Invalid Encoding Method specified in Request", ArgumentName encoding-type, an empty ArgumentValue
 * (recordings `list_objects-error-empty-value`, `list_objects_v2-…`, `list_object_versions-…`,
 * `list_multipart_uploads-…`; the `-error-wrong-value` ones were already so).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('an empty encoding-type is refused by every listing', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/enc' });
  for (const q of ['', 'list-type=2&', 'versions&', 'uploads&']) {
    const res = await send(service, { method: 'GET', path: `/enc?${q}encoding-type=` });
    assert.equal(res.status, 400, `${q}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'InvalidArgument', q);
    assert.equal(xmlText(res.text, 'Message'), 'Invalid Encoding Method specified in Request', q);
    assert.equal(xmlText(res.text, 'ArgumentName'), 'encoding-type', q);
    assert.match(res.text, /<ArgumentValue(><\/ArgumentValue>|\/>)/, q);
    assert.equal((await send(service, { method: 'GET', path: `/enc?${q}encoding-type=url` })).status, 200, q);
  }
});
