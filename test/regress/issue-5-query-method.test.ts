/**
 * Regression (issue #5, faults/fuzz): a request with the QUERY method (RFC 10008, which Fastify 5
 * routes as a body method) was refused by Fastify with a JSON 400 FST_ERR_ROUTE_MISSING_CONTENT_TYPE
 * — the gateway hides Content-Type from Fastify — instead of an S3 XML error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startGateway } from '../helpers/gateway.js';

test('QUERY gets an S3 XML error, with or without a Content-Type and a body', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  for (const headers of [{}, { 'content-type': 'application/json' }]) {
    for (const body of [undefined, '{"q":1}']) {
      const r = await request(`${gw.url}/some-bucket/key`, { method: 'QUERY', headers, body });
      const text = await r.body.text();
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${r.statusCode} ${text}`);
      assert.match(text, /<Error><Code>\w+<\/Code>/, text);
      assert.match(String(r.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
    }
  }
});
