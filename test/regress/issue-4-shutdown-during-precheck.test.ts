/**
 * Issue #4 (review of 61ad6cd): an `Expect: 100-continue` request is shed before its body once
 * shutdown began, but only if shutdown had begun when the request arrived. One whose precheck (an
 * async S3 lookup: signature, bucket, authz) was still running when close() began was then told
 * `100 Continue`, sent its body, and got the shutdown 503 from the app's onRequest hook once the
 * body was on its way. The listener now looks at the shutdown state again after the precheck.
 *
 * Ordering without timers: the precheck is held until Fastify has reached server.close().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp, startServer } from '../../src/http/index.js';
import type { S3Request, S3Response } from '../../src/s3/index.js';
import { bodyOnContinue, connectRaw, serverCloseReached } from '../helpers/raw-http.js';
import { FakeS3 } from '../unit/http/fake-s3.js';

class HeldPrecheck extends FakeS3 {
  reached!: () => void;
  readonly arrived = new Promise<void>((resolve) => (this.reached = resolve));
  release!: () => void;
  readonly #open = new Promise<void>((resolve) => (this.release = resolve));

  override async precheck(req: S3Request): Promise<S3Response | undefined> {
    this.reached();
    await this.#open;
    return super.precheck(req);
  }
}

test('shutdown: an Expect: 100-continue request whose precheck was running when close() began gets the S3 XML 503, not 100 Continue', async () => {
  const s3 = new HeldPrecheck();
  const app = buildApp({ s3 });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  const closing = serverCloseReached(app.server);
  const continued = bodyOnContinue('hello');
  const conn = await connectRaw(port, continued.onData);
  conn.socket.write('PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  await s3.arrived;
  const closed = app.close();
  await closing;
  s3.release();
  await conn.closed;
  await closed;

  const got = conn.received();
  assert.equal(continued.sent(), false, got);
  assert.match(got, /^HTTP\/1\.1 503 /, got);
  assert.match(got, /\r\nconnection: close\r\n/i);
  assert.match(got, /<Code>ServiceUnavailable<\/Code>/);
  assert.deepEqual(s3.seen.map((x) => x.req.url), []);
});
