/**
 * Issue #4 (benchmark: "peak RSS < 300 MiB with 16 concurrent 1 GiB uploads"): admission control
 * counted each request's whole declared length against `maxInflightBodyBytes` (1 GiB), so the
 * second of two concurrent 1 GiB uploads was refused with 503 SlowDown, although bodies are
 * streamed and a request holds at most its buffer share in memory. Now each request counts the
 * smaller of its length and `bodyBufferBytes` (s3-surface.md §10).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { buildRequest, makeService, readResponse, send } from '../integration/s3/helpers.js';

const MiB = 1024 * 1024;

/** A signed UNSIGNED-PAYLOAD PUT of `size` bytes whose body the test feeds. */
function streamingPut(key: string, size: number): { req: ReturnType<typeof buildRequest>; body: PassThrough } {
  const req = buildRequest({ method: 'PUT', path: `/bkt/${key}`, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(size) } });
  const body = new PassThrough();
  req.body = body;
  return { req, body };
}

test('two large uploads in flight at once are both admitted when their buffer shares fit', async () => {
  const { service } = await makeService({ maxInflightBodyBytes: 3 * MiB, bodyBufferBytes: 1 * MiB });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const a = streamingPut('a', 2 * MiB);
  const b = streamingPut('b', 2 * MiB);
  // handle() admits synchronously, before its first await: both are in flight from here on.
  const pa = service.handle(a.req);
  const pb = service.handle(b.req);
  // Under the old rule b counted 2 MiB on top of a's 2 MiB > 3 MiB, and was answered at once.
  a.body.end(Buffer.alloc(2 * MiB, 1));
  b.body.end(Buffer.alloc(2 * MiB, 2));
  const [ra, rb] = await Promise.all([pa.then(readResponse), pb.then(readResponse)]);
  assert.equal(ra.status, 200, ra.text);
  assert.equal(rb.status, 200, rb.text);
});

test('beyond the budget a request is still refused with 503 SlowDown', async () => {
  const { service } = await makeService({ maxInflightBodyBytes: 2 * MiB, bodyBufferBytes: 1 * MiB });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const puts = ['a', 'b', 'c'].map((k) => streamingPut(k, 4 * MiB));
  const pending = puts.map((p) => service.handle(p.req));
  const third = await readResponse(await pending[2]!);
  assert.equal(third.status, 503);
  assert.match(third.text, /<Code>SlowDown<\/Code>/);
  for (const p of puts.slice(0, 2)) p.body.end(Buffer.alloc(4 * MiB, 3));
  for (const r of await Promise.all(pending.slice(0, 2).map((p) => p.then(readResponse)))) assert.equal(r.status, 200, r.text);
});
