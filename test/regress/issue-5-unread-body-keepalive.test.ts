/**
 * Regression (issue #5, faults/disk-full fallback): when the engine refused a body half-way (a chunk
 * write failed: 507 InsufficientStorage), the request stream was destroyed by the early `return()`
 * of its async iterator, the error went out with `Connection: keep-alive`, and the rest of the body
 * stayed on the socket with nobody reading it: the next request on that kept-alive connection was
 * never answered (SDK clients hung until their timeout). Now the rest of the body is read and
 * discarded, and the connection serves the next request; a body destroyed by the stall timeout
 * closes the connection instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { signedHead } from '../helpers/raw-http.js';
import { errnoError } from '../../src/storage/local/index.js';

/** A raw connection that collects everything the server sends. */
class Conn {
  readonly sock: net.Socket;
  text = '';
  closed = false;
  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d: Buffer) => { this.text += d.toString('latin1'); });
    this.sock.on('close', () => { this.closed = true; });
    this.sock.on('error', () => undefined);
  }
  statuses(): string[] {
    return [...this.text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]!);
  }
  async waitFor(pred: () => boolean, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (pred()) return true;
    return pred();
  }
}

function head(gw: TestGateway, method: string, path: string, length?: number): string {
  return signedHead(gw, method, path, length === undefined ? {} : { 'content-length': String(length) });
}

test('a body refused half-way (507) is drained: the kept-alive connection answers the next request', { timeout: 60_000 }, async (t) => {
  let full = false;
  const gw = await startGateway({
    backend: 'local',
    local: {
      faults: {
        beforeWrite: async () => {
          await new Promise((r) => setTimeout(r, 2));
          if (full) throw errnoError('ENOSPC');
        },
      },
    },
  });
  t.after(() => gw.close());
  const c = new Conn(gw.port);
  t.after(() => c.sock.destroy());
  c.sock.write(head(gw, 'PUT', '/drain', 0));
  assert.ok(await c.waitFor(() => c.statuses().length === 1, 10_000));
  full = true;
  // 5 MiB, sent slowly enough that the refusal comes while most of it is still on its way.
  const size = 5 * 1024 * 1024;
  c.sock.write(head(gw, 'PUT', '/drain/k', size));
  const piece = Buffer.alloc(64 * 1024, 7);
  for (let sent = 0; sent < size; sent += piece.length) {
    if (!c.sock.write(piece)) await new Promise((r) => c.sock.once('drain', r));
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.ok(await c.waitFor(() => c.statuses().length === 2, 10_000), c.text);
  assert.equal(c.statuses()[1], '507');
  full = false;
  c.sock.write(head(gw, 'GET', '/drain'));
  assert.ok(await c.waitFor(() => c.statuses().length === 3, 10_000), `no answer to the next request on the connection:\n${c.text}`);
  assert.equal(c.statuses()[2], '200');
});

test('a body destroyed by the stall timeout answers RequestTimeout and closes the connection', { timeout: 30_000 }, async (t) => {
  const gw = await startGateway({ backend: 'local', s3: { bodyStallMs: 300 } });
  t.after(() => gw.close());
  const c = new Conn(gw.port);
  t.after(() => c.sock.destroy());
  c.sock.write(head(gw, 'PUT', '/stall', 0));
  assert.ok(await c.waitFor(() => c.statuses().length === 1, 10_000));
  c.sock.write(head(gw, 'PUT', '/stall/k', 1000) + 'x'.repeat(100));
  assert.ok(await c.waitFor(() => c.statuses().length === 2, 10_000), c.text);
  assert.equal(c.statuses()[1], '400');
  assert.match(c.text, /<Code>RequestTimeout<\/Code>/);
  assert.match(c.text, /connection: close/i);
  assert.ok(await c.waitFor(() => c.closed, 10_000), 'the server kept a connection whose request it could not finish');
});
