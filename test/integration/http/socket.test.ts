/**
 * http/ over a real socket (listen(0)): what `inject` cannot show — raw request targets, unknown
 * methods, `Expect: 100-continue`, truncation of a failing streamed body, client aborts, header
 * limits and keep-alive. The S3 layer is the fake of test/unit/http/fake-s3.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, startServer, type AppOptions } from '../../../src/http/index.js';
import { FakeS3, payload, sha256 } from '../../unit/http/fake-s3.js';

interface Served {
  s3: FakeS3;
  port: number;
  server: http.Server;
  close: () => Promise<void>;
}

async function serve(extra: Partial<AppOptions> = {}): Promise<Served> {
  const s3 = new FakeS3();
  const app = buildApp({ s3, ...extra });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  return { s3, port, server: app.server, close: () => app.close() };
}

interface RawResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Set when the response ended abnormally (aborted / reset). */
  error?: Error;
}

/** One request with node:http; the path is sent exactly as given. */
function request(port: number, opts: http.RequestOptions & { body?: Buffer | string }): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...opts }, (res) => {
      const parts: Buffer[] = [];
      let error: Error | undefined;
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', (e) => { error = e; });
      res.on('aborted', () => { error ??= new Error('aborted'); });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), error: error ?? (res.complete ? undefined : new Error('incomplete')) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('the request target reaches the service exactly as sent (%2F, .., ., //)', async (t) => {
  const s = await serve();
  t.after(s.close);
  const targets = ['/b/a%2Fb/../c/./d//e?x=%2F&y', '/b/..', '//b', '/b/k%20%2B+;x=1', '/b/%zz%', '/b/' + 'k'.repeat(1500)];
  for (const path of targets) {
    const r = await request(s.port, { method: 'GET', path });
    assert.equal(r.status, 200, path);
  }
  assert.deepEqual(s.s3.seen.map((x) => x.req.url), targets);
});

test('methods outside the route list (PROPFIND) still reach the service', async (t) => {
  const s = await serve();
  t.after(s.close);
  const r = await request(s.port, { method: 'PROPFIND', path: '/b/k', body: 'x', headers: { 'content-length': '1' } });
  assert.equal(r.status, 200);
  assert.equal(s.s3.seen[0]?.req.method, 'PROPFIND');
});

test('a streamed body that fails mid-way is cut off: the client sees a short, correct prefix and an error', async (t) => {
  const s = await serve();
  t.after(s.close);
  const r = await request(s.port, { method: 'GET', path: '/broken/x?after=3' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String(7 * 1024));
  assert.ok(r.error, 'the response must end abnormally');
  assert.ok(r.body.length < 7 * 1024);
  const expected = Buffer.concat([0, 1, 2].map((i) => payload(1024, i)));
  assert.deepEqual(r.body, expected.subarray(0, r.body.length));
});

test('a stream that fails before its first byte is cut off too (never a substitute body)', async (t) => {
  const s = await serve();
  t.after(s.close);
  // Headers are not on the wire yet when the first read fails, so the client sees the connection
  // drop (a retryable "socket hang up") rather than a response; either way it gets no bytes.
  const r = await request(s.port, { method: 'GET', path: '/broken/x?after=0' }).catch((error: Error): RawResult => ({ status: 0, headers: {}, body: Buffer.alloc(0), error }));
  assert.ok(r.error);
  assert.equal(r.body.length, 0);
});

test('the same failure on a chunked response ends without the terminating chunk', async (t) => {
  const s = await serve();
  t.after(s.close);
  const orig = s.s3.handle.bind(s.s3);
  s.s3.handle = async (req) => {
    const res = await orig(req);
    delete res.headers['content-length'];
    return res;
  };
  const r = await request(s.port, { method: 'GET', path: '/broken/x?after=2' });
  assert.equal(r.headers['transfer-encoding'], 'chunked');
  assert.ok(r.error);
});

test('a client that goes away mid-download releases the source iterator', async (t) => {
  const s = await serve();
  t.after(s.close);
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: s.port, path: '/stream/x?chunks=4000&size=65536', agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    req.on('close', () => undefined);
    setTimeout(() => reject(new Error('no data')), 10_000).unref();
  });
  // The generator's finally{} runs once the server notices the closed socket.
  for (let i = 0; i < 500 && s.s3.streamsClosed === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.s3.streamsClosed, 1);
});

/** PUT with `Expect: 100-continue`; the body is written only after `continue` (as SDKs do). */
function putWithExpect(port: number, path: string, body: Buffer): Promise<RawResult & { continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'PUT', agent: false, headers: { expect: '100-continue', 'content-length': String(body.length) } });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), continued }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

test('Expect: 100-continue accepted: precheck passes, 100 is sent, the body arrives intact', async (t) => {
  const s = await serve();
  t.after(s.close);
  const body = payload(300_000, 7);
  const r = await putWithExpect(s.port, '/summary/big', body);
  assert.equal(r.continued, true);
  assert.equal(r.status, 200);
  const summary = JSON.parse(r.body.toString());
  assert.equal(summary.bytes, body.length);
  assert.equal(summary.sha256, sha256(body));
  assert.equal(s.s3.prechecked.length, 1);
  // One request, one id: the precheck and the handler saw the same one, and the client got it.
  assert.equal(s.s3.prechecked[0]?.requestId, s.s3.seen[0]?.req.requestId);
  assert.equal(r.headers['x-amz-request-id'], s.s3.seen[0]?.req.requestId);
});

test('Expect: 100-continue refused: the error comes before any body, with Connection: close', async (t) => {
  const s = await serve();
  t.after(s.close);
  const r = await putWithExpect(s.port, '/deny/big', payload(1_000_000));
  assert.equal(r.continued, false);
  assert.equal(r.status, 403);
  assert.equal(r.headers.connection, 'close');
  assert.match(r.body.toString(), /AccessDenied/);
  assert.match(String(r.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
  assert.equal(s.s3.seen.length, 0, 'handle() must not run for a refused request');
});

test('headers beyond maxHeaderSize get the S3 error RequestHeaderSectionTooLarge (400, XML), never the service', async (t) => {
  const s = await serve({ maxHeaderSize: 4096 });
  t.after(s.close);
  const r = await request(s.port, { method: 'PUT', path: '/summary/x', headers: { 'x-amz-meta-big': 'v'.repeat(8000), 'content-length': '3' }, body: 'abc' });
  assert.equal(r.status, 400);
  assert.equal(r.headers['content-type'], 'application/xml');
  assert.match(String(r.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
  assert.match(r.body.toString(), /^<\?xml[^>]*>\n<Error><Code>RequestHeaderSectionTooLarge<\/Code><Message>Your request header section exceeds the maximum allowed size\.<\/Message>/);
  assert.equal(s.s3.seen.length, 0);
});

test('a repeated header reaches the service joined with "," (as SigV4 signs it); discarded repeats keep the first', async (t) => {
  const s = await serve();
  t.after(s.close);
  const answer = await new Promise<string>((resolve, reject) => {
    const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /summary/k HTTP/1.1\r\nHost: x\r\nX-Amz-Meta-A: one\r\nx-amz-meta-a: two, three\r\nContent-Type: a/b\r\nContent-Type: c/d\r\nConnection: close\r\n\r\n'));
    let got = '';
    sock.on('data', (c: Buffer) => { got += c.toString(); });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 200 /);
  const headers = s.s3.seen[0]?.req.headers;
  assert.equal(headers?.['x-amz-meta-a'], 'one,two, three');
  assert.equal(headers?.['content-type'], 'a/b');
});

test('malformed HTTP gets 400 BadRequest in S3 XML and the connection closes', async (t) => {
  const s = await serve();
  t.after(s.close);
  const answer = await new Promise<string>((resolve, reject) => {
    const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /b/k HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
    let got = '';
    sock.on('data', (c: Buffer) => { got += c.toString(); });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.match(answer, /<Code>BadRequest<\/Code>/);
  assert.match(answer, /\r\nConnection: close\r\n/);
  assert.equal(s.s3.seen.length, 0);
});

test('keep-alive: consecutive requests share one connection', async (t) => {
  const s = await serve();
  t.after(s.close);
  let connections = 0;
  s.server.on('connection', () => connections++);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  for (let i = 0; i < 3; i++) {
    const r = await request(s.port, { method: 'PUT', path: `/summary/${i}`, agent, body: 'abc' });
    assert.equal(r.status, 200);
    assert.notEqual(r.headers.connection, 'close');
  }
  assert.equal(connections, 1);
});

test('HTTPS: startServer reports an https URL and the service sees secure requests', async (t) => {
  const dir = join(process.cwd(), 'test/fixtures/http');
  const s3 = new FakeS3();
  const app = buildApp({ s3, https: { cert: readFileSync(join(dir, 'test-cert.pem')), key: readFileSync(join(dir, 'test-key.pem')) } });
  const { url, port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  assert.equal(url, `https://127.0.0.1:${port}`);
  const status = await new Promise<number>((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/summary/tls', ca: readFileSync(join(dir, 'test-cert.pem')), agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
  assert.equal(status, 200);
  assert.equal(s3.seen[0]?.req.secure, true);
});

test('shutdown: a request arriving on a busy kept-alive connection after close() began gets S3 XML 503 ServiceUnavailable, the one in flight completes', async () => {
  const s = await serve();
  const sock = connect(s.port, '127.0.0.1');
  let got = '';
  sock.on('data', (c: Buffer) => { got += c.toString(); });
  const ended = new Promise<void>((resolve, reject) => {
    sock.on('close', () => resolve());
    sock.on('error', reject);
  });
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
  // The first request is in flight (half its body sent) when shutdown begins.
  sock.write('PUT /summary/first HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabcde');
  await new Promise((r) => setTimeout(r, 100));
  const closed = s.close();
  await new Promise((r) => setTimeout(r, 100));
  // The rest of its body, then a second request pipelined behind it.
  sock.write('fghijGET /b/second HTTP/1.1\r\nHost: x\r\n\r\n');
  await ended;
  await closed;
  const responses = got.split(/(?=HTTP\/1\.1 )/);
  assert.equal(responses.length, 2, got);
  assert.match(responses[0] ?? '', /^HTTP\/1\.1 200 /);
  assert.match(responses[0] ?? '', /"bytes":10/);
  const shed = responses[1] ?? '';
  assert.match(shed, /^HTTP\/1\.1 503 /);
  assert.match(shed, /\r\ncontent-type: application\/xml\r\n/i);
  assert.match(shed, /\r\nconnection: close\r\n/i);
  assert.match(shed, /\r\nx-amz-request-id: [0-9A-F]{16}\r\n/i);
  assert.match(shed, /<Code>ServiceUnavailable<\/Code>/);
  assert.match(shed, /<Resource>\/b\/second<\/Resource>/);
  // The shed request never reached the S3 layer.
  assert.deepEqual(s.s3.seen.map((x) => x.req.url), ['/summary/first']);
});
