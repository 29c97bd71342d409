/**
 * Issue #4 (found by exploratory testing with boto3 1.43, create_bucket(CreateBucketConfiguration=
 * {'Tags': [{'Key': 'team', 'Value': 'x'}]})): CreateBucket read only <LocationConstraint> of its
 * body, so the <Tags> the bucket was to be created with were dropped (GetBucketTagging: NoSuchTagSet)
 * and a <Bucket>/<Location> asking for a directory bucket got a general purpose one. The tags are
 * now stored as PutBucketTagging stores them (validated the same way: an aws: key is InvalidTag,
 * nothing created), and a directory bucket configuration is 501 NotImplemented, nothing created.
 * Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketTaggingCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('CreateBucket with CreateBucketConfiguration Tags: the bucket is created tagged', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'tagged', CreateBucketConfiguration: { Tags: [{ Key: 'team', Value: 'storage' }, { Key: 'env', Value: 'ci' }] } }));
  const got = await s3.send(new GetBucketTaggingCommand({ Bucket: 'tagged' }));
  assert.deepEqual(Object.fromEntries((got.TagSet ?? []).map((x) => [x.Key, x.Value])), { team: 'storage', env: 'ci' });

  const bad = await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'tagged-bad', CreateBucketConfiguration: { Tags: [{ Key: 'aws:team', Value: 'x' }] } })));
  assert.equal(bad.$metadata.httpStatusCode, 400);
  assert.equal(bad.name, 'InvalidTag');
  assert.equal((await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'tagged-bad' })))).$metadata.httpStatusCode, 404);

  const dir = await errorOf(s3.send(new CreateBucketCommand({
    Bucket: 'dir-bucket',
    CreateBucketConfiguration: { Bucket: { Type: 'Directory', DataRedundancy: 'SingleAvailabilityZone' }, Location: { Type: 'AvailabilityZone', Name: 'use1-az4' } },
  })));
  assert.equal(dir.$metadata.httpStatusCode, 501);
  assert.equal(dir.name, 'NotImplemented');
  assert.equal((await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'dir-bucket' })))).$metadata.httpStatusCode, 404);
});
