/**
 * Issue #4 (PostObject, session 13 gap): a form upload of a key a lifecycle Expiration rule applies
 * to was answered without `x-amz-expiration`, which PutObject's answer carries. POST is "an alternate
 * form of PUT" (RESTObjectPOST) and S3 sends the header on it: the PostObject answer LocalStack
 * models after S3 (its spec patch's PostResponse, localstack/aws/spec-patches.json) has
 * `Expiration` in `x-amz-expiration`, as PutObjectOutput does. The value is the one HEAD shows for
 * the stored object; none for a key no rule applies to. Real HTTP, SDK v3 forms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadObjectCommand, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a PostObject answer carries x-amz-expiration when a lifecycle Expiration applies to the stored object', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'post-expiring';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({
    Bucket, LifecycleConfiguration: { Rules: [{ ID: 'tmp rule', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 2 } }] },
  }));
  const post = async (Key: string, status?: string): Promise<Response> => {
    const { url, fields } = await createPresignedPost(s3, { Bucket, Key, Expires: 600, Fields: status ? { success_action_status: status } : {} });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob(['expiring soon']), 'f.txt');
    return fetch(url, { method: 'POST', body: form });
  };

  for (const status of [undefined, '201']) {
    const Key = `tmp/${status ?? 'default'}`;
    const res = await post(Key, status);
    assert.equal(res.status, status === '201' ? 201 : 204, await res.text());
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    assert.ok(head.Expiration, 'HEAD shows the expiration');
    assert.equal(res.headers.get('x-amz-expiration'), head.Expiration, `the POST answer (${status ?? 204}) shows the same`);
    assert.match(head.Expiration, /rule-id="tmp%20rule"$/);
  }
  const other = await post('kept/forever');
  assert.equal(other.status, 204);
  assert.equal(other.headers.get('x-amz-expiration'), null, 'no rule applies: no header');
});
