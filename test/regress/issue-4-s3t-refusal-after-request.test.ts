/**
 * Issue #4 (s3-tests test_headers test_object_create_bad_contentlength_mismatch_below_aws2: a PUT
 * of 'bar' with Content-Length 2 and the Content-MD5 of 'bar' → S3's 400 BadDigest): the byte past
 * the Content-Length reads as the start of a second, pipelined request that Node's parser refuses,
 * and the refusal (400 BadRequest "error parsing the HTTP request") was written at once — before
 * the answer of the first request, which the client then never saw. HTTP/1.1 answers in order
 * (RFC 9112 §9.3.2): the first request's answer now goes out first, the refusal after it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startGateway } from '../helpers/gateway.js';
import { connectRaw, signedHead } from '../helpers/raw-http.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('base64');

test('bytes past a whole request are refused after that request is answered, in order', { timeout: 30_000 }, async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  await gw.engine.createBucket('order', { owner: gw.tenantId });

  // Content-Length 2 with the MD5 of 'bar', and 'bar' sent: 'ba' is the body, 'r' a bad request.
  const conn = await connectRaw(gw.port);
  conn.socket.write(signedHead(gw, 'PUT', '/order/k', { 'content-length': '2', 'content-md5': md5('bar') }) + 'bar');
  await conn.closed;
  const text = conn.received();
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
  const codes = [...text.matchAll(/<Code>([^<]+)<\/Code>/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['400', '400'], text);
  assert.deepEqual(codes, ['BadDigest', 'BadRequest'], text);

  // The same with a matching MD5: the object is stored ('ba') and the client is told so first.
  const ok = await connectRaw(gw.port);
  ok.socket.write(signedHead(gw, 'PUT', '/order/k2', { 'content-length': '2', 'content-md5': md5('ba') }) + 'bar');
  await ok.closed;
  assert.match(ok.received(), /^HTTP\/1\.1 200 /, ok.received());
  const got = await gw.engine.head({ bucket: 'order', key: 'k2' });
  assert.equal(got.size, 2);
});

test('a request refused while nothing is in flight is still answered at once', { timeout: 30_000 }, async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const conn = await connectRaw(gw.port);
  conn.socket.write('rubbish\r\n\r\n');
  await conn.closed;
  assert.match(conn.received(), /^HTTP\/1\.1 400 /);
  assert.match(conn.received(), /<Code>BadRequest<\/Code>/);
});
