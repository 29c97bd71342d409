/**
 * Issue #4 (s3-tests audit, test_lifecycle_get and test_lifecycle_get_no_id): a lifecycle rule
 * sent with the rule's own `<Prefix>` (the form before `<Filter>`, which S3 still accepts) was read
 * back by GetBucketLifecycleConfiguration as `<Filter><Prefix>`, so a client comparing the rules it
 * sent with the rules it reads (boto3 `Rules[i]['Prefix']`) found no Prefix. S3 answers the rule in
 * the form it was given (AWS CLI reference, get-bucket-lifecycle-configuration, example output with
 * `"Prefix": "rotated/"` at the rule's level). Rules sent with a `<Filter>` still read back with it.
 * Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('a lifecycle rule sent with the rule-level Prefix reads back with it; a Filter rule with its Filter', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'legacy-prefix';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const rules = [
    { ID: 'old', Prefix: 'test1/', Status: 'Enabled' as const, Expiration: { Days: 31 } },
    { ID: 'old-empty', Prefix: '', Status: 'Enabled' as const, Expiration: { Days: 60 } },
    { ID: 'new', Filter: { Prefix: 'test2/' }, Status: 'Enabled' as const, Expiration: { Days: 120 } },
  ];
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules } }));
  const got = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules ?? [];
  assert.deepEqual(got.map((r) => ({ ID: r.ID, Prefix: r.Prefix, Filter: r.Filter })), [
    { ID: 'old', Prefix: 'test1/', Filter: undefined },
    { ID: 'old-empty', Prefix: '', Filter: undefined },
    { ID: 'new', Prefix: undefined, Filter: { Prefix: 'test2/' } },
  ]);
});
