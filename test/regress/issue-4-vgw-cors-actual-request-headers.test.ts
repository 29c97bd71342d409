/**
 * Issue #4 (found auditing versitygw's CORS tests, tests/integration/general.go CORSMiddleware_*,
 * against LocalStack's recordings of S3, tests/aws/services/s3/test_s3_cors.snapshot.json
 * test_cors_match_headers): an actual GET from an allowed origin that sends
 * `Access-Control-Request-Headers` naming a header the rule does not allow got the rule's CORS
 * headers. S3 matches those headers as for a preflight and sends no CORS headers then
 * (`get-non-allowed-with-acl`); the same GET sending the header itself, without
 * Access-Control-Request-Headers, gets them (`get-non-allowed`), as does one whose requested headers
 * the rule allows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send } from '../integration/s3/helpers.js';

const ORIGIN = 'https://localhost:4200';

test('actual request: Access-Control-Request-Headers must be allowed for CORS headers', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/acrh' });
  await send(service, { method: 'PUT', path: '/acrh/k', body: 'test-cors' });
  const cfg = `<CORSConfiguration><CORSRule><AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`
    + '<AllowedHeader>x-amz-expected-bucket-owner</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/acrh?cors', body: cfg })).status, 200);

  const refused = await send(service, { method: 'GET', path: '/acrh/k', headers: { origin: ORIGIN, 'access-control-request-headers': 'x-amz-request-payer' } });
  assert.equal(refused.status, 200);
  assert.equal(refused.text, 'test-cors');
  assert.equal(refused.headers['access-control-allow-origin'], undefined);
  assert.equal(refused.headers['access-control-allow-methods'], undefined);

  const plain = await send(service, { method: 'GET', path: '/acrh/k', headers: { origin: ORIGIN, 'x-amz-request-payer': 'requester' } });
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['access-control-allow-origin'], ORIGIN);

  const allowed = await send(service, { method: 'GET', path: '/acrh/k', headers: { origin: ORIGIN, 'access-control-request-headers': 'X-Amz-Expected-Bucket-Owner' } });
  assert.equal(allowed.headers['access-control-allow-origin'], ORIGIN);
  assert.equal(allowed.headers['access-control-max-age'], '3000');
});
