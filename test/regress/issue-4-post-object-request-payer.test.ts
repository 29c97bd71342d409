/**
 * Issue #4 (authz17, found by test/integration/fuzz/authz-model.test.ts): a browser-form upload
 * (PostObject) by another tenant into a Requester Pays bucket was refused with 403 AccessDenied
 * although it sent `x-amz-request-payer: requester`: the handler authorised the PutObject with the
 * form's fields as its only headers, so the request's own header was dropped. S3 takes the header
 * "for DELETE, GET, HEAD, POST, and PUT requests" (user guide, ObjectsinRequesterPaysBuckets.html).
 * Without it the upload is still refused; the owner needs none. Real HTTP, SDK v3 presigned POST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadObjectCommand, PutBucketPolicyCommand, PutBucketRequestPaymentCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { startGateway } from '../helpers/gateway.js';

test('PostObject into a Requester Pays bucket: the x-amz-request-payer header counts; without it 403', async (t) => {
  const gw = await startGateway({ users: [{ name: 'bob' }] });
  t.after(() => gw.close());
  const bob = gw.users[1]!;
  const alice = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  const bobs = new S3Client({ ...gw.clientConfig(bob), maxAttempts: 1 });
  t.after(() => { alice.destroy(); bobs.destroy(); });
  const Bucket = 'post-payer';
  await alice.send(new CreateBucketCommand({ Bucket }));
  await alice.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: bob.tenantId }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${Bucket}/*` }] }) }));
  await alice.send(new PutBucketRequestPaymentCommand({ Bucket, RequestPaymentConfiguration: { Payer: 'Requester' } }));

  const post = async (s3: S3Client, Key: string, headers: Record<string, string>): Promise<Response> => {
    const { url, fields } = await createPresignedPost(s3, { Bucket, Key, Expires: 600 });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob(['posted']), 'f.txt');
    return fetch(url, { method: 'POST', body: form, headers });
  };
  const paying = await post(bobs, 'paid', { 'x-amz-request-payer': 'requester' });
  assert.equal(paying.status, 204, await paying.text());
  assert.equal((await alice.send(new HeadObjectCommand({ Bucket, Key: 'paid' }))).ContentLength, 6);

  const free = await post(bobs, 'unpaid', {});
  assert.equal(free.status, 403);
  assert.match(await free.text(), /<Code>AccessDenied<\/Code>/);
  await assert.rejects(alice.send(new HeadObjectCommand({ Bucket, Key: 'unpaid' })), { name: 'NotFound' });

  assert.equal((await post(alice, 'owners', {})).status, 204, 'the owner needs no header');
});
