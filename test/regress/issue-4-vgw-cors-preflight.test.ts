/**
 * Issue #4 (found auditing versitygw tests/integration/OPTIONS.go against LocalStack's recordings of
 * S3, tests/aws/services/s3/test_s3_cors.snapshot.json):
 * - a preflight's Access-Control-Allow-Headers echoed the requested names as sent; S3 answers them
 *   in lower case (`x-AMZ-expected-BUCKET-owner` → `x-amz-expected-bucket-owner`, recording
 *   `opt-get-allowed-diff-casing`; versitygw PreflightOPTIONS_access_granted).
 * - every refused preflight said "This CORS request is not allowed…"; S3 says "CORSResponse: Bucket
 *   not found" for a missing bucket and "CORSResponse: CORS is not enabled for this bucket." for a
 *   bucket without rules, with ResourceType BUCKET even for a key (test_cors_http_options_non_existent_bucket,
 *   test_cors_http_options_no_config). A configuration that matches nothing keeps the long message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const preflight = (path: string, headers: Record<string, string> = {}) => ({
  method: 'OPTIONS', path, as: null, headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', ...headers },
});

test('preflight: Access-Control-Allow-Headers lists the requested headers in lower case', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/pfh' });
  const cfg = '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>'
    + '<AllowedHeader>x-amz-expected-bucket-owner</AllowedHeader><AllowedHeader>X-Amz-Server-Side-Encryption</AllowedHeader></CORSRule></CORSConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/pfh?cors', body: cfg })).status, 200);
  const res = await send(service, preflight('/pfh/k', { 'access-control-request-headers': 'x-AMZ-expected-BUCKET-owner, X-Amz-Server-Side-Encryption' }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['access-control-allow-headers'], 'x-amz-expected-bucket-owner, x-amz-server-side-encryption');
});

test('preflight refusals: missing bucket, bucket without CORS, no matching rule', async () => {
  const { service } = await makeService();
  const missing = await send(service, preflight('/pfh-missing/k'));
  assert.equal(missing.status, 403);
  assert.equal(xmlText(missing.text, 'Code'), 'AccessForbidden');
  assert.equal(xmlText(missing.text, 'Message'), 'CORSResponse: Bucket not found');
  assert.equal(xmlText(missing.text, 'Method'), 'PUT');
  assert.equal(xmlText(missing.text, 'ResourceType'), 'BUCKET');

  await send(service, { method: 'PUT', path: '/pfh-none' });
  const none = await send(service, preflight('/pfh-none/k'));
  assert.equal(none.status, 403);
  assert.equal(xmlText(none.text, 'Code'), 'AccessForbidden');
  assert.equal(xmlText(none.text, 'Message'), 'CORSResponse: CORS is not enabled for this bucket.');
  assert.equal(xmlText(none.text, 'ResourceType'), 'BUCKET');

  const cfg = '<CORSConfiguration><CORSRule><AllowedOrigin>https://other.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/pfh-none?cors', body: cfg })).status, 200);
  const miss = await send(service, preflight('/pfh-none/k'));
  assert.equal(miss.status, 403);
  assert.match(xmlText(miss.text, 'Message') ?? '', /^CORSResponse: This CORS request is not allowed\./);
  assert.equal(xmlText(miss.text, 'ResourceType'), 'OBJECT');
});
