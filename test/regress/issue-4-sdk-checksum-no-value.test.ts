/**
 * Issue #4 (`x-amz-sdk-checksum-algorithm` alone): a PutObject / UploadPart naming an algorithm
 * with no `x-amz-checksum-*` value and no `x-amz-trailer` was stored (the gateway computed the
 * checksum itself). The API reference says "there must be a corresponding x-amz-checksum-algorithm
 * or x-amz-trailer header sent. Otherwise, Amazon S3 fails the request with the HTTP status code
 * 400 Bad Request"; S3 answers InvalidRequest "x-amz-sdk-checksum-algorithm specified, but no
 * corresponding x-amz-checksum-* or x-amz-trailer headers were found." (versitygw#1593). Every
 * recorded client request (test/fixtures/clients) that names an algorithm sends a value or a
 * trailer. Presigned uploads keep their leniency: the JS SDK v3 URL, with the algorithm and an
 * empty-body CRC in its query, still uploads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Pool } from 'undici';
import { startGateway } from '../helpers/gateway.js';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import { send } from '../integration/faults/helpers.js';

const MISSING = '400 InvalidRequest: x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.';

test('x-amz-sdk-checksum-algorithm with no checksum value or trailer: 400 InvalidRequest, nothing stored', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const pool = new Pool(gw.url);
  t.after(() => pool.close());
  const sign = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  const req = async (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<string> => {
    const r = await send(pool, gw.url, { method, path, headers, body, sign });
    const text = r.body.toString();
    const code = /<Code>([^<]*)<\/Code><Message>([^<]*)<\/Message>/.exec(text);
    return code ? `${r.status} ${code[1]}: ${code[2]}` : `${r.status}`;
  };
  assert.equal(await req('PUT', '/sdk-noval'), '200');
  const be = Buffer.alloc(4);
  be.writeUInt32BE(crc32('hello'));
  const good = be.toString('base64');

  for (const alg of ['CRC32', 'sha256', 'CRC64NVME']) {
    assert.equal(await req('PUT', '/sdk-noval/k', { 'x-amz-sdk-checksum-algorithm': alg }, 'hello'), MISSING, alg);
  }
  assert.equal(await req('GET', '/sdk-noval/k'), '404 NoSuchKey: The specified key does not exist.', 'nothing stored');
  // An unknown name is still that error; with a value, as before.
  assert.equal(await req('PUT', '/sdk-noval/k', { 'x-amz-sdk-checksum-algorithm': 'MD5' }, 'hello'), '400 InvalidRequest: Value for x-amz-sdk-checksum-algorithm header is invalid.');
  assert.equal(await req('PUT', '/sdk-noval/k', { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-checksum-crc32': good }, 'hello'), '200');

  const init = await send(pool, gw.url, { method: 'POST', path: '/sdk-noval/mp?uploads', sign });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.body.toString())![1]!;
  assert.equal(await req('PUT', `/sdk-noval/mp?partNumber=1&uploadId=${uploadId}`, { 'x-amz-sdk-checksum-algorithm': 'CRC32' }, 'hello'), MISSING);
  assert.equal(await req('PUT', `/sdk-noval/mp?partNumber=1&uploadId=${uploadId}`, { 'x-amz-sdk-checksum-algorithm': 'CRC32', 'x-amz-checksum-crc32': good }, 'hello'), '200');
});

test('a JS SDK v3 presigned PUT (algorithm and empty-body CRC in the query) still uploads', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'sdk-noval-ps' }));
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sdk-noval-ps', Key: 'k' }), { expiresIn: 300 });
  assert.match(url, /x-amz-sdk-checksum-algorithm=CRC32/);
  const put = await fetch(url, { method: 'PUT', body: 'hello' });
  assert.equal(put.status, 200, await put.text());
  const got = await s3.send(new GetObjectCommand({ Bucket: 'sdk-noval-ps', Key: 'k' }));
  assert.equal(await got.Body?.transformToString(), 'hello');
});
