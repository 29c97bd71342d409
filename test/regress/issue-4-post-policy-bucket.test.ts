/**
 * Issue #4 (PostObject, session 13 gap): a signed form whose POST policy has no `bucket` condition
 * was stored. S3 treats the bucket the form is posted to as an input that a condition must name:
 * such a form is refused 403 AccessDenied "Invalid according to Policy: Extra input fields: bucket"
 * (reproduced against S3 by the AWS SDK for PHP maintainers, aws/aws-sdk-php#3292: PostObjectV4
 * adds no bucket condition and no `bucket` field); ceph/s3-tests
 * test_post_object_missing_policy_condition (every field named, only the bucket condition missing)
 * expects 403 — RGW adds the bucket to the policy's variables, each of which a condition must check.
 * The same form with a bucket condition is stored. SigV4 and SigV2 forms, real HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import type { TestGateway } from '../helpers/gateway.js';

const BUCKET = 'no-bucket-cond';

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** The fields of a SigV4 form (as PHP's PostObjectV4 builds them) whose policy has `conditions` plus the x-amz-* ones. */
function sigV4Form(gw: TestGateway, key: string, conditions: unknown[]): Record<string, string> {
  const now = new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const credential = `${gw.accessKey}/${day}/${gw.region}/s3/aws4_request`;
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(now.getTime() + 600_000).toISOString(),
    conditions: [...conditions, { 'x-amz-date': amzDate }, { 'x-amz-credential': credential }, { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }],
  })).toString('base64');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${gw.secretKey}`, day), gw.region), 's3'), 'aws4_request');
  return {
    key, 'X-Amz-Credential': credential, 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Date': amzDate, Policy: policy,
    'X-Amz-Signature': createHmac('sha256', signingKey).update(policy).digest('hex'),
  };
}

/** The fields of a SigV2 form whose policy has `conditions`. */
function sigV2Form(gw: TestGateway, key: string, conditions: unknown[]): Record<string, string> {
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(Date.now() + 600_000).toISOString(), conditions })).toString('base64');
  return { key, AWSAccessKeyId: gw.accessKey, policy, signature: createHmac('sha1', gw.secretKey).update(policy).digest('base64') };
}

async function post(gw: TestGateway, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob(['form body']), 'f.txt');
  const res = await fetch(`${gw.url}/${BUCKET}`, { method: 'POST', body: form });
  return { status: res.status, text: await res.text() };
}

test('a POST policy without a bucket condition is refused 403 "Extra input fields: bucket" and stores nothing', async (t) => {
  const { gw, s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const stored = async (Key: string): Promise<boolean> => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
      return true;
    } catch {
      return false;
    }
  };

  for (const [kind, form] of [['SigV4', sigV4Form], ['SigV2', sigV2Form]] as const) {
    const refused = await post(gw, form(gw, `${kind}/without`, [['starts-with', '$key', '']]));
    assert.equal(refused.status, 403, `${kind}: ${refused.text}`);
    assert.match(refused.text, /<Code>AccessDenied<\/Code>/);
    assert.match(refused.text, /<Message>Invalid according to Policy: Extra input fields: bucket<\/Message>/);
    assert.equal(await stored(`${kind}/without`), false, `${kind}: nothing stored`);

    const ok = await post(gw, form(gw, `${kind}/with`, [{ bucket: BUCKET }, ['starts-with', '$key', '']]));
    assert.equal(ok.status, 204, `${kind}: ${ok.text}`);
    assert.equal(await stored(`${kind}/with`), true, `${kind}: stored with a bucket condition`);
  }
});
