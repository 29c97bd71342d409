/**
 * Issue #4: two POST policy conditions S3 reads as conditions the form fails were refused as
 * malformed policies (400 InvalidPolicyDocument "Invalid Policy: Invalid Condition …" / "Invalid
 * content-length-range condition."). S3 answers 403 AccessDenied "Invalid according to Policy:
 * Policy Condition failed: […]" for
 * - an eq condition naming its field without `$`: `["eq", "success_action_redirect", "http://…"]`
 *   (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py TestS3PresignedPost::
 *   test_post_object_policy_conditions_validation_eq, invalid-condition-missing-prefix);
 * - a content-length-range bound that is a string and no number: `["content-length-range", "test", "10"]`
 *   (AWS recording test_s3.snapshot.json test_post_object_policy_validation_size,
 *   invalid-content-length-wrong-type).
 * Nothing is stored. Real HTTP, SDK v3 presigned POST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('PostObject: a $-less eq field and a non-numeric length bound fail as conditions, 403', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'post-failing-conditions';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const redirect = 'http://localhost.test/random';
  const post = async (Key: string, Conditions: PresignedPostOptions['Conditions'], Fields: Record<string, string>): Promise<{ status: number; text: string }> => {
    const { url, fields } = await createPresignedPost(s3, { Bucket, Key, Expires: 600, Fields, Conditions });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob(['abcdef']), 'f.txt');
    const res = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
    return { status: res.status, text: await res.text() };
  };
  const unxml = (s: string): string => s.replace(/&quot;/g, '"');

  const noDollar = await post('no-dollar', [['eq', 'success_action_redirect', redirect]] as unknown as PresignedPostOptions['Conditions'], { success_action_redirect: redirect });
  assert.equal(noDollar.status, 403, noDollar.text);
  assert.match(unxml(noDollar.text), /<Code>AccessDenied<\/Code><Message>Invalid according to Policy: Policy Condition failed: \["eq", "success_action_redirect", "http:\/\/localhost.test\/random"\]<\/Message>/);

  const badBound = await post('bad-bound', [['content-length-range', 'test', 10]] as unknown as PresignedPostOptions['Conditions'], {});
  assert.equal(badBound.status, 403, badBound.text);
  assert.match(unxml(badBound.text), /Policy Condition failed: \["content-length-range", "test", "10"\]<\/Message>/);

  for (const Key of ['no-dollar', 'bad-bound']) {
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key })), { name: 'NotFound' });
  }
});
