/**
 * Issue #4 (spec-conformance audit, s3-surface.md §10 admission and §6 `Expect: 100-continue`:
 * "authenticate and authorise from the headers, then writeContinue() and dispatch; on failure send
 * the error without reading the body"): a PUT with `Expect: 100-continue` arriving while the
 * gateway was at its admission limit was answered `100 Continue`, and then at once 503 SlowDown
 * with the connection closed: the client had been told to send its body (up to 5 GiB) onto a
 * connection closed under it. Seen on the wire (maxInflightRequests 1, one upload in flight):
 * "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable … connection: close". Admission
 * depends on the headers only, so the precheck now refuses such a request before `100 Continue`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { buildRequest, makeService, readResponse, send } from '../integration/s3/helpers.js';

const MiB = 1024 * 1024;

function streamingPut(key: string, size: number, headers: Record<string, string> = {}): { req: ReturnType<typeof buildRequest>; body: PassThrough } {
  const req = buildRequest({ method: 'PUT', path: `/bkt/${key}`, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(size), ...headers } });
  const body = new PassThrough();
  req.body = body;
  return { req, body };
}

test('Expect: 100-continue at the admission limit: 503 SlowDown before 100 Continue, and 100 Continue again once there is room', async () => {
  const { service } = await makeService({ maxInflightRequests: 1 });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  // One upload in flight takes the only place (handle() admits before its first await).
  const first = streamingPut('a', MiB);
  const pending = service.handle(first.req);

  const waiting = streamingPut('b', MiB, { expect: '100-continue' });
  const refusal = await service.precheck(waiting.req);
  assert.ok(refusal, 'answered 100 Continue although no request could be admitted');
  const r = await readResponse(refusal);
  assert.equal(r.status, 503, r.text);
  assert.match(r.text, /<Code>SlowDown<\/Code>/);
  assert.equal(refusal.closeConnection, true, 'the body the client may still send is not read');

  first.body.end(Buffer.alloc(MiB, 1));
  assert.equal((await readResponse(await pending)).status, 200);
  // The place is free again: the same request passes its precheck (100 Continue) and is stored.
  const later = streamingPut('b', MiB, { expect: '100-continue' });
  assert.equal(await service.precheck(later.req), undefined);
  const stored = service.handle(later.req);
  later.body.end(Buffer.alloc(MiB, 2));
  assert.equal((await readResponse(await stored)).status, 200);
});
