/**
 * Regression (issue #4): `x-amz-sdk-checksum-algorithm` with a name S3 does not know, or naming
 * another algorithm than the checksum header sent, is 400 InvalidRequest with S3's message "Value
 * for x-amz-sdk-checksum-algorithm header is invalid." (quoted from S3 in versitygw#1598; Scality
 * CloudServer answers an unknown name the same). The status and code were right already; the
 * messages were our own ("Checksum algorithm FOO is not supported", "…: x-amz-checksum-crc32 was
 * sent."). An empty value stays "no algorithm named" (pinned here; no client sends one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { Pool } from 'undici';
import { startGateway } from '../helpers/gateway.js';
import { send } from '../integration/faults/helpers.js';

const INVALID = '400 InvalidRequest: Value for x-amz-sdk-checksum-algorithm header is invalid.';

test('x-amz-sdk-checksum-algorithm unknown or mismatched: 400 InvalidRequest with S3\'s message', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const sign = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  const put = async (headers: Record<string, string>): Promise<string> => {
    const r = await send(pool, gw.url, { method: 'PUT', path: '/sdk-alg/k', headers, body: 'hello', sign });
    const text = r.body.toString();
    const code = /<Code>([^<]*)<\/Code><Message>([^<]*)<\/Message>/.exec(text);
    return code ? `${r.status} ${code[1]}: ${code[2]}` : `${r.status}`;
  };
  assert.equal((await send(pool, gw.url, { method: 'PUT', path: '/sdk-alg', sign })).status, 200);
  const be = Buffer.alloc(4);
  be.writeUInt32BE(crc32('hello'));
  const good = be.toString('base64');

  assert.equal(await put({ 'x-amz-sdk-checksum-algorithm': 'MD5' }), INVALID);
  assert.equal(await put({ 'x-amz-sdk-checksum-algorithm': 'FOO', 'x-amz-checksum-crc32': good }), INVALID);
  assert.equal(await put({ 'x-amz-sdk-checksum-algorithm': 'SHA1', 'x-amz-checksum-crc32': good }), INVALID);
  // Accepted: the name in any case, and an empty value (as if absent).
  assert.equal(await put({ 'x-amz-sdk-checksum-algorithm': 'crc32', 'x-amz-checksum-crc32': good }), '200');
  assert.equal(await put({ 'x-amz-sdk-checksum-algorithm': '', 'x-amz-checksum-crc32': good }), '200');
  assert.equal(await put({ 'x-amz-sdk-checksum-algorithm': '' }), '200');
});
