/**
 * Issue #4 (LocalStack's AWS-validated tests/aws/services/s3/test_s3_cors.py): a preflight with
 * `Origin` and no `Access-Control-Request-Method` answered 400 BadRequest "Invalid
 * Access-Control-Request-Method: null" before the bucket was looked at. S3 refuses a missing bucket
 * and a bucket without CORS rules first: 403 AccessForbidden "CORSResponse: Bucket not found" /
 * "CORSResponse: CORS is not enabled for this bucket.", `<Method>OPTIONS</Method>`,
 * `<ResourceType>BUCKET</ResourceType>` (test_s3_cors.snapshot.json
 * test_cors_http_options_non_existent_bucket `options-with-origin`, test_cors_http_options_no_config
 * `options-with-origin-no-method`). A bucket with rules still answers the 400 (s3-surface.md §7).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const originOnly = (path: string) => ({ method: 'OPTIONS', path, as: null, headers: { origin: 'whatever' } });

test('preflight without Access-Control-Request-Method: the missing bucket or CORS configuration comes first', async () => {
  const { service } = await makeService();
  const missing = await send(service, originOnly('/pfm-missing/k'));
  assert.equal(missing.status, 403, missing.text);
  assert.equal(xmlText(missing.text, 'Code'), 'AccessForbidden');
  assert.equal(xmlText(missing.text, 'Message'), 'CORSResponse: Bucket not found');
  assert.equal(xmlText(missing.text, 'Method'), 'OPTIONS');
  assert.equal(xmlText(missing.text, 'ResourceType'), 'BUCKET');

  await send(service, { method: 'PUT', path: '/pfm' });
  const none = await send(service, originOnly('/pfm/k'));
  assert.equal(none.status, 403, none.text);
  assert.equal(xmlText(none.text, 'Code'), 'AccessForbidden');
  assert.equal(xmlText(none.text, 'Message'), 'CORSResponse: CORS is not enabled for this bucket.');
  assert.equal(xmlText(none.text, 'Method'), 'OPTIONS');
  assert.equal(xmlText(none.text, 'ResourceType'), 'BUCKET');

  const cfg = '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/pfm?cors', body: cfg })).status, 200);
  const configured = await send(service, originOnly('/pfm/k'));
  assert.equal(configured.status, 400, configured.text);
  assert.equal(xmlText(configured.text, 'Code'), 'BadRequest');
});
