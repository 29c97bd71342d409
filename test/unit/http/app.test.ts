/**
 * http/ plumbing through `fastify.inject` (shared/STYLE.md habit 9, first ring) against a fake
 * S3Service. Real-socket behaviour (raw URLs, 100-continue, truncation) is in
 * test/integration/http/socket.test.ts: light-my-request normalises URLs and has no socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { buildApp, edgeLoggerOptions, redactUrl, type AppOptions } from '../../../src/http/index.js';
import { FakeS3, payload, sha256 } from './fake-s3.js';

const ID = /^[0-9A-F]{16}$/;

function appWith(extra: Partial<AppOptions> = {}): { app: ReturnType<typeof buildApp>; s3: FakeS3 } {
  const s3 = new FakeS3();
  return { app: buildApp({ s3, ...extra }), s3 };
}

test('a binary body reaches the service byte for byte', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const body = payload(70_000);
  const r = await app.inject({ method: 'PUT', url: '/echo/bin', payload: body, headers: { 'content-type': 'binary/octet-stream' } });
  assert.equal(r.statusCode, 200);
  assert.deepEqual(s3.seen[0]?.body, body);
  assert.deepEqual(r.rawPayload, body);
});

test('XML, JSON, form and invalid Content-Types are not parsed and reach the service as sent', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const cases: [string, string][] = [
    ['application/xml', '<Delete><Object><Key>a&amp;b</Key></Object></Delete>'],
    ['application/json', '{"Version":"2012-10-17", "broken json'],
    ['application/x-www-form-urlencoded', 'a=1&b=%zz'],
    ['text/plain; charset=utf-8', 'plain  text\r\n'],
    ['foo', 'not a media type'],
    ['', 'empty content type'],
  ];
  for (const [ct, text] of cases) {
    const r = await app.inject({ method: 'POST', url: '/summary/x', payload: text, headers: { 'content-type': ct } });
    assert.equal(r.statusCode, 200, ct);
    const last = s3.seen.at(-1);
    assert.equal(last?.body.toString(), text, ct);
    assert.equal(last?.req.headers['content-type'], ct, ct);
  }
});

test('a body without Content-Type and a DELETE with a body reach the service', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  await app.inject({ method: 'PUT', url: '/summary/a', payload: Buffer.from('xyz') });
  await app.inject({ method: 'DELETE', url: '/summary/b', payload: 'del', headers: { 'content-type': 'application/xml' } });
  assert.deepEqual(s3.seen.map((s) => [s.req.method, s.body.toString()]), [['PUT', 'xyz'], ['DELETE', 'del']]);
});

test('header names arrive lower-cased and the URL keeps its query as sent', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  await app.inject({ method: 'GET', url: '/summary/k%2Fx?list-type=2&prefix=a%2Fb&x-id=GetObject', headers: { 'X-Amz-Date': '20240101T000000Z', 'X-Amz-Meta-Foo': 'Bar' } });
  const req = s3.seen[0]?.req;
  assert.equal(req?.url, '/summary/k%2Fx?list-type=2&prefix=a%2Fb&x-id=GetObject');
  assert.equal(req?.headers['x-amz-date'], '20240101T000000Z');
  assert.equal(req?.headers['x-amz-meta-foo'], 'Bar');
  assert.equal(Object.keys(req?.headers ?? {}).some((k) => k !== k.toLowerCase()), false);
});

test('every response carries a fresh 16-hex request id and an id-2; the service sees the same id', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const a = await app.inject({ method: 'GET', url: '/summary/a', headers: { 'request-id': 'client-chosen', 'x-amz-request-id': 'CLIENTCHOSEN0000' } });
  const b = await app.inject({ method: 'GET', url: '/summary/b' });
  const idA = a.headers['x-amz-request-id'];
  assert.match(String(idA), ID);
  assert.match(String(b.headers['x-amz-request-id']), ID);
  assert.notEqual(idA, b.headers['x-amz-request-id']);
  assert.equal(s3.seen[0]?.req.requestId, idA);
  assert.equal(JSON.parse(a.body).requestId, idA);
  assert.ok(a.headers['x-amz-id-2']);
});

test('ids the S3 layer set are kept, not duplicated', async (t) => {
  const { app } = appWith();
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/ids/x' });
  assert.equal(r.headers['x-amz-request-id'], 'FROMS3LAYER00000');
  assert.equal(r.headers['x-amz-id-2'], 'host-id-from-s3');
  const raw = r.raw.res.getHeaders();
  assert.equal(typeof raw['x-amz-request-id'], 'string');
});

test('HEAD is dispatched to the service and keeps Content-Length without a body', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const r = await app.inject({ method: 'HEAD', url: '/stream/x?chunks=3&size=100' });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-length'], '300');
  assert.equal(r.rawPayload.length, 0);
  assert.equal(s3.seen[0]?.req.method, 'HEAD');
});

test('an async-iterable body is streamed in order', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/stream/x?chunks=20&size=5000' });
  assert.equal(r.statusCode, 200);
  const expected = Buffer.concat(Array.from({ length: 20 }, (_, i) => payload(5000, i)));
  assert.equal(r.rawPayload.length, expected.length);
  assert.equal(sha256(r.rawPayload), sha256(expected));
  assert.equal(s3.streamsClosed, 1);
  assert.match(String(r.headers['x-amz-request-id']), ID);
});

test('closeConnection answers with Connection: close', async (t) => {
  const { app } = appWith();
  t.after(() => app.close());
  const r = await app.inject({ method: 'PUT', url: '/close/x', payload: 'unread' });
  assert.equal(r.statusCode, 400);
  assert.equal(r.headers.connection, 'close');
});

test('a service that throws yields a bare 500 that closes the connection', async (t) => {
  const { app } = appWith();
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/throw/x' });
  assert.equal(r.statusCode, 500);
  assert.equal(r.headers.connection, 'close');
  assert.match(String(r.headers['x-amz-request-id']), ID);
});

test('paths the router refuses (bad percent-encoding) still reach the service', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const r = await app.inject({ method: 'GET', url: '/summary/%zz%' });
  assert.equal(r.statusCode, 200);
  assert.equal(s3.seen[0]?.req.url, '/summary/%zz%');
});

test('health: live and ready answer JSON without the service', async (t) => {
  const { app, s3 } = appWith();
  t.after(() => app.close());
  const live = await app.inject({ method: 'GET', url: '/_ccow/health/live' });
  const ready = await app.inject({ method: 'GET', url: '/_ccow/health/ready' });
  assert.equal(live.statusCode, 200);
  assert.deepEqual(live.json(), { status: 'live' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready' });
  assert.match(String(live.headers['x-amz-request-id']), ID);
  assert.equal(s3.seen.length, 0);
});

test('health: readiness failures answer 503 with the reason', async (t) => {
  const down = appWith({ readiness: async () => ({ ready: false, reason: 'storage closed' }) });
  const throwing = appWith({ readiness: async () => { throw new Error('lmdb: no such file'); } });
  t.after(() => Promise.all([down.app.close(), throwing.app.close()]));
  const a = await down.app.inject({ method: 'GET', url: '/_ccow/health/ready' });
  assert.equal(a.statusCode, 503);
  assert.deepEqual(a.json(), { status: 'not ready', reason: 'storage closed' });
  const b = await throwing.app.inject({ method: 'GET', url: '/_ccow/health/ready' });
  assert.equal(b.statusCode, 503);
  assert.equal(b.json().reason, 'lmdb: no such file');
});

test('virtual-hosted style: Host {bucket}.{domain} sets hostBucket, also on reserved paths', async (t) => {
  const { app, s3 } = appWith({ domain: 's3.example.com' });
  t.after(() => app.close());
  await app.inject({ method: 'GET', url: '/k', headers: { host: 'photos.s3.example.com:9000' } });
  await app.inject({ method: 'GET', url: '/k', headers: { host: 'S3.Example.COM' } });
  const health = await app.inject({ method: 'GET', url: '/_ccow/health/live', headers: { host: 'my.bucket.s3.example.com' } });
  const plainHealth = await app.inject({ method: 'GET', url: '/_ccow/health/live', headers: { host: 's3.example.com' } });
  assert.deepEqual(s3.seen.map((s) => s.req.hostBucket), ['photos', undefined, 'my.bucket']);
  assert.equal(JSON.parse(health.body).url, '/_ccow/health/live');
  assert.deepEqual(plainHealth.json(), { status: 'live' });
});

test('X-Forwarded-Host and X-Forwarded-For count only with trustProxyHeaders', async (t) => {
  const trusted = appWith({ domain: 'example.com', trustProxyHeaders: true });
  const untrusted = appWith({ domain: 'example.com' });
  t.after(() => Promise.all([trusted.app.close(), untrusted.app.close()]));
  const headers = { host: 'internal:9000', 'x-forwarded-host': 'bkt.example.com, proxy.local', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' };
  await trusted.app.inject({ method: 'GET', url: '/k', headers });
  await untrusted.app.inject({ method: 'GET', url: '/k', headers });
  assert.equal(trusted.s3.seen[0]?.req.hostBucket, 'bkt');
  assert.equal(trusted.s3.seen[0]?.req.remoteAddress, '203.0.113.7');
  assert.equal(untrusted.s3.seen[0]?.req.hostBucket, undefined);
  assert.notEqual(untrusted.s3.seen[0]?.req.remoteAddress, '203.0.113.7');
});

test('metrics: counters appear on /_ccow/metrics when enabled, and the path is S3 otherwise', async (t) => {
  const registry = new Registry();
  const on = appWith({ metrics: registry });
  const off = appWith();
  t.after(() => Promise.all([on.app.close(), off.app.close()]));
  await on.app.inject({ method: 'GET', url: '/summary/x' });
  const m = await on.app.inject({ method: 'GET', url: '/_ccow/metrics' });
  assert.equal(m.statusCode, 200);
  assert.match(m.body, /ccow_http_requests_total\{method="GET",status="200"\} 1/);
  assert.match(m.body, /ccow_http_request_duration_seconds_count\{method="GET"\} 1/);
  await off.app.inject({ method: 'GET', url: '/_ccow/metrics' });
  assert.equal(off.s3.seen[0]?.req.url, '/_ccow/metrics');
});

test('redactUrl hides presigned credentials and keeps the rest', () => {
  const url = '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101&X-Amz-Signature=abcdef&x-id=GetObject';
  assert.equal(redactUrl(url), '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&x-id=GetObject');
  assert.equal(redactUrl('/b/k?AWSAccessKeyId=AK&Expires=1&Signature=sig'), '/b/k?AWSAccessKeyId=REDACTED&Expires=1&Signature=REDACTED');
  assert.equal(redactUrl('/b/signature=x'), '/b/signature=x');
});

test('request logs never contain the Authorization header or a presigned signature', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  const { app } = appWith({ logger: { level: 'trace', stream } });
  t.after(() => app.close());
  await app.inject({
    method: 'GET',
    url: '/summary/k?X-Amz-Signature=topsecretsig&X-Amz-Credential=AKIDEXAMPLE',
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/x, Signature=topsecretheader' },
  });
  await app.inject({ method: 'GET', url: '/throw/x', headers: { authorization: 'AWS AKIDEXAMPLE:topsecretv2' } });
  const all = lines.join('');
  assert.ok(all.includes('incoming request'), 'request logging is on');
  for (const secret of ['topsecretsig', 'topsecretheader', 'topsecretv2', 'AKIDEXAMPLE']) assert.equal(all.includes(secret), false, secret);
});

test('a shared pino instance (as ccow serve passes) gets the same redaction', async (t) => {
  let all = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { all += chunk.toString(); cb(); } });
  // The access line of a request is written at debug (logging.ts, EdgeLogController).
  const { app } = appWith({ loggerInstance: pino(edgeLoggerOptions({ level: 'debug' }) as object, stream) });
  t.after(() => app.close());
  await app.inject({ method: 'GET', url: '/summary/k?X-Amz-Signature=sharedsecretsig', headers: { authorization: 'AWS4-HMAC-SHA256 Signature=sharedsecretauth' } });
  assert.ok(all.includes('X-Amz-Signature=REDACTED'));
  assert.equal(all.includes('sharedsecretsig'), false);
  assert.equal(all.includes('sharedsecretauth'), false);
});

test('at info a request writes no log line unless it is answered with a 5xx; at debug one access line each', async (t) => {
  const lines = (level: string): { app: ReturnType<typeof buildApp>; out: () => Record<string, unknown>[] } => {
    const got: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, cb) { got.push(chunk.toString()); cb(); } });
    const { app } = appWith({ loggerInstance: pino(edgeLoggerOptions({ level }) as object, stream) });
    return { app, out: () => got.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  };
  const info = lines('info');
  const debug = lines('debug');
  t.after(() => Promise.all([info.app.close(), debug.app.close()]));
  for (const { app } of [info, debug]) {
    await app.inject({ method: 'GET', url: '/summary/ok' });
    await app.inject({ method: 'GET', url: '/throw/x' });
  }
  const atInfo = info.out().filter((l) => l.msg === 'request completed');
  assert.equal(atInfo.length, 1, 'only the 5xx');
  assert.equal((atInfo[0]?.res as { statusCode?: number }).statusCode, 500);
  assert.equal(atInfo[0]?.level, 40, 'warn');
  const atDebug = debug.out().filter((l) => l.msg === 'request completed');
  assert.deepEqual(atDebug.map((l) => (l.req as { url?: string }).url), ['/summary/ok', '/throw/x']);
  assert.equal(info.out().some((l) => l.msg === 'incoming request'), false);
});
