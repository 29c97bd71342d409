/**
 * Graceful shutdown (SIGTERM, `app.close()`) does not wait for the keep-alive timeout of the
 * connections whose requests were in flight (issue #5 "Faults": restart).
 *
 * Before, an upload in flight when the shutdown began was answered (200) and its kept-alive
 * connection then stayed open until the keep-alive timeout: `ccow serve` exited 66 s after SIGTERM
 * although its last upload had been answered after 4 s, keeping the data dir locked, and a
 * supervisor's grace period (30 s in Kubernetes) ended in SIGKILL. Now connections are closed as
 * they fall idle during the shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway } from '../helpers/gateway.js';
import { connectRaw, signedHead } from '../helpers/raw-http.js';

test('an upload in flight at shutdown is answered, then its connection is closed and close() resolves', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway({ backend: 'local', http: { timeouts: { keepAliveMs: 600_000, idleMs: 600_000 } } });
  t.after(() => gw.close());
  await gw.engine.createBucket('down', { owner: gw.tenantId });
  const body = Buffer.alloc(3 * 1024 * 1024, 5);
  const head = signedHead(gw, 'PUT', '/down/k', { 'content-length': String(body.length) });

  const conn = await connectRaw(gw.port);
  const sock = conn.socket;
  t.after(() => sock.destroy());
  sock.write(head);
  sock.write(body.subarray(0, 1024 * 1024));

  // The shutdown begins while the body is still on its way.
  await new Promise((r) => setTimeout(r, 100));
  const closing = gw.app.close();
  await new Promise((r) => setTimeout(r, 100));
  sock.write(body.subarray(1024 * 1024));

  const guard = new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000).unref());
  assert.equal(await Promise.race([conn.closed.then(() => 'closed'), guard]), 'closed', `the connection stayed open after the answer:\n${conn.received().slice(0, 300)}`);
  assert.match(conn.received(), /^HTTP\/1\.1 200 /, conn.received().slice(0, 300));
  assert.equal(await Promise.race([closing.then(() => 'done'), guard]), 'done', 'close() still waiting');
  const v = await gw.engine.head({ bucket: 'down', key: 'k' });
  assert.equal(v.size, body.length);
});
