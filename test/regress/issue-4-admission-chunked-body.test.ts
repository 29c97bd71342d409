/**
 * Issue #4 (spec-conformance audit, s3-surface.md §10 "Global admission: maxInflightRequests and
 * maxInflightBodyBytes → SlowDown beyond them"): a PUT whose body came with `Transfer-Encoding:
 * chunked` and no length (no Content-Length, no x-amz-decoded-content-length) counted 0 bytes
 * against `maxInflightBodyBytes`, although PutObject accepts such a body and streams it through the
 * same buffers as any other: any number of them were admitted past the byte budget. Such a body
 * now counts a whole buffer share (`bodyBufferBytes`), as a body of unknown size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { buildRequest, makeService, readResponse, send } from '../integration/s3/helpers.js';

const MiB = 1024 * 1024;

/** A signed UNSIGNED-PAYLOAD PUT whose body the test feeds: with a Content-Length, or chunked without one. */
function streamingPut(key: string, size: number | 'chunked'): { req: ReturnType<typeof buildRequest>; body: PassThrough } {
  const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (size === 'chunked') headers['transfer-encoding'] = 'chunked';
  else headers['content-length'] = String(size);
  const req = buildRequest({ method: 'PUT', path: `/bkt/${key}`, headers });
  // buildRequest gives every PUT a length, as clients do; a chunked body has none.
  if (size === 'chunked') delete req.headers['content-length'];
  const body = new PassThrough();
  req.body = body;
  return { req, body };
}

test('a chunked body without a length counts a whole buffer share against maxInflightBodyBytes', async () => {
  // A short body stall: on the old code the admitted chunked upload waits for its body and then
  // fails with 400 RequestTimeout, instead of the whole default minute.
  const { service } = await makeService({ maxInflightBodyBytes: 2 * MiB, bodyBufferBytes: 1 * MiB, bodyStallMs: 3000 });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  // Two uploads in flight fill the 2 MiB budget (1 MiB share each).
  const big = ['a', 'b'].map((k) => streamingPut(k, 4 * MiB));
  const pending = big.map((p) => service.handle(p.req));
  // A third, chunked without a length: refused at once (it was admitted on the old code, and then
  // waited for its body like the others).
  const chunked = streamingPut('c', 'chunked');
  const third = await readResponse(await service.handle(chunked.req));
  assert.equal(third.status, 503, third.text);
  assert.match(third.text, /<Code>SlowDown<\/Code>/);
  for (const p of big) p.body.end(Buffer.alloc(4 * MiB, 3));
  for (const r of await Promise.all(pending.map((p) => p.then(readResponse)))) assert.equal(r.status, 200, r.text);

  // With the budget free again the same chunked upload is admitted and stored.
  const again = streamingPut('c', 'chunked');
  const res = service.handle(again.req);
  again.body.end(Buffer.from('chunked body'));
  const ok = await readResponse(await res);
  assert.equal(ok.status, 200, ok.text);
  const got = await send(service, { method: 'GET', path: '/bkt/c' });
  assert.equal(got.text, 'chunked body');
});
