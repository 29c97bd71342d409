/**
 * Issue #4: CreateMultipartUpload and ListParts never said when a lifecycle
 * `AbortIncompleteMultipartUpload` rule would abort the upload. S3 answers both with
 * `x-amz-abort-date` and `x-amz-abort-rule-id` when an enabled rule's prefix matches the key
 * (API_CreateMultipartUpload, API_ListParts; SDK v3 `AbortDate` / `AbortRuleId`): the upload's
 * initiation time plus DaysAfterInitiation rounded up to midnight UTC, as the lifecycle worker
 * aborts it (one evaluation: engine/lifecycle-rules.ts uploadAbortDue); of several rules the
 * earliest. None for a key outside the prefixes or a disabled rule. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, ListPartsCommand, PutBucketLifecycleConfigurationCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const DAY_MS = 86_400_000;
const midnightAfter = (ms: number, days: number): number => Math.ceil((ms + days * DAY_MS) / DAY_MS) * DAY_MS;

test('x-amz-abort-date and x-amz-abort-rule-id on CreateMultipartUpload and ListParts of uploads a lifecycle abort rule covers', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'aborting';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [
    { ID: 'tmp uploads', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } },
    { ID: 'seven', Status: 'Enabled', Filter: { Prefix: 'both/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
    { ID: 'one', Status: 'Enabled', Filter: { Prefix: 'both/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    { ID: 'off', Status: 'Disabled', Filter: { Prefix: 'off/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    { ID: 'expire only', Status: 'Enabled', Filter: { Prefix: 'exp/' }, Expiration: { Days: 1 } },
  ] } }));

  const create = async (Key: string, days: number | undefined): Promise<{ ruleId?: string }> => {
    const before = Date.now();
    const c = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const after = Date.now();
    const parts = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId: c.UploadId }));
    if (days === undefined) {
      assert.equal(c.AbortDate, undefined, Key);
      assert.equal(parts.AbortDate, undefined, Key);
      assert.equal(c.AbortRuleId, undefined, Key);
      return {};
    }
    // The upload began between `before` and `after`; the date is that time + days up to midnight.
    const at = c.AbortDate?.getTime();
    assert.ok(at === midnightAfter(before, days) || at === midnightAfter(after, days), `${Key}: ${c.AbortDate?.toISOString()}`);
    assert.equal(parts.AbortDate?.getTime(), at, `${Key}: ListParts says the same date`);
    assert.equal(parts.AbortRuleId, c.AbortRuleId);
    return { ruleId: c.AbortRuleId };
  };

  assert.deepEqual(await create('tmp/a', 3), { ruleId: 'tmp uploads' });
  assert.deepEqual(await create('both/b', 1), { ruleId: 'one' }, 'the earliest of two matching rules');
  assert.deepEqual(await create('keep/c', undefined), {});
  assert.deepEqual(await create('off/d', undefined), {}, 'a disabled rule');
  assert.deepEqual(await create('exp/e', undefined), {}, 'an Expiration rule is not an abort rule');
});
