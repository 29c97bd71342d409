/**
 * Issue #4 (LocalStack audit, tests/aws/services/s3/test_s3.py
 * test_post_request_missing_fields[s3]/[s3v4], answers recorded from AWS in test_s3.snapshot.json,
 * "exception-no-sig-related-fields"): a POST form that keeps only `key` and `policy` (no
 * AWSAccessKeyId / signature, no X-Amz-* field) is 403 AccessDenied "Access Denied" from S3. Here it
 * was 400 InvalidArgument "Bucket POST must contain a field named 'AWSAccessKeyId'", the answer S3
 * gives a SigV2 form that has a signature and no key id ("exception-missing-fields", unchanged).
 * Nothing is stored. Real HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import type { TestGateway } from '../helpers/gateway.js';

const BUCKET = 'form-no-creds';

async function post(gw: TestGateway, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob(['file content']), 'f.txt');
  const res = await fetch(`${gw.url}/${BUCKET}`, { method: 'POST', body: form });
  return { status: res.status, text: await res.text() };
}

test('a form with a policy and no signature fields: 403 AccessDenied; with a signature and no key id: 400 as before', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(Date.now() + 600_000).toISOString(), conditions: [{ bucket: BUCKET }, ['starts-with', '$key', '']],
  })).toString('base64');

  const bare = await post(gw, { key: 'no-creds', policy });
  assert.equal(bare.status, 403, bare.text);
  assert.match(bare.text, /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'no-creds' })), { name: 'NotFound' });

  const noKeyId = await post(gw, { key: 'no-key-id', policy, signature: createHmac('sha1', gw.secretKey).update(policy).digest('base64') });
  assert.equal(noKeyId.status, 400, noKeyId.text);
  assert.match(noKeyId.text, /<Code>InvalidArgument<\/Code><Message>Bucket POST must contain a field named 'AWSAccessKeyId'\./);
});
