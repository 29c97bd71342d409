/**
 * Issue #4 (found by the property fuzz test/integration/fuzz/xml-bodies in CI): CORS patterns were
 * matched by compiling each AllowedOrigin/AllowedHeader into a RegExp at every request, and V8
 * refuses to compile one of ~100,000 characters ("Regular expression too large"). A PutBucketCors
 * with such an AllowedOrigin (it fits the 256 KiB body cap) was stored, and from then on every
 * preflight of the bucket, and every CORS-matched request, was a 500. Patterns are now matched by
 * prefix and suffix around their one `*`, with the same meaning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send } from '../integration/s3/helpers.js';

const preflight = (origin: string, headers: Record<string, string> = {}) => ({
  method: 'OPTIONS', path: '/cors-long/x', headers: { origin, 'access-control-request-method': 'GET', ...headers },
});

test('a very long AllowedOrigin is matched, not compiled: preflights answer 200/403, never 500', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/cors-long' })).status, 200);
  const long = 'x'.repeat(120_000);
  const body = `<CORSConfiguration><CORSRule><AllowedOrigin>${long}</AllowedOrigin><AllowedOrigin>https://*.${long.slice(0, 50_000)}.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>X-Amz-*</AllowedHeader></CORSRule></CORSConfiguration>`;
  assert.equal((await send(service, { method: 'PUT', path: '/cors-long?cors', body })).status, 200);
  const miss = await send(service, preflight('https://a.example'));
  assert.equal(miss.status, 403, miss.text);
  const hit = await send(service, preflight(`https://app.${long.slice(0, 50_000)}.example`, { 'access-control-request-headers': 'x-amz-date, X-AMZ-CONTENT-SHA256' }));
  assert.equal(hit.status, 200, hit.text.slice(0, 300));
  assert.equal(hit.headers['access-control-allow-headers'], 'x-amz-date, x-amz-content-sha256');
  // The wildcard still needs the prefix and the suffix around it, and one header outside the pattern fails the preflight.
  assert.equal((await send(service, preflight(`https://${long.slice(0, 50_000)}.example`))).status, 403);
  assert.equal((await send(service, preflight(`https://app.${long.slice(0, 50_000)}.example`, { 'access-control-request-headers': 'content-type' }))).status, 403);
  // An exact origin of the full length matches too.
  assert.equal((await send(service, preflight(long))).status, 200);
});
