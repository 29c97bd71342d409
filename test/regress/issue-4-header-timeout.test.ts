/**
 * Issue #4 (spec-conformance audit, s3-surface.md §10 "request header timeout 30 s"): a client that
 * stalled in its request headers was answered 400 RequestTimeout 30–60 s after it connected (43.5 s
 * in a probe of `ccow serve`), not at 30 s: Node enforces `headersTimeout` only when it checks its
 * connections, every `connectionsCheckingInterval`, 30 s by default. The server now checks every
 * second (a tenth of a shorter timeout), so the answer comes within a second of the timeout.
 *
 * With a 1 s header timeout the answer must come well before Node's default 30 s check: the bound
 * below (10 s) leaves a wide margin on a busy machine and still fails on the old code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/gateway.js';
import { connectRaw } from '../helpers/raw-http.js';

test('a request whose headers stall is answered 400 RequestTimeout at the header timeout, not at Node\'s next 30 s check', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway({ http: { timeouts: { headersMs: 1000 } } });
  t.after(() => gw.close());
  const conn = await connectRaw(gw.port);
  t.after(() => conn.socket.destroy());
  const started = Date.now();
  // The request line and one header, then nothing: the header block never ends.
  conn.socket.write('GET /_ccow/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n');

  const guard = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 10_000).unref());
  const outcome = await Promise.race([conn.closed.then(() => 'closed' as const), guard]);
  assert.equal(outcome, 'closed', `no answer ${Date.now() - started} ms after the stalled headers began`);
  assert.match(conn.received(), /^HTTP\/1\.1 400 /, conn.received().slice(0, 300));
  assert.match(conn.received(), /<Code>RequestTimeout<\/Code>/);
});
