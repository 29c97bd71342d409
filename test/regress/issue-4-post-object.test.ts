/**
 * Issue #4 (PostObject, s3-surface.md §3 P2): a browser form upload — `POST /{bucket}` with a
 * multipart/form-data body, as @aws-sdk/s3-presigned-post's createPresignedPost and boto3's
 * generate_presigned_post make them — was answered 501 NotImplemented, so presigned POST uploads
 * failed. It is now stored, and a form whose policy does not hold stores nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a createPresignedPost form upload is stored (was 501 NotImplemented)', async (t) => {
  const { s3 } = await gatewayWithClient(t);
  await s3.send(new CreateBucketCommand({ Bucket: 'posts' }));

  const { url, fields } = await createPresignedPost(s3, { Bucket: 'posts', Key: 'uploads/${filename}', Conditions: [['content-length-range', 0, 100]] });
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob(['from a browser form']), 'note.txt');
  const res = await fetch(url, { method: 'POST', body: form });
  assert.equal(res.status, 204, await res.text());
  const got = await s3.send(new GetObjectCommand({ Bucket: 'posts', Key: 'uploads/note.txt' }));
  assert.equal(await got.Body?.transformToString(), 'from a browser form');

  const tooBig = new FormData();
  for (const [k, v] of Object.entries(fields)) tooBig.append(k, v);
  tooBig.append('file', new Blob(['x'.repeat(101)]), 'big.txt');
  const refused = await fetch(url, { method: 'POST', body: tooBig });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /<Code>EntityTooLarge<\/Code>/);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'posts' }));
  assert.deepEqual(listed.Contents?.map((o) => o.Key), ['uploads/note.txt']);
});
