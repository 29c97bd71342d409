/**
 * Regress (issue #4): a client that closes its connection while its GET is still being handled
 * (before the response starts) made the HTTP pump read the whole streamed body anyway. The
 * response's 'close' had already fired, so the pump never saw it, and writes to the destroyed
 * response still call back (with ERR_STREAM_DESTROYED): every piece of the object was pulled from
 * the engine (chunk reads, read-ahead, verification) and thrown away — for a 5 GiB object, 5 GiB
 * of disk reads per vanished request. The body must be closed without being read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { buildApp, startServer } from '../../src/http/index.js';
import type { S3Request, S3Response, S3Service } from '../../src/s3/types.js';

test('a GET whose client left before the response began: the body is closed, not read', async (t) => {
  let pulled = 0;
  let answered = false;
  let gone!: () => void;
  const clientGone = new Promise<void>((r) => (gone = r));
  async function* pieces(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < 1000; i++) {
      pulled++;
      yield Buffer.alloc(64 * 1024, i);
    }
  }
  const body = pieces();
  const s3: S3Service = {
    async handle(req: S3Request): Promise<S3Response> {
      req.body.resume();
      // Answer only once the client has gone (and the server has seen the socket close).
      await clientGone;
      await new Promise((r) => setTimeout(r, 100));
      answered = true;
      return { status: 200, headers: { 'content-length': 1000 * 64 * 1024 }, body };
    },
    async precheck() {
      return undefined;
    },
  };
  const app = buildApp({ s3 });
  const { port } = await startServer(app, { host: '127.0.0.1', port: 0 });
  t.after(() => app.close());

  const req = http.get({ host: '127.0.0.1', port, path: '/b/k', agent: false });
  req.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 50));
  req.destroy();
  gone();
  for (let i = 0; i < 200 && !answered; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(answered);
  // The old pump pulled all 1000 pieces within a few milliseconds.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(pulled, 0, 'no piece was read for a client that is gone');
  // Closed (return() called), not merely left alone: a next() now runs nothing.
  assert.deepEqual(await body.next(), { done: true, value: undefined });
  assert.equal(pulled, 0);
});
