/**
 * Issue #3: "every chunk is hash-checked on read — corrupted data is an error, never served"; the
 * error a client gets for it is S3's 500 InternalError (s3-surface.md §9). GetObject wrote the 200
 * status line before pulling the first chunk, so a damaged first chunk (or the only one, or the one
 * a range falls in) ended in a closed connection with no answer at all ("Empty reply from server";
 * the SDK saw a socket error, not an S3 error, and README had to say so — newuser16). The handler
 * now reads the first piece before answering: that damage is a 500 InternalError with its XML body.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import aws4 from 'aws4';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import { chunkFiles, flipByte } from '../integration/engine/damage.js';

test('GetObject of a damaged chunk answers 500 InternalError, not a dropped connection', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { backend: 'local' }, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'dmg' }));
  const data = randomBytes(2.5 * 1024 * 1024);
  await s3.send(new PutObjectCommand({ Bucket: 'dmg', Key: 'obj', Body: data }));
  const files = await chunkFiles(gw.dataDir!);
  assert.equal(files.length, 3, 'three payload chunk files');
  for (const f of files) await flipByte(f);

  const u = new URL(gw.url);
  const get = async (range?: string): Promise<Response> => {
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...(range ? { range } : {}) };
    const s = aws4.sign({ host: u.host, method: 'GET', path: '/dmg/obj', headers, service: 's3', region: 'us-east-1' }, { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey });
    return fetch(`${gw.url}/dmg/obj`, { headers: s.headers as Record<string, string> });
  };
  // Whole object (first chunk damaged), then a range inside the second chunk, then again (the
  // chunk is quarantined by now: "missing", still a 500).
  for (const range of [undefined, 'bytes=1048600-1048700', undefined]) {
    const r = await get(range);
    assert.equal(r.status, 500, `range ${range}`);
    const xml = await r.text();
    assert.match(xml, /<Code>InternalError<\/Code>/);
    assert.match(xml, /<RequestId>[^<]+<\/RequestId>/);
    assert.equal(r.headers.get('x-amz-request-id') !== null, true);
  }
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'dmg', Key: 'obj' })), (e: Error) => e.name === 'InternalError');
  // HEAD reads no chunk: the version is there.
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'dmg', Key: 'obj' }))).ContentLength, data.length);

  // An intact object still streams whole after the primed first piece.
  const good = randomBytes(3 * 1024 * 1024 + 7);
  await s3.send(new PutObjectCommand({ Bucket: 'dmg', Key: 'good', Body: good }));
  const back = await s3.send(new GetObjectCommand({ Bucket: 'dmg', Key: 'good' }));
  assert.ok(Buffer.from(await back.Body!.transformToByteArray()).equals(good));
  const part = await s3.send(new GetObjectCommand({ Bucket: 'dmg', Key: 'good', Range: 'bytes=1048570-2097160' }));
  assert.ok(Buffer.from(await part.Body!.transformToByteArray()).equals(good.subarray(1048570, 2097161)));
});
