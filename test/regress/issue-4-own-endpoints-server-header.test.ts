/**
 * Issue #4 (spec16, s3-surface.md §1 "Every response: x-amz-request-id, x-amz-id-2, Date,
 * Server"): the gateway's own endpoints — `/_ccow/health/live`, `/_ccow/health/ready` and
 * `/_ccow/metrics`, GET and HEAD — answered without a `Server` header, which every S3 answer and
 * the HTTP layer's own 400s (client-error.ts) carry. They now carry `Server: ccow` as well.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, startServer } from '../../src/http/index.js';
import { call } from '../helpers/raw-http.js';
import { FakeS3 } from '../unit/http/fake-s3.js';

test('health and metrics answers carry Server, Date and the request ids', async (t) => {
  const app = buildApp({ s3: new FakeS3(), metrics: true });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  for (const path of ['/_ccow/health/live', '/_ccow/health/ready', '/_ccow/metrics']) {
    for (const method of ['GET', 'HEAD']) {
      const res = await call(port, method, path);
      assert.equal(res.status, 200, `${method} ${path}`);
      assert.equal(res.headers.server, 'ccow', `${method} ${path}: ${JSON.stringify(res.headers)}`);
      assert.ok(res.headers.date, `${method} ${path}: Date`);
      assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/i, `${method} ${path}: x-amz-request-id`);
      assert.ok(res.headers['x-amz-id-2'], `${method} ${path}: x-amz-id-2`);
    }
  }
});
