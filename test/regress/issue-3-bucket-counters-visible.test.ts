/**
 * Issue #3 asks for logical vs physical byte counters per bucket, "the dedup saving is a number
 * users see" (ccow.md §17: dedup saving = logical − physical, per bucket). The engine kept them
 * (bucketStats), but nothing showed them: no caller outside the engine (spec15e's audit). HeadBucket
 * now shows the bucket's owner x-ccow-object-count, x-ccow-logical-bytes, x-ccow-physical-bytes and
 * x-ccow-dedup-saved-bytes; anyone else allowed to HEAD the bucket gets S3's answer alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CreateBucketCommand, PutBucketAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import aws4 from 'aws4';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const BOB = { name: 'bob', accessKey: 'BOBCOUNTERS000000001', secretKey: 'bob-counters-secret-000000000000000001' };

async function head(url: string, key: { accessKey: string; secretKey: string }, path: string): Promise<Response> {
  const u = new URL(url);
  const signed = aws4.sign(
    { host: u.host, method: 'HEAD', path, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, service: 's3', region: 'us-east-1' },
    { accessKeyId: key.accessKey, secretAccessKey: key.secretKey },
  );
  return fetch(`${url}${path}`, { method: 'HEAD', headers: signed.headers as Record<string, string> });
}

test('HeadBucket shows the bucket owner its object count, logical and physical bytes and the dedup saving', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, { backend: 'local', users: [BOB] }, { maxAttempts: 1 });
  const owner = { accessKey: gw.accessKey, secretKey: gw.secretKey };
  await s3.send(new CreateBucketCommand({ Bucket: 'counted' }));
  const big = randomBytes(3 * 1024 * 1024);
  await s3.send(new PutObjectCommand({ Bucket: 'counted', Key: 'a', Body: big }));
  await s3.send(new PutObjectCommand({ Bucket: 'counted', Key: 'b', Body: big }));
  await s3.send(new PutObjectCommand({ Bucket: 'counted', Key: 'c', Body: Buffer.from('small one') }));

  const r = await head(gw.url, owner, '/counted');
  assert.equal(r.status, 200);
  const n = (h: string): number => Number(r.headers.get(h));
  assert.equal(n('x-ccow-object-count'), 3);
  assert.equal(n('x-ccow-logical-bytes'), 2 * big.length + 9);
  const physical = n('x-ccow-physical-bytes');
  // One copy of the 3 MiB payload, plus the small object and the manifests: the second copy is shared.
  assert.ok(physical >= big.length && physical < big.length + 64 * 1024, `physical ${physical}`);
  assert.equal(n('x-ccow-dedup-saved-bytes'), n('x-ccow-logical-bytes') - physical);
  assert.ok(n('x-ccow-dedup-saved-bytes') > big.length - 64 * 1024);

  // bob may HEAD the bucket (public-read) but is not its owner: S3's headers only.
  await s3.send(new PutBucketAclCommand({ Bucket: 'counted', ACL: 'public-read' }));
  const other = await head(gw.url, BOB, '/counted');
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('x-amz-bucket-region'), 'us-east-1');
  for (const h of ['x-ccow-object-count', 'x-ccow-logical-bytes', 'x-ccow-physical-bytes', 'x-ccow-dedup-saved-bytes']) assert.equal(other.headers.get(h), null, h);
});
