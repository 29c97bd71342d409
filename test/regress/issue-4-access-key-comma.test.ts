/**
 * Issue #4 (spec16, s3-surface.md §2: keys an operator supplies "may be any 3–128 printable ASCII
 * characters without spaces"; CCOW_ACCESS_KEY and `ccow user add --access-key` accept them): an
 * access key holding a `,` could never sign a SigV4 header request. The Authorization header was
 * split at every `,`, which cut `Credential=my,key/…` in two: every request — ListBuckets,
 * PutObject, the SDK's whole default flow — was 400 AuthorizationHeaderMalformed. The header is
 * now split only before its component names (`Credential=`, `SignedHeaders=`, `Signature=`);
 * everything else about the header is as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startGateway } from '../helpers/gateway.js';

test('the SDK signs with an access key holding commas: header and presigned requests verify', async (t) => {
  const gw = await startGateway({ accessKey: 'ops,team,key-1', secretKey: 'secret,with:odd;chars' });
  t.after(() => gw.close());
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'comma-key' }));
  await s3.send(new PutObjectCommand({ Bucket: 'comma-key', Key: 'k', Body: 'data' }));
  const list = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(list.Buckets?.map((b) => b.Name), ['comma-key']);
  const got = await s3.send(new GetObjectCommand({ Bucket: 'comma-key', Key: 'k' }));
  assert.equal(await got.Body?.transformToString(), 'data');
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'comma-key', Key: 'k' }), { expiresIn: 60 });
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'data');
});

test('a wrong secret for such a key is still SignatureDoesNotMatch, an unknown one InvalidAccessKeyId', async (t) => {
  const gw = await startGateway({ accessKey: 'ops,team,key-1', secretKey: 'secret,with:odd;chars' });
  t.after(() => gw.close());
  for (const [credentials, code] of [
    [{ accessKeyId: 'ops,team,key-1', secretAccessKey: 'another-secret' }, 'SignatureDoesNotMatch'],
    [{ accessKeyId: 'ops,team,key-2', secretAccessKey: 'secret,with:odd;chars' }, 'InvalidAccessKeyId'],
  ] as const) {
    const s3 = new S3Client({ ...gw.clientConfig(), credentials, maxAttempts: 1 });
    await assert.rejects(s3.send(new ListBucketsCommand({})), (e: Error) => e.name === code);
    s3.destroy();
  }
});
