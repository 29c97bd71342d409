/**
 * Issue #4: conditional-write headers S3 does not take on PutObject. S3 answers each 501
 * NotImplemented naming the header and saying why in <additionalMessage> (LocalStack's
 * AWS-validated tests/aws/services/s3/test_s3_api.py TestS3ObjectWritePrecondition):
 * - If-Match and If-None-Match together: Header "If-Match,If-None-Match", "Multiple conditional
 *   request headers present in the request" (put-obj-both-precondition); the gateway evaluated
 *   both;
 * - If-Match: *: Header If-Match, "We don't accept the provided value of If-Match header for this
 *   API" (put-obj-if-match-star-value); the gateway took it as "any current object";
 * - If-None-Match other than *: already 501, now with S3's <additionalMessage>
 *   (put-obj-if-none-match-bad-value).
 * Nothing is written. DeleteObject's If-Match: * (API_DeleteObject allows it) is unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('PutObject: both conditions, If-Match: * and a non-* If-None-Match are 501 with S3\'s additionalMessage', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/wni' });
  const put = await send(service, { method: 'PUT', path: '/wni/k', body: 'first' });
  const cases: { headers: Record<string, string>; header: string; message: string }[] = [
    { headers: { 'if-none-match': '*', 'if-match': 'abcdef' }, header: 'If-Match,If-None-Match', message: 'Multiple conditional request headers present in the request' },
    { headers: { 'if-match': '*' }, header: 'If-Match', message: 'We don\'t accept the provided value of If-Match header for this API' },
    { headers: { 'if-none-match': String(put.headers.etag) }, header: 'If-None-Match', message: 'We don\'t accept the provided value of If-None-Match header for this API' },
  ];
  for (const c of cases) {
    const r = await send(service, { method: 'PUT', path: '/wni/k', body: 'second', headers: c.headers });
    assert.equal(r.status, 501, `${c.header}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'NotImplemented');
    assert.equal(xmlText(r.text, 'Header'), c.header);
    assert.equal(xmlText(r.text, 'additionalMessage'), c.message);
  }
  assert.equal((await send(service, { method: 'GET', path: '/wni/k' })).text, 'first', 'nothing was written');
  assert.equal((await send(service, { method: 'DELETE', path: '/wni/k', headers: { 'if-match': '*' } })).status, 204, 'DeleteObject takes If-Match: *');
});
