/**
 * Issue #4: a lifecycle Expiration `<Date>` that is not midnight GMT answered 400 InvalidArgument
 * "'Date' must be at midnight GMT" with no further fields. S3 names the element and echoes the
 * value: `<ArgumentName>Date</ArgumentName><ArgumentValue>…</ArgumentValue>` (LocalStack's
 * AWS-validated tests/aws/services/s3/test_s3.py TestS3BucketLifecycle::test_put_bucket_lifecycle_conf_exc,
 * test_s3.snapshot.json wrong-data-no-midnight). Nothing is stored.
 */
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('a lifecycle Date not at midnight names Date and its value', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/lcdate' })).status, 200);
  const body = '<LifecycleConfiguration><Rule><ID>wrong-data</ID><Filter/><Status>Enabled</Status>'
    + '<Expiration><Date>2023-01-01T02:02:00Z</Date></Expiration></Rule></LifecycleConfiguration>';
  const md5 = createHash('md5').update(body).digest('base64');
  const r = await send(service, { method: 'PUT', path: '/lcdate?lifecycle', body, headers: { 'content-md5': md5 } });
  assert.equal(r.status, 400, r.text);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
  assert.equal(xmlText(r.text, 'Message'), '\'Date\' must be at midnight GMT');
  assert.equal(xmlText(r.text, 'ArgumentName'), 'Date');
  assert.equal(xmlText(r.text, 'ArgumentValue'), '2023-01-01T02:02:00Z');
  assert.equal((await send(service, { method: 'GET', path: '/lcdate?lifecycle' })).status, 404, 'nothing stored');
});
