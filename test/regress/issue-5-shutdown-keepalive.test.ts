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
import net from 'node:net';
import aws4 from 'aws4';
import { startGateway } from '../helpers/gateway.js';

test('an upload in flight at shutdown is answered, then its connection is closed and close() resolves', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway({ backend: 'local', http: { timeouts: { keepAliveMs: 600_000, idleMs: 600_000 } } });
  t.after(() => gw.close());
  await gw.engine.createBucket('down', { owner: gw.tenantId });
  const body = Buffer.alloc(3 * 1024 * 1024, 5);
  const headers = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(body.length) };
  const signed = aws4.sign({ host: new URL(gw.url).host, method: 'PUT', path: '/down/k', headers, service: 's3', region: 'us-east-1' }, { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey });
  const head = `PUT /down/k HTTP/1.1\r\n${Object.entries(signed.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`;

  const sock = net.connect(gw.port, '127.0.0.1');
  t.after(() => sock.destroy());
  let text = '';
  sock.on('data', (d: Buffer) => { text += d.toString('latin1'); });
  sock.on('error', () => undefined);
  const closedByServer = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  sock.write(head);
  sock.write(body.subarray(0, 1024 * 1024));

  // The shutdown begins while the body is still on its way.
  await new Promise((r) => setTimeout(r, 100));
  const closing = gw.app.close();
  await new Promise((r) => setTimeout(r, 100));
  sock.write(body.subarray(1024 * 1024));

  const guard = new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000).unref());
  assert.equal(await Promise.race([closedByServer.then(() => 'closed'), guard]), 'closed', `the connection stayed open after the answer:\n${text.slice(0, 300)}`);
  assert.match(text, /^HTTP\/1\.1 200 /, text.slice(0, 300));
  assert.equal(await Promise.race([closing.then(() => 'done'), guard]), 'done', 'close() still waiting');
  const v = await gw.engine.head({ bucket: 'down', key: 'k' });
  assert.equal(v.size, body.length);
});
