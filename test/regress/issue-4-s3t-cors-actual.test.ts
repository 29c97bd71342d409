/**
 * Issue #4 (s3-tests test_cors_origin_response): an actual (non-preflight) cross-origin request
 * that matched a rule got Allow-Origin but no `Access-Control-Allow-Methods` and no
 * `Access-Control-Max-Age`, which S3 sends on actual requests as on preflights (LocalStack's
 * recordings against S3, test_s3_cors.snapshot.json `get-right-origin`). And the rule was matched
 * with the request's own method even when it sent `Access-Control-Request-Method`, which S3 matches
 * with instead (recording `get-wrong-op`: a GET with `Access-Control-Request-Method: PUT` to a
 * GET-only rule gets no CORS headers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send } from '../integration/s3/helpers.js';

const CORS = '<CORSConfiguration>'
  + '<CORSRule><AllowedOrigin>*suffix</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>'
  + '<CORSRule><AllowedOrigin>*.put</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod></CORSRule>'
  + '</CORSConfiguration>';

async function setup(): Promise<Awaited<ReturnType<typeof makeService>>> {
  const s = await makeService();
  assert.equal((await send(s.service, { method: 'PUT', path: '/corsact' })).status, 200);
  assert.equal((await send(s.service, { method: 'PUT', path: '/corsact?cors', body: CORS })).status, 200);
  assert.equal((await send(s.service, { method: 'PUT', path: '/corsact/k', body: 'v' })).status, 200);
  return s;
}

test('an actual request that matches a rule gets the rule\'s Allow-Methods and Max-Age, on success and on error', async () => {
  const { service } = await setup();
  const ok = await send(service, { method: 'GET', path: '/corsact/k', headers: { origin: 'foo.suffix' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'foo.suffix');
  assert.equal(ok.headers['access-control-allow-methods'], 'GET');
  assert.equal(ok.headers['access-control-max-age'], '3000');
  const missing = await send(service, { method: 'GET', path: '/corsact/nokey', headers: { origin: 'foo.suffix' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['access-control-allow-methods'], 'GET');
  const denied = await send(service, { method: 'PUT', path: '/corsact/k2', as: BOB, body: 'x', headers: { origin: 'a.put' } });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers['access-control-allow-origin'], 'a.put');
  assert.equal(denied.headers['access-control-allow-methods'], 'PUT, GET');
  assert.equal(denied.headers['access-control-max-age'], undefined, 'the rule sets no MaxAgeSeconds');
});

test('an actual request is matched with its Access-Control-Request-Method when it sends one', async () => {
  const { service } = await setup();
  const wrong = await send(service, { method: 'GET', path: '/corsact/k', headers: { origin: 'foo.suffix', 'access-control-request-method': 'PUT' } });
  assert.equal(wrong.status, 200);
  assert.equal(wrong.headers['access-control-allow-origin'], undefined);
  const put = await send(service, { method: 'PUT', path: '/corsact/k3', as: BOB, body: 'x', headers: { origin: 'foo.suffix', 'access-control-request-method': 'GET' } });
  assert.equal(put.status, 403);
  assert.equal(put.headers['access-control-allow-origin'], 'foo.suffix');
  assert.equal(put.headers['access-control-allow-methods'], 'GET');
  const plainPut = await send(service, { method: 'PUT', path: '/corsact/k3', as: BOB, body: 'x', headers: { origin: 'foo.suffix' } });
  assert.equal(plainPut.headers['access-control-allow-origin'], undefined, 'PUT is not a method of the *suffix rule');
});
