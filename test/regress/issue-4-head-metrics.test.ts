/**
 * Issue #4 (review11): `HEAD /_ccow/metrics` went to the S3 layer and answered 404 NoSuchBucket
 * while GET answered the Prometheus text (only GET was routed to the metrics handler; the health
 * endpoints got HEAD in 1b2d594). HEAD now answers as GET does — same status and headers, no body —
 * and a HEAD with a virtual-hosted bucket Host still goes to the S3 layer. Over a real socket: Node's
 * HEAD handling is part of what is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, startServer, type AppOptions } from '../../src/http/index.js';
import { call, type HttpAnswer } from '../helpers/raw-http.js';
import { FakeS3 } from '../unit/http/fake-s3.js';

/**
 * Headers that differ from one answer to the next. The metrics text grows as requests are counted
 * (the GET itself adds a line), so its length is compared apart.
 */
function stable(h: HttpAnswer['headers']): HttpAnswer['headers'] {
  const { date: _date, 'x-amz-request-id': _id, 'x-amz-id-2': _id2, 'content-length': _len, ...rest } = h;
  return rest;
}

async function gateway(t: { after: (fn: () => Promise<void>) => void }, opts: Partial<AppOptions> = {}): Promise<{ port: number; s3: FakeS3 }> {
  const s3 = new FakeS3();
  const app = buildApp({ s3, metrics: true, ...opts });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return { port, s3 };
}

test('HEAD /_ccow/metrics answers as GET, without the body', async (t) => {
  const { port, s3 } = await gateway(t);
  const get = await call(port, 'GET', '/_ccow/metrics');
  const head = await call(port, 'HEAD', '/_ccow/metrics');
  assert.equal(get.status, 200);
  assert.match(get.body, /^# HELP ccow_http_requests_total /m);
  assert.equal(head.status, 200, `HEAD: ${head.status} ${JSON.stringify(head.headers)}`);
  assert.equal(head.body, '');
  assert.deepEqual(stable(head.headers), stable(get.headers));
  assert.match(String(get.headers['content-type']), /^text\/plain/);
  // The length of the text GET would have sent at that moment (it now also counts the GET).
  assert.ok(Number(head.headers['content-length']) >= get.body.length, `content-length ${String(head.headers['content-length'])} vs ${get.body.length}`);
  assert.ok(head.headers['x-amz-request-id']);
  // The HEAD is counted like any request.
  const after = await call(port, 'GET', '/_ccow/metrics');
  assert.match(after.body, /^ccow_http_requests_total\{method="HEAD",status="200"\} 1$/m);
  assert.equal(s3.seen.length, 0, 'the S3 layer saw none of them');
});

test('HEAD /_ccow/metrics of a virtual-hosted bucket is an S3 request; with metrics off, HEAD goes where GET goes', async (t) => {
  const vhost = await gateway(t, { domain: 's3.example.com' });
  await call(vhost.port, 'HEAD', '/_ccow/metrics', 'bkt.s3.example.com');
  assert.deepEqual(vhost.s3.seen.map((s) => [s.req.method, s.req.hostBucket, s.req.url]), [['HEAD', 'bkt', '/_ccow/metrics']]);

  const off = await gateway(t, { metrics: false });
  const get = await call(off.port, 'GET', '/_ccow/metrics');
  const head = await call(off.port, 'HEAD', '/_ccow/metrics');
  assert.equal(head.status, get.status);
  assert.deepEqual(off.s3.seen.map((s) => s.req.method), ['GET', 'HEAD']);
});
