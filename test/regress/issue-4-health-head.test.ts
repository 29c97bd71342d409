/**
 * Issue #4 (ops10): `HEAD /_ccow/health/live` and `HEAD /_ccow/health/ready` went to the S3 layer
 * and answered 404 NoSuchBucket (only GET was routed to the health handlers), so a load balancer
 * probing with HEAD took a live gateway for dead. HEAD now answers as GET does — same status and
 * headers (Content-Length included), no body — and a HEAD with a virtual-hosted bucket Host still
 * goes to the S3 layer. Over a real socket: Node's HEAD handling is part of what is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, startServer, type AppOptions } from '../../src/http/index.js';
import { call, type HttpAnswer } from '../helpers/raw-http.js';
import { FakeS3 } from '../unit/http/fake-s3.js';

/** Headers that differ from one answer to the next. */
function stable(h: HttpAnswer['headers']): HttpAnswer['headers'] {
  const { date: _date, 'x-amz-request-id': _id, 'x-amz-id-2': _id2, ...rest } = h;
  return rest;
}

async function gateway(t: { after: (fn: () => Promise<void>) => void }, opts: Partial<AppOptions> = {}): Promise<{ port: number; s3: FakeS3 }> {
  const s3 = new FakeS3();
  const app = buildApp({ s3, ...opts });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  return { port, s3 };
}

test('HEAD on the health endpoints answers as GET, without the body', async (t) => {
  const { port, s3 } = await gateway(t);
  for (const path of ['/_ccow/health/live', '/_ccow/health/ready']) {
    const get = await call(port, 'GET', path);
    const head = await call(port, 'HEAD', path);
    assert.equal(get.status, 200);
    assert.equal(head.status, 200, `${path}: ${head.status} ${JSON.stringify(head.headers)}`);
    assert.equal(head.body, '');
    assert.ok(get.body.length > 0);
    assert.deepEqual(stable(head.headers), stable(get.headers), path);
    assert.equal(head.headers['content-length'], String(get.body.length));
    assert.ok(head.headers['x-amz-request-id']);
  }
  assert.equal(s3.seen.length, 0, 'the S3 layer saw none of them');
});

test('HEAD readiness of a gateway that is not ready: 503 as GET', async (t) => {
  const { port } = await gateway(t, { readiness: async () => ({ ready: false, reason: 'storage closed' }) });
  const get = await call(port, 'GET', '/_ccow/health/ready');
  const head = await call(port, 'HEAD', '/_ccow/health/ready');
  assert.equal(get.status, 503);
  assert.equal(head.status, 503);
  assert.equal(head.body, '');
  assert.deepEqual(stable(head.headers), stable(get.headers));
});

test('HEAD on a health path of a virtual-hosted bucket is an S3 request', async (t) => {
  const { port, s3 } = await gateway(t, { domain: 's3.example.com' });
  const head = await call(port, 'HEAD', '/_ccow/health/live', 'bkt.s3.example.com');
  assert.equal(head.status, 200);
  assert.deepEqual(s3.seen.map((s) => [s.req.method, s.req.hostBucket, s.req.url]), [['HEAD', 'bkt', '/_ccow/health/live']]);
});
