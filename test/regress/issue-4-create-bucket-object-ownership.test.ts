/**
 * Issue #4 (found by exploratory testing with boto3, create_bucket(ObjectOwnership=
 * 'BucketOwnerEnforced')): CreateBucket ignored `x-amz-object-ownership`. A client asking for ACLs
 * to be disabled (BucketOwnerEnforced, S3's default for new buckets since 2023) got a bucket that
 * still took ACL grants: a later PutObject with `x-amz-acl: public-read` made the object readable by
 * anyone, where S3 refuses that ACL (AccessControlListNotSupported). e2f4fcf made the two settings
 * that were not honoured answer 501; since Object Ownership is implemented (ownership.ts, regress
 * test issue-4-object-ownership) each of the three settings creates the bucket with that setting,
 * which GetBucketOwnershipControls reads back, and a public-read write into a BucketOwnerEnforced
 * bucket is refused. Another value is 400 InvalidArgument, nothing created. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetBucketOwnershipControlsCommand, HeadBucketCommand, PutObjectCommand, type ObjectOwnership } from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('CreateBucket x-amz-object-ownership: each setting is stored, an unknown one refused and nothing created', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });

  for (const [Bucket, ObjectOwnership] of [['owner-writer', 'ObjectWriter'], ['owner-enforced', 'BucketOwnerEnforced'], ['owner-preferred', 'BucketOwnerPreferred']] as const) {
    await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership }));
    const got = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    assert.deepEqual(got.OwnershipControls?.Rules, [{ ObjectOwnership }], ObjectOwnership);
  }
  const refused = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'owner-enforced', Key: 'k', Body: 'x', ACL: 'public-read' })));
  assert.equal(refused.name, 'AccessControlListNotSupported');

  const bad = await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'owner-bad', ObjectOwnership: 'Everyone' as ObjectOwnership })));
  assert.equal(bad.$metadata.httpStatusCode, 400);
  assert.equal(bad.name, 'InvalidArgument');
  assert.equal(bad.message, 'Invalid x-amz-object-ownership header: Everyone');
  const head = await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'owner-bad' })));
  assert.equal(head.$metadata.httpStatusCode, 404, 'no bucket was created');
});
