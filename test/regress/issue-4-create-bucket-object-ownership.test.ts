/**
 * Issue #4 (found by exploratory testing with boto3, create_bucket(ObjectOwnership=
 * 'BucketOwnerEnforced')): CreateBucket ignored `x-amz-object-ownership`. A client asking for ACLs
 * to be disabled (BucketOwnerEnforced, S3's default for new buckets since 2023) got a bucket that
 * still took ACL grants: a later PutObject with `x-amz-acl: public-read` made the object readable by
 * anyone, where S3 refuses that ACL (AccessControlListNotSupported). ObjectWriter — what buckets
 * here are — is accepted; BucketOwnerEnforced and BucketOwnerPreferred now answer 501
 * NotImplemented naming the header (as PutBucketOwnershipControls does), nothing created; another
 * value is 400 InvalidArgument. Real HTTP, SDK v3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, HeadBucketCommand, S3ServiceException, type ObjectOwnership } from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

async function errorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof S3ServiceException, `expected an S3 error, got ${String(err)}`);
  return err;
}

test('CreateBucket x-amz-object-ownership: ObjectWriter accepted, the others refused and nothing created', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });

  await s3.send(new CreateBucketCommand({ Bucket: 'owner-writer', ObjectOwnership: 'ObjectWriter' }));
  await s3.send(new HeadBucketCommand({ Bucket: 'owner-writer' }));

  for (const [Bucket, ObjectOwnership] of [['owner-enforced', 'BucketOwnerEnforced'], ['owner-preferred', 'BucketOwnerPreferred']] as const) {
    const err = await errorOf(s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership })));
    assert.equal(err.$metadata.httpStatusCode, 501, ObjectOwnership);
    assert.equal(err.name, 'NotImplemented', ObjectOwnership);
    assert.equal((err as S3ServiceException & { Header?: string }).Header, 'x-amz-object-ownership', ObjectOwnership);
    const head = await errorOf(s3.send(new HeadBucketCommand({ Bucket })));
    assert.equal(head.$metadata.httpStatusCode, 404, `${ObjectOwnership}: no bucket was created`);
  }

  const bad = await errorOf(s3.send(new CreateBucketCommand({ Bucket: 'owner-bad', ObjectOwnership: 'Everyone' as ObjectOwnership })));
  assert.equal(bad.$metadata.httpStatusCode, 400);
  assert.equal(bad.name, 'InvalidArgument');
  assert.equal(bad.message, 'Invalid x-amz-object-ownership header: Everyone');
});
