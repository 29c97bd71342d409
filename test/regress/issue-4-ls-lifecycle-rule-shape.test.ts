/**
 * Issue #4 (LocalStack audit, tests/aws/services/s3/test_s3.py TestS3BucketLifecycle
 * test_put_bucket_lifecycle_conf_exc, whose answers were recorded from AWS in
 * test_s3.snapshot.json): four lifecycle configurations S3 refuses were stored.
 * - a rule with neither `<Filter>` nor the rule-level `<Prefix>` ("missing-filter", "missing-id":
 *   400 MalformedXML; API_LifecycleRule: Filter "is required if the LifecycleRule does not contain
 *   a Prefix element") applied to every object;
 * - `<Filter>` holding `<And>` and another condition ("wrong-filter-and-plus-prefix": MalformedXML)
 *   lost the outer condition;
 * - an empty `<NoncurrentVersionExpiration/>` ("missing-noncurrent-version-expiration-data":
 *   MalformedXML) made a rule that never acts;
 * - two tags with one key in `<And>` ("duplicate-tag-keys": 400 InvalidRequest "Duplicate Tag Keys
 *   are not allowed.") kept the last one.
 * Nothing is stored by a refused configuration. Rules with a Filter or a rule-level Prefix are
 * accepted as before. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand, S3ServiceException,
  type LifecycleRule,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('lifecycle rules S3 refuses: no Filter nor Prefix, And beside another condition, empty NoncurrentVersionExpiration, duplicate tag keys', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'lc-shape';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const put = async (rule: LifecycleRule): Promise<{ code: string; message: string | undefined; status: number | undefined } | 'ok'> => {
    try {
      await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [rule] } }));
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof S3ServiceException, String(e));
      return { code: e.name, message: e.message, status: e.$metadata.httpStatusCode };
    }
  };
  const malformed = {
    code: 'MalformedXML', status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema',
  };
  assert.deepEqual(await put({ ID: 'no-filter', Status: 'Enabled', Expiration: { Days: 7 } }), malformed);
  assert.deepEqual(await put({ Status: 'Enabled', Expiration: { Days: 7 } }), malformed);
  assert.deepEqual(await put({
    ID: 'and-plus-prefix', Status: 'Enabled', Expiration: { Days: 7 },
    Filter: { And: { Prefix: 'test' }, Prefix: '' },
  }), malformed);
  assert.deepEqual(await put({
    ID: 'empty-noncurrent', Status: 'Enabled', Expiration: { Days: 7 }, Filter: {}, NoncurrentVersionExpiration: {},
  }), malformed);
  assert.deepEqual(await put({
    ID: 'dup-tags', Status: 'Enabled', Expiration: { Days: 1 },
    Filter: { And: { Tags: [{ Key: 'testlifecycle', Value: 'positive' }, { Key: 'testlifecycle', Value: 'positive-two' }] } },
  }), { code: 'InvalidRequest', message: 'Duplicate Tag Keys are not allowed.', status: 400 });
  await assert.rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })), { name: 'NoSuchLifecycleConfiguration' });

  // The accepted shapes still are.
  assert.equal(await put({ ID: 'filter', Status: 'Enabled', Expiration: { Days: 7 }, Filter: { Prefix: '' } }), 'ok');
  assert.equal(await put({ ID: 'legacy', Status: 'Enabled', Expiration: { Days: 7 }, Prefix: 'logs/' }), 'ok');
  assert.equal(await put({
    ID: 'and', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k1', Value: 'v' }, { Key: 'k2', Value: 'v' }] } },
  }), 'ok');
  const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  assert.deepEqual(got.Rules?.map((r) => r.ID), ['and']);
});
