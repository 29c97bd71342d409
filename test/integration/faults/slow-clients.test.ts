/**
 * Slow clients (issue #5 "Faults": slow clients; s3-surface.md §10): 1,000 idle keep-alive
 * connections plus slow-body uploads against one gateway (real sockets). Expected:
 *
 * - memory stays bounded (heap and RSS growth under fixed limits while the connections are open),
 * - a body that trickles but keeps coming is served; a body that stops gets 400 RequestTimeout
 *   with an XML body, the connection is closed, and nothing is stored,
 * - idle connections are closed by the server: after a response by the keep-alive timeout, before
 *   any request by the connection (idle) timeout,
 * - normal SDK requests are served while all of this goes on (asserted to complete, not timed).
 *
 * Short timeouts keep the run short: body stall 1 s, keep-alive 6 s, idle 8 s (production: 60 s,
 * 65 s, 60 s). Half of the idle connections made one request first (health endpoint), half never
 * sent a byte. Their number is capped by the open-file limit (2 descriptors each, client and
 * server in one process) and printed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import aws4 from 'aws4';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../../helpers/gateway-client.js';
import type { TestGateway } from '../../helpers/gateway.js';
import { errorCode, mib, openFileLimit, sleep } from './helpers.js';

const WANTED = 1000;
const STALL_MS = 1000;
const KEEP_ALIVE_MS = 6000;
const IDLE_MS = 8000;

/** A full GC when the flag can be set (the numbers are steadier), else nothing. */
function collect(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // not available: measure without
  }
}

function memory(): { rss: number; heap: number } {
  collect();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** A raw client connection that records what it receives and when the server closes it. */
class Raw {
  readonly sock: net.Socket;
  text = '';
  closed = false;
  closedAt = 0;
  readonly closedP: Promise<void>;
  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('data', (d: Buffer) => { this.text += d.toString('latin1'); });
    this.sock.on('error', () => undefined);
    this.closedP = new Promise((resolve) => this.sock.once('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      resolve();
    }));
  }
  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.sock.connecting) resolve();
      this.sock.once('connect', () => resolve());
      this.sock.once('error', reject);
    });
  }
  async until(pred: () => boolean, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end && !pred(); ) await sleep(20);
    return pred();
  }
}

function signedHead(gw: TestGateway, method: string, path: string, length: number): string {
  const headers = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(length) };
  const s = aws4.sign({ host: new URL(gw.url).host, method, path, headers, service: 's3', region: 'us-east-1' }, { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey });
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(s.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`;
}

/** Trickle `total` bytes of a PUT body in 1 KiB pieces every 200 ms, stopping after `stopAfter`. */
async function slowPut(gw: TestGateway, key: string, total: number, stopAfter: number): Promise<Raw> {
  const c = new Raw(gw.port);
  await c.connected();
  c.sock.write(signedHead(gw, 'PUT', `/slow/${key}`, total));
  for (let sent = 0; sent < Math.min(total, stopAfter) && !c.closed; sent += 1024) {
    c.sock.write(Buffer.alloc(Math.min(1024, total - sent), 0x61));
    await sleep(200);
  }
  return c;
}

test(`slow clients: ${WANTED} idle keep-alive connections and slow bodies — bounded memory, RequestTimeout, idle connections closed, normal requests served`, { timeout: 120_000 }, async (t) => {
  const limit = openFileLimit() ?? 1024;
  const n = Math.max(50, Math.min(WANTED, Math.floor((limit - 300) / 2)));
  t.diagnostic(`open-file limit ${limit}: ${n} idle connections${n < WANTED ? ` (fewer than ${WANTED}: raise ulimit -n)` : ''}`);
  const { gw, s3 } = await gatewayWithClient(t, {
    backend: 'local',
    s3: { bodyStallMs: STALL_MS },
    http: { timeouts: { keepAliveMs: KEEP_ALIVE_MS, idleMs: IDLE_MS, headersMs: IDLE_MS } },
  }, { maxAttempts: 1 });
  const normal = async (i: number): Promise<void> => {
    const Body = `normal request ${i}`;
    await s3.send(new PutObjectCommand({ Bucket: 'slow', Key: `n${i}`, Body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'slow', Key: `n${i}` }));
    assert.equal(await got.Body!.transformToString(), Body);
  };
  await s3.send(new CreateBucketCommand({ Bucket: 'slow' }));
  for (let i = 0; i < 5; i++) await normal(i);
  const base = memory();

  // The idle crowd: half made one request (then idle in keep-alive), half never sent anything.
  const idle: Raw[] = [];
  for (let i = 0; i < n; i++) {
    const c = new Raw(gw.port);
    idle.push(c);
    if (i % 100 === 99) await Promise.all(idle.slice(-100).map((x) => x.connected()));
  }
  await Promise.all(idle.map((c) => c.connected()));
  const active = idle.filter((_, i) => i % 2 === 0);
  for (const c of active) c.sock.write('GET /_ccow/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n');
  assert.ok(await Promise.all(active.map((c) => c.until(() => /^HTTP\/1\.1 200/.test(c.text), 20_000))).then((oks) => oks.every(Boolean)), 'health answers on the keep-alive connections');
  const opened = Date.now();

  // Slow bodies and normal requests, all while the crowd is connected.
  const stalled = slowPut(gw, 'stalled', 64 * 1024, 8 * 1024);
  const trickled = slowPut(gw, 'trickled', 12 * 1024, Infinity);
  for (let i = 5; i < 25; i++) await normal(i);
  const during = memory();
  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'slow' }));
  assert.ok((list.KeyCount ?? 0) >= 25);

  // The stopped body: 400 RequestTimeout (XML), connection closed, nothing stored.
  const st = await stalled;
  assert.ok(await st.until(() => st.closed, 15_000), `the stalled upload's connection is still open:\n${st.text}`);
  assert.match(st.text, /^HTTP\/1\.1 400 /, st.text);
  assert.equal(errorCode(st.text.slice(st.text.indexOf('\r\n\r\n'))), 'RequestTimeout');
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'slow', Key: 'stalled' })), { name: 'NoSuchKey' });
  // The slow but steady body is served.
  const tr = await trickled;
  assert.ok(await tr.until(() => /^HTTP\/1\.1 \d+/.test(tr.text), 10_000), 'no answer to the trickled upload');
  assert.match(tr.text, /^HTTP\/1\.1 200 /, tr.text);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'slow', Key: 'trickled' }));
  assert.equal((await got.Body!.transformToByteArray()).length, 12 * 1024);
  tr.sock.destroy();

  // Memory with the crowd connected, against the warm baseline.
  const growth = { rss: during.rss - base.rss, heap: during.heap - base.heap };
  t.diagnostic(`memory with ${n} idle connections + slow uploads: RSS ${mib(base.rss)} → ${mib(during.rss)}, heap ${mib(base.heap)} → ${mib(during.heap)}`);
  assert.ok(growth.heap < 64 * 1024 * 1024, `heap grew by ${mib(growth.heap)}`);
  assert.ok(growth.rss < 160 * 1024 * 1024, `RSS grew by ${mib(growth.rss)}`);

  // The server closes every idle connection on its own.
  const deadline = Math.max(IDLE_MS, KEEP_ALIVE_MS) + 15_000;
  let timer: NodeJS.Timeout | undefined;
  const allClosed = await Promise.race([
    Promise.all(idle.map((c) => c.closedP)).then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), deadline); }),
  ]);
  clearTimeout(timer);
  const open = idle.filter((c) => !c.closed).length;
  const last = (cs: Raw[]): string => (Math.max(...cs.map((c) => c.closedAt || Date.now())) - opened) / 1000 + ' s';
  t.diagnostic(`idle connections closed by the server: after a request within ${last(active)}, never used within ${last(idle.filter((_, i) => i % 2 === 1))} (${open} still open)`);
  for (const c of idle) c.sock.destroy();
  assert.ok(allClosed, `${open} of ${n} idle connections still open after ${deadline} ms`);
  await normal(99);
});
