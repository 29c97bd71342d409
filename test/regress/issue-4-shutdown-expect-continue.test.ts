/**
 * Issue #4 (review of 278ab9b), requests arriving on a kept-alive connection after shutdown began:
 * - one with `Expect: 100-continue` was prechecked by the S3 layer and told `100 Continue`, so the
 *   client started sending its body (up to 5 GiB), and only then got the 503 ServiceUnavailable and
 *   a closed connection (its body cut off, or the 503 lost to a reset). It is now refused before
 *   its body, as the other shed requests are: S3 XML 503, `Connection: close`, no `100 Continue`,
 *   and the S3 layer never sees it;
 * - a virtual-hosted request for a key under `/_ccow/` (an S3 request: buildApp's `wrap` sends it
 *   to the S3 layer) was let through like the gateway's own health paths, and served.
 *
 * Ordering without timers: the first request is in flight (half its body sent) when close() begins;
 * the pipelined request is written once Fastify has reached server.close(), i.e. after our preClose
 * hook marked the app as closing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp, startServer } from '../../src/http/index.js';
import { bodyOnContinue, connectRaw, serverCloseReached } from '../helpers/raw-http.js';
import { FakeS3 } from '../unit/http/fake-s3.js';

/** Raw responses on one connection: a request in flight, close() begins, then `second` pipelined behind it. */
async function pipelinedDuringClose(second: string, opts: { domain?: string } = {}): Promise<{ s3: FakeS3; responses: string[]; bodySent: boolean }> {
  const s3 = new FakeS3();
  const app = buildApp({ s3, ...opts });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  const firstArrived = new Promise<void>((resolve) => app.server.once('request', () => resolve()));
  const closing = serverCloseReached(app.server);
  // A client sends its body on 100 Continue.
  const continued = bodyOnContinue('hello');
  const conn = await connectRaw(port, continued.onData);
  conn.socket.write('PUT /summary/first HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcde');
  await firstArrived;
  const closed = app.close();
  await closing;
  conn.socket.write(`fghij${second}`);
  await conn.closed;
  await closed;
  return { s3, responses: conn.received().split(/(?=HTTP\/1\.1 )/), bodySent: continued.sent() };
}

function assertShed(responses: string[], resource: string): void {
  assert.match(responses[0] ?? '', /^HTTP\/1\.1 200 /, responses.join(''));
  assert.equal(responses.length, 2, responses.join(''));
  const shed = responses[1] ?? '';
  assert.match(shed, /^HTTP\/1\.1 503 /);
  assert.match(shed, /\r\ncontent-type: application\/xml\r\n/i);
  assert.match(shed, /\r\nconnection: close\r\n/i);
  assert.match(shed, /<Code>ServiceUnavailable<\/Code>/);
  assert.match(shed, new RegExp(`<Resource>${resource}</Resource>`));
}

test('shutdown: an Expect: 100-continue request arriving after close() began gets the S3 XML 503 instead of 100 Continue', async () => {
  const r = await pipelinedDuringClose('PUT /b/second HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  assertShed(r.responses, '/b/second');
  assert.equal(r.bodySent, false);
  // Neither prechecked nor handled by the S3 layer.
  assert.deepEqual(r.s3.prechecked.map((x) => x.url), []);
  assert.deepEqual(r.s3.seen.map((x) => x.req.url), ['/summary/first']);
});

test('shutdown: a virtual-hosted request for a key under /_ccow/ is shed like any S3 request (health paths are path-style only)', async () => {
  const r = await pipelinedDuringClose('GET /_ccow/health/live HTTP/1.1\r\nHost: bkt.example.test\r\n\r\n', { domain: 'example.test' });
  assertShed(r.responses, '/_ccow/health/live');
  assert.deepEqual(r.s3.seen.map((x) => x.req.url), ['/summary/first']);
});
