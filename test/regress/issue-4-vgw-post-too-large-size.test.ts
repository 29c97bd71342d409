/**
 * Issue #4 (found auditing versitygw tests/integration/PostObject.go,
 * PostObject_policy_content_length_too_large): a browser-form upload larger than the policy's
 * content-length-range was refused 400 EntityTooLarge with MaxSizeAllowed only. S3's answer carries
 * the file's size too: `<ProposedSize>710336</ProposedSize><MaxSizeAllowed>709960</MaxSizeAllowed>`
 * (infinitered/apisauce#245; froala/wysiwyg-editor#1625). Nothing is stored. Real HTTP, SDK v3
 * presigned POST; the file is larger than one read so the size is counted past the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { startGateway } from '../helpers/gateway.js';

const xml = (text: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];

test('PostObject past content-length-range: EntityTooLarge with ProposedSize and MaxSizeAllowed', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const Bucket = 'post-too-large';
  await s3.send(new CreateBucketCommand({ Bucket }));

  const post = async (Key: string, size: number): Promise<Response> => {
    const { url, fields } = await createPresignedPost(s3, { Bucket, Key, Expires: 600, Conditions: [['content-length-range', 0, 1000]] });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([Buffer.alloc(size, 0x61)]), 'f.bin');
    return fetch(url, { method: 'POST', body: form });
  };
  for (const size of [1001, 3 * 1024 * 1024]) {
    const res = await post(`big-${size}`, size);
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.equal(xml(text, 'Code'), 'EntityTooLarge');
    assert.equal(xml(text, 'ProposedSize'), String(size));
    assert.equal(xml(text, 'MaxSizeAllowed'), '1000');
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key: `big-${size}` })), { name: 'NotFound' });
  }
  assert.equal((await post('fits', 1000)).status, 204);
});
