/**
 * Issue #4 (real clients: libs3), response header names as S3 writes them. The gateway wrote every
 * S3 answer's headers in lower case (`content-type`, `content-length`, `etag`, `last-modified`).
 * Header names are case-insensitive (RFC 9110 §5.1), but S3 sends `Content-Type`, `Content-Length`,
 * `ETag`, `Last-Modified`, `Accept-Ranges`, `Server` and the `x-amz-*` headers in lower case
 * (RESTCommonResponseHeaders.html and the sample responses of the API reference), and libs3 (Debian's
 * libs3-2 and its `s3` tool) matches them with strncmp: `s3 head` showed no Content-Type,
 * Content-Length or ETag, and libs3 4.x reads a part's ETag that way to complete a multipart upload.
 * test/clients/libs3.test.ts runs the `s3` tool itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import { connectRaw, signedHead } from '../helpers/raw-http.js';

/** The header names of the first response on a raw connection, as written on the wire. */
async function wireHeaderNames(port: number, head: string): Promise<string[]> {
  const conn = await connectRaw(port);
  conn.socket.end(head.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
  await conn.closed;
  const text = conn.received();
  return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').slice(1).map((l) => l.slice(0, l.indexOf(':')));
}

test('GetObject, HeadObject and an error answer carry S3\'s header names (Content-Type, Content-Length, ETag, …; x-amz-* lower case)', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'case' }));
  await s3.send(new PutObjectCommand({ Bucket: 'case', Key: 'k', Body: 'hello', ContentType: 'text/plain', CacheControl: 'no-cache', Metadata: { color: 'blue' } }));

  for (const method of ['GET', 'HEAD']) {
    const names = await wireHeaderNames(gw.port, signedHead(gw, method, '/case/k'));
    for (const want of ['Content-Type', 'Content-Length', 'ETag', 'Last-Modified', 'Accept-Ranges', 'Cache-Control', 'Server', 'x-amz-request-id', 'x-amz-id-2', 'x-amz-meta-color']) {
      assert.ok(names.includes(want), `${method}: ${want} in ${names.join(', ')}`);
    }
  }
  const ranged = await wireHeaderNames(gw.port, signedHead(gw, 'GET', '/case/k', { range: 'bytes=0-1' }));
  assert.ok(ranged.includes('Content-Range'), ranged.join(', '));
  const missing = await wireHeaderNames(gw.port, signedHead(gw, 'GET', '/case/nope'));
  for (const want of ['Content-Type', 'Content-Length', 'x-amz-request-id']) assert.ok(missing.includes(want), `NoSuchKey: ${want} in ${missing.join(', ')}`);
});
