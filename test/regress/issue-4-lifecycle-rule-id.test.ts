/**
 * Issue #4 (x-amz-expiration follow-up): a lifecycle rule sent without an ID kept none, so
 * GetBucketLifecycleConfiguration showed no ID and `x-amz-expiration` said `rule-id=""`. S3 assigns
 * an ID to such a rule ("If you don't provide one, Amazon S3 will assign an ID",
 * aws-controllers-k8s/community#1540; MinIO minio#15731 does the same). Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a lifecycle rule without an ID gets one, shown by GetBucketLifecycleConfiguration and named by x-amz-expiration', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'ids';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [
    { Status: 'Enabled', Filter: { Prefix: 'a/' }, Expiration: { Days: 2 } },
    { Status: 'Enabled', Filter: { Prefix: 'b/' }, Expiration: { Days: 3 } },
    { ID: 'mine', Status: 'Enabled', Filter: { Prefix: 'c/' }, Expiration: { Days: 4 } },
  ] } }));
  const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  const ids = (got.Rules ?? []).map((r) => r.ID);
  assert.equal(ids.length, 3);
  assert.equal(ids[2], 'mine', 'a given ID is kept');
  for (const id of ids.slice(0, 2)) assert.match(id ?? '', /^[A-Za-z0-9+/=]{48}$/, 'an assigned ID');
  assert.notEqual(ids[0], ids[1], 'assigned IDs differ');
  // The same ID on a second read (stored, not made up per request).
  const again = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  assert.deepEqual(again.Rules?.map((r) => r.ID), ids);
  const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'a/x', Body: 'x' }));
  // Two rules with an empty <ID></ID> each get one of their own (not refused as "the same ID").
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'ids', LifecycleConfiguration: { Rules: [
    { ID: '', Status: 'Enabled', Filter: { Prefix: 'd/' }, Expiration: { Days: 5 } },
    { ID: '', Status: 'Enabled', Filter: { Prefix: 'e/' }, Expiration: { Days: 6 } },
  ] } }));
  const empties = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.map((r) => r.ID) ?? [];
  assert.equal(new Set(empties).size, 2);
  for (const id of empties) assert.match(id ?? '', /^[A-Za-z0-9+/=]{48}$/);
  assert.match(put.Expiration ?? '', new RegExp(`rule-id="${encodeURIComponent(ids[0]!)}"$`));
});
