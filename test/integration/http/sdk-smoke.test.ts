/**
 * Smoke test of the whole stack through the real front door: @aws-sdk/client-s3 with its default
 * configuration (only endpoint, region, path style and keys set; no checksum opt-outs, so stream
 * uploads arrive aws-chunked with a CRC32 trailer, s3-surface.md §6) against a listen(0) gateway
 * on the local backend (LMDB + chunk files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../../helpers/gateway-client.js';

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

test('SDK v3 defaults: create bucket, put (string and stream), get, list, delete', async (t) => {
  const { s3 } = await gatewayWithClient(t, { backend: 'local' });

  await s3.send(new CreateBucketCommand({ Bucket: 'smoke' }));

  const text = 'hello, ccow ✓\n';
  const put1 = await s3.send(new PutObjectCommand({ Bucket: 'smoke', Key: 'dir/hello.txt', Body: text, ContentType: 'text/plain' }));
  assert.equal(put1.ETag, `"${md5(Buffer.from(text))}"`);

  // A stream body of unknown length in the SDK's eyes, except for ContentLength: aws-chunked upload.
  const big = bytes(3 * 1024 * 1024 + 17, 1);
  const put2 = await s3.send(new PutObjectCommand({ Bucket: 'smoke', Key: 'dir/big.bin', Body: Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]), ContentLength: big.length }));
  assert.equal(put2.ETag, `"${md5(big)}"`);

  const got1 = await s3.send(new GetObjectCommand({ Bucket: 'smoke', Key: 'dir/hello.txt' }));
  assert.equal(await got1.Body?.transformToString(), text);
  assert.equal(got1.ContentType, 'text/plain');
  const got2 = await s3.send(new GetObjectCommand({ Bucket: 'smoke', Key: 'dir/big.bin' }));
  const back = Buffer.from((await got2.Body?.transformToByteArray()) ?? []);
  assert.equal(back.length, big.length);
  assert.ok(back.equals(big));
  const ranged = await s3.send(new GetObjectCommand({ Bucket: 'smoke', Key: 'dir/big.bin', Range: 'bytes=1048570-1048590' }));
  assert.ok(Buffer.from((await ranged.Body?.transformToByteArray()) ?? []).equals(big.subarray(1048570, 1048591)));

  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'smoke', Prefix: 'dir/' }));
  assert.deepEqual(list.Contents?.map((o) => [o.Key, o.Size]), [['dir/big.bin', big.length], ['dir/hello.txt', Buffer.byteLength(text)]]);

  await s3.send(new DeleteObjectCommand({ Bucket: 'smoke', Key: 'dir/hello.txt' }));
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: 'smoke', Key: 'dir/hello.txt' })), { name: 'NotFound' });
  const after = await s3.send(new ListObjectsV2Command({ Bucket: 'smoke' }));
  assert.deepEqual(after.Contents?.map((o) => o.Key), ['dir/big.bin']);
});

test('the SDK sees S3 errors and request ids from the gateway', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { backend: 'local' }, { maxAttempts: 1 });
  const err = await s3.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'k' })).then(
    () => assert.fail('expected NoSuchBucket'),
    (e: { name: string; $metadata: { httpStatusCode?: number; requestId?: string } }) => e,
  );
  assert.equal(err.name, 'NoSuchBucket');
  assert.equal(err.$metadata.httpStatusCode, 404);
  assert.match(String(err.$metadata.requestId), /^[0-9A-F]{16}$/);

  const bad = new S3Client({ ...gw.clientConfig({ accessKey: gw.accessKey, secretKey: 'wrong-secret-wrong-secret' }), maxAttempts: 1 });
  t.after(() => bad.destroy());
  await assert.rejects(bad.send(new CreateBucketCommand({ Bucket: 'nope' })), { name: 'SignatureDoesNotMatch' });
});
