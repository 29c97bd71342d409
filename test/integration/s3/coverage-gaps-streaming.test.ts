/**
 * Body paths no other test reached (coverage hunt, issue #4), over a real socket: small XML/JSON
 * bodies sent with `Transfer-Encoding: chunked` (no Content-Length, so their size is only known
 * while reading), and aws-chunked trailers that repeat a header or grow past the trailer limit.
 * Each answer is checked for its AWS code, for nothing stored, and for the connection still serving.
 */
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Pool, request } from 'undici';
import { MAX_TRAILER } from '../../../src/s3/auth/aws-chunked-parser.js';
import { startGateway } from '../../helpers/gateway.js';
import { errorCode, send, signHeaders, type Keys } from '../faults/helpers.js';

async function gateway(t: TestContext): Promise<{ url: string; keys: Keys; pool: Pool }> {
  const gw = await startGateway();
  t.after(() => gw.close());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const keys = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  assert.equal((await send(pool, gw.url, { method: 'PUT', path: '/gaps', sign: keys })).status, 200);
  return { url: gw.url, keys, pool };
}

/** A signed request whose body goes out in `pieces` with Transfer-Encoding: chunked (UNSIGNED-PAYLOAD). */
async function sendChunked(url: string, pool: Pool, keys: Keys, method: string, path: string, pieces: Buffer[]): Promise<{ status: number; text: string }> {
  const headers = signHeaders(new URL(url).host, { method, path, sign: keys, contentSha256: 'UNSIGNED-PAYLOAD' });
  // A stream of unknown length: undici sends it with Transfer-Encoding: chunked.
  const res = await request(url + path, { dispatcher: pool, method, headers, body: Readable.from(pieces) });
  return { status: res.statusCode, text: await res.body.text() };
}

test('chunked (no Content-Length) small bodies over their limit: the same refusal as with a length, nothing stored', async (t) => {
  const { url, keys, pool } = await gateway(t);
  // A bucket policy over 20 KB, in 1 KiB pieces: S3's MalformedPolicy "Policies must be less than 20 KB".
  const bigPolicy = Buffer.from(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::gaps/*', Sid: 'x'.repeat(21 * 1024) }] }));
  const pieces = Array.from({ length: Math.ceil(bigPolicy.length / 1024) }, (_, i) => bigPolicy.subarray(i * 1024, (i + 1) * 1024));
  const r = await sendChunked(url, pool, keys, 'PUT', '/gaps?policy', pieces);
  assert.equal(`${r.status} ${errorCode(r.text)}`, '400 MalformedPolicy', r.text);
  assert.match(r.text, /Policies must be less than 20 KB/);
  const none = await send(pool, url, { method: 'GET', path: '/gaps?policy', sign: keys });
  assert.equal(`${none.status} ${errorCode(none.body)}`, '404 NoSuchBucketPolicy');

  // Object tagging over its 256 KiB XML limit: MalformedXML, the object's tags unchanged.
  assert.equal((await send(pool, url, { method: 'PUT', path: '/gaps/o', body: 'x', sign: keys, headers: { 'x-amz-tagging': 'k=v' } })).status, 200);
  const filler = Buffer.from(`<!--${'f'.repeat(64 * 1024)}-->`);
  const tagging = [Buffer.from('<Tagging><TagSet>'), filler, filler, filler, filler, filler, Buffer.from('</TagSet></Tagging>')];
  const tr = await sendChunked(url, pool, keys, 'PUT', '/gaps/o?tagging', tagging);
  assert.equal(`${tr.status} ${errorCode(tr.text)}`, '400 MalformedXML', tr.text);
  const tags = await send(pool, url, { method: 'GET', path: '/gaps/o?tagging', sign: keys });
  assert.match(tags.body.toString(), /<Key>k<\/Key><Value>v<\/Value>/);

  // Under the limit, chunked works.
  const ok = await sendChunked(url, pool, keys, 'PUT', '/gaps/o?tagging', [Buffer.from('<Tagging><TagSet><Tag><Key>a</Key>'), Buffer.from('<Value>b</Value></Tag></TagSet></Tagging>')]);
  assert.equal(ok.status, 200, ok.text);
  assert.match((await send(pool, url, { method: 'GET', path: '/gaps/o?tagging', sign: keys })).body.toString(), /<Key>a<\/Key><Value>b<\/Value>/);
});

test('aws-chunked trailers: a trailing header sent twice, or trailers past the limit, are MalformedTrailerError; nothing stored', async (t) => {
  const { url, keys, pool } = await gateway(t);
  const put = (key: string, body: string): Promise<{ status: number; body: Buffer }> => send(pool, url, {
    method: 'PUT', path: `/gaps/${key}`, body, sign: keys, contentSha256: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32' },
  });
  // CRC32 of "hello" is NhCmhg==.
  const twice = await put('twice', '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n');
  assert.equal(`${twice.status} ${errorCode(twice.body)}`, '400 MalformedTrailerError', twice.body.toString());
  assert.match(twice.body.toString(), /sent more than once/);
  const long = await put('long', `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n${'x-pad: y\r\n'.repeat(Math.ceil(MAX_TRAILER / 10) + 1)}\r\n`);
  assert.equal(`${long.status} ${errorCode(long.body)}`, '400 MalformedTrailerError', long.body.toString());
  assert.match(long.body.toString(), /too large/);
  for (const key of ['twice', 'long']) assert.equal((await send(pool, url, { method: 'HEAD', path: `/gaps/${key}`, sign: keys })).status, 404, key);
  // The same request with one trailer is stored.
  const once = await put('once', '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n');
  assert.equal(once.status, 200, once.body.toString());
  assert.equal((await send(pool, url, { method: 'GET', path: '/gaps/once', sign: keys })).body.toString(), 'hello');
});
