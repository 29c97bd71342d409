/**
 * Issue #4 (found auditing `aws s3api put-bucket-lifecycle-configuration` with the aws CLI):
 * PutBucketLifecycleConfiguration ignored `x-amz-transition-default-minimum-object-size` and neither
 * it nor GetBucketLifecycleConfiguration answered the header, which S3 sends on both
 * (API_PutBucketLifecycleConfiguration, API_GetBucketLifecycleConfiguration), `all_storage_classes_128K`
 * when none was set. The Terraform AWS provider waits after the Put until the Get reports the value
 * it expects, so `aws_s3_bucket_lifecycle_configuration` never completed against a gateway without it
 * (terraform-provider-aws#46021 on Ceph). Now the value is kept and echoed; an unknown value is 400
 * InvalidArgument with nothing stored. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand, type TransitionDefaultMinimumObjectSize } from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('x-amz-transition-default-minimum-object-size: S3 default when absent, kept and echoed when sent, unknown value refused', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'tdmos';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const Rules = [{ ID: 'r', Status: 'Enabled' as const, Filter: { Prefix: 'logs/' }, Expiration: { Days: 3 } }];

  const plain = await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
  assert.equal(plain.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K', 'Put answers the default');
  const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  assert.equal(got.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K', 'Get answers the default');

  const varies = await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules }, TransitionDefaultMinimumObjectSize: 'varies_by_storage_class' }));
  assert.equal(varies.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
  const kept = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  assert.equal(kept.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class', 'kept with the rules');
  assert.deepEqual(kept.Rules?.map((r) => r.ID), ['r']);

  const bad = await errorOf(s3.send(new PutBucketLifecycleConfigurationCommand({
    Bucket, LifecycleConfiguration: { Rules: [{ ...Rules[0]!, ID: 'other' }] }, TransitionDefaultMinimumObjectSize: 'tiny' as TransitionDefaultMinimumObjectSize,
  })));
  assert.equal(bad.name, 'InvalidArgument');
  assert.equal(bad.$metadata.httpStatusCode, 400);
  const after = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  assert.deepEqual([after.Rules?.map((r) => r.ID), after.TransitionDefaultMinimumObjectSize], [['r'], 'varies_by_storage_class'], 'nothing stored');

  // A Put without the header goes back to the default.
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));
  assert.equal((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
});
