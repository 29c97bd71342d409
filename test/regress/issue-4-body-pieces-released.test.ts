/**
 * Issue #4 (peak RSS under large uploads): Node's HTTP parser copies every request-body piece into
 * a malloc'd ArrayBuffer of its own that lived until V8's next collection — tens of MiB of dead
 * pieces in glibc's heap during 1 GiB uploads (bench/RESULTS.md, sessions 21–25). The body reader
 * now lends each piece to its consumer and frees it when the consumer asks for the next one
 * (common/release.ts, s3/body.ts stallGuard `release`). These tests pin both halves: what is freed
 * (and what never is), and that the bytes a consumer copied out are intact.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import aws4 from 'aws4';
import { canReleaseBytes, releaseBytes } from '../../src/common/index.js';
import { buildApp, startServer } from '../../src/http/index.js';
import { stallGuard } from '../../src/s3/body.js';
import type { S3Request, S3Service } from '../../src/s3/index.js';
import { ALICE, makeService } from '../integration/s3/helpers.js';

test('this runtime can release (Node 20 through the harmony flag in a fresh context, Node 22+ natively)', () => {
  assert.equal(canReleaseBytes(), true);
});

test('releaseBytes frees a buffer that is the whole of its own ArrayBuffer, and nothing else', () => {
  const own = Buffer.from(Buffer.alloc(65536, 7));
  releaseBytes(own);
  assert.equal(own.length, 0);
  assert.equal(own.buffer.byteLength, 0);

  const big = Buffer.alloc(65536, 1);
  const slice = big.subarray(0, 32768);
  releaseBytes(slice);
  assert.equal(slice.length, 32768);
  assert.equal(big.length, 65536);

  const small = Buffer.from('pooled: a slice of Node’s 8 KiB pool');
  releaseBytes(small);
  assert.equal(small.toString(), 'pooled: a slice of Node’s 8 KiB pool');

  const shared = new Uint8Array(new SharedArrayBuffer(65536));
  releaseBytes(shared);
  assert.equal(shared.length, 65536);

  const tiny = new Uint8Array(100);
  releaseBytes(tiny);
  assert.equal(tiny.length, 100);
});

/** Fresh 64 KiB pieces, as Node's parser hands them over, each filled with its index. */
function pieces(n: number): { stream: PassThrough; sent: Buffer[] } {
  const stream = new PassThrough({ highWaterMark: 1 });
  const sent: Buffer[] = [];
  for (let i = 0; i < n; i++) sent.push(Buffer.alloc(65536, i + 1));
  return { stream, sent };
}

test('with release, a lent piece is freed when the consumer asks for the next one; its copy is intact', async () => {
  const { stream, sent } = pieces(3);
  const it = stallGuard(stream, 5_000, { release: true })[Symbol.asyncIterator]();
  const copies: Buffer[] = [];
  const lent: Uint8Array[] = [];
  for (const p of sent) {
    stream.write(p);
    const r = await it.next();
    assert.equal(r.done, false);
    assert.equal(r.value.length, 65536, 'valid while lent');
    lent.push(r.value);
    copies.push(Buffer.from(r.value));
  }
  // The first two were given back by the following next(); the last is still lent.
  assert.deepEqual(lent.map((p) => p.length), [0, 0, 65536]);
  stream.end();
  assert.equal((await it.next()).done, true);
  assert.equal(lent[2]!.length, 0, 'the last piece is freed by the read that finds the end');
  copies.forEach((c, i) => assert.ok(c.equals(Buffer.alloc(65536, i + 1))));
});

test('with release, an early stop (return) frees the piece held', async () => {
  const { stream, sent } = pieces(1);
  stream.write(sent[0]);
  const it = stallGuard(stream, 5_000, { release: true })[Symbol.asyncIterator]();
  const r = await it.next();
  assert.equal(r.value!.length, 65536);
  await it.return!();
  assert.equal(r.value!.length, 0);
});

test('without release (busboy keeps slices of its input) no piece is touched', async () => {
  const { stream, sent } = pieces(3);
  const it = stallGuard(stream, 5_000)[Symbol.asyncIterator]();
  const lent: Uint8Array[] = [];
  for (const p of sent) {
    stream.write(p);
    lent.push((await it.next()).value);
  }
  stream.end();
  assert.equal((await it.next()).done, true);
  lent.forEach((p, i) => assert.ok(Buffer.from(p).equals(Buffer.alloc(65536, i + 1))));
});

/** Headers of a SigV4-signed request (UNSIGNED-PAYLOAD) for `host`. */
function signed(host: string, method: string, path: string, extra: Record<string, string> = {}): Record<string, string> {
  const o = aws4.sign({ host, method, path, service: 's3', region: 'us-east-1', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...extra } },
    { accessKeyId: ALICE.accessKey, secretAccessKey: ALICE.secretKey });
  return Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/** The real S3 service, noting whether each request's body pieces were declared the service's own. */
async function observedService(): Promise<{ s3: S3Service; owned: (boolean | undefined)[] }> {
  const { service } = await makeService();
  const owned: (boolean | undefined)[] = [];
  return { s3: { ...service, handle: (req: S3Request) => { owned.push(req.bodyPiecesOwned); return service.handle(req); } }, owned };
}

test('fastify.inject: the caller\'s own payload buffer is never freed, and the object is stored whole', async (t) => {
  const { s3, owned } = await observedService();
  const app = buildApp({ s3 });
  t.after(() => app.close());
  const host = 'localhost:9000';
  assert.equal((await app.inject({ method: 'PUT', url: '/inject-keep', headers: signed(host, 'PUT', '/inject-keep') })).statusCode, 200);
  // A buffer of its own of 256 KiB: light-my-request pushes this very object into the request stream.
  const body = randomBytes(256 * 1024);
  const copy = Buffer.from(body);
  const put = await app.inject({ method: 'PUT', url: '/inject-keep/k', payload: body, headers: signed(host, 'PUT', '/inject-keep/k', { 'content-length': String(body.length) }) });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(body.length, copy.length, 'the caller\'s buffer was detached');
  assert.ok(body.equals(copy));
  const get = await app.inject({ method: 'GET', url: '/inject-keep/k', headers: signed(host, 'GET', '/inject-keep/k') });
  assert.ok(get.rawPayload.equals(copy));
  assert.deepEqual(owned.slice(1), [false, false]);
});

test('a real socket: the pieces are the parser\'s own (released), and a 1 MiB body round-trips', async (t) => {
  const { s3, owned } = await observedService();
  const app = buildApp({ s3 });
  t.after(() => app.close());
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  const host = `127.0.0.1:${port}`;
  const send = (method: string, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: signed(host, method, path, body ? { 'content-length': String(body.length) } : {}) }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal((await send('PUT', '/socket-release')).status, 200);
  const body = randomBytes(1024 * 1024);
  assert.equal((await send('PUT', '/socket-release/k', body)).status, 200);
  const got = await send('GET', '/socket-release/k');
  assert.equal(got.status, 200);
  assert.ok(got.body.equals(body));
  assert.deepEqual(owned, [true, true, true]);
});
