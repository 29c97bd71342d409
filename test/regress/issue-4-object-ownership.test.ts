/**
 * Issue #4 (feature: S3 Object Ownership). Every bucket here behaved as ObjectWriter (ACLs enabled,
 * the writer owns each object): a bucket could not have ACLs disabled, as every new S3 bucket has
 * had by default since April 2023. CreateBucket with `x-amz-object-ownership: BucketOwnerEnforced`
 * answered 501, PutBucketOwnershipControls 501, GetBucketOwnershipControls always 404.
 *
 * Now the setting is stored with the bucket (config `ownership`), Get/Put/DeleteBucketOwnershipControls
 * work, and with BucketOwnerEnforced: the bucket owner owns every object (GetObjectAcl, listings),
 * ACL grants stop counting (only the owner and the policy decide), and an ACL other than
 * bucket-owner-full-control is 400 AccessControlListNotSupported "The bucket does not allow ACLs";
 * disabling ACLs on a bucket whose ACL grants others is 400 InvalidBucketAclWithObjectOwnership.
 * BucketOwnerPreferred: a write naming bucket-owner-full-control is owned by the bucket owner.
 * Evidence: user guide "Controlling ownership of objects and disabling ACLs", its troubleshooting
 * page (object-ownership-error-responses), API_CreateBucket, API_PutObject. Real HTTP, SDK v3, two
 * tenants (alice owns the buckets, bob writes into them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketOwnershipControlsCommand, GetBucketAclCommand,
  GetBucketOwnershipControlsCommand, GetObjectAclCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command,
  PutBucketAclCommand, PutBucketOwnershipControlsCommand, PutBucketPolicyCommand, PutObjectAclCommand, PutObjectCommand,
  S3Client, type ObjectOwnership,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

const BOB = { name: 'bob', accessKey: 'BOBOWNERSHIP00000001', secretKey: 'bob-ownership-secret-000000000000000001' };

async function refused(p: Promise<unknown>, status: number, code: string, what: string): Promise<void> {
  const err = await errorOf(p);
  assert.equal(err.$metadata.httpStatusCode, status, what);
  assert.equal(err.name, code, what);
}

async function setUp(t: Parameters<typeof gatewayWithClient>[0]): Promise<{ alice: S3Client; bob: S3Client; aliceId: string; bobId: string }> {
  const { gw, s3: alice } = await gatewayWithClient(t, { users: [BOB] }, { maxAttempts: 1 });
  const bob = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  t.after(() => bob.destroy());
  return { alice, bob, aliceId: gw.tenantId, bobId: gw.users[1]!.tenantId };
}

const controls = (ObjectOwnership: ObjectOwnership) => ({ Rules: [{ ObjectOwnership }] });
const policyFor = (bucket: string, tenant: string, actions: string[]): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: [tenant] }, Action: actions, Resource: [`arn:aws:s3:::${bucket}/*`] }],
});

test('BucketOwnerEnforced at CreateBucket: controls read back, ACLs refused, the bucket owner owns what bob writes', async (t) => {
  const { alice, bob, aliceId, bobId } = await setUp(t);
  await alice.send(new CreateBucketCommand({ Bucket: 'enf', ObjectOwnership: 'BucketOwnerEnforced' }));
  const got = await alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'enf' }));
  assert.deepEqual(got.OwnershipControls?.Rules, [{ ObjectOwnership: 'BucketOwnerEnforced' }]);

  const denied = await errorOf(alice.send(new PutObjectCommand({ Bucket: 'enf', Key: 'pub', Body: 'x', ACL: 'public-read' })));
  assert.equal(denied.$metadata.httpStatusCode, 400);
  assert.equal(denied.name, 'AccessControlListNotSupported');
  assert.equal(denied.message, 'The bucket does not allow ACLs');
  await refused(alice.send(new PutObjectCommand({ Bucket: 'enf', Key: 'g', Body: 'x', GrantRead: `id=${bobId}` })), 400, 'AccessControlListNotSupported', 'grant header');
  await refused(alice.send(new CreateMultipartUploadCommand({ Bucket: 'enf', Key: 'mpu', ACL: 'public-read' })), 400, 'AccessControlListNotSupported', 'CreateMultipartUpload');
  await alice.send(new PutObjectCommand({ Bucket: 'enf', Key: 'plain', Body: 'x' }));
  await refused(alice.send(new CopyObjectCommand({ Bucket: 'enf', Key: 'copy', CopySource: 'enf/plain', ACL: 'authenticated-read' })), 400, 'AccessControlListNotSupported', 'CopyObject');
  await refused(alice.send(new PutObjectAclCommand({ Bucket: 'enf', Key: 'plain', ACL: 'public-read' })), 400, 'AccessControlListNotSupported', 'PutObjectAcl');
  await refused(alice.send(new PutBucketAclCommand({ Bucket: 'enf', ACL: 'public-read' })), 400, 'AccessControlListNotSupported', 'PutBucketAcl');
  await refused(alice.send(new PutBucketAclCommand({ Bucket: 'enf', ACL: 'private' })), 400, 'AccessControlListNotSupported', 'PutBucketAcl private');
  // bucket-owner-full-control is accepted and changes nothing.
  await alice.send(new PutObjectCommand({ Bucket: 'enf', Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
  await alice.send(new PutObjectAclCommand({ Bucket: 'enf', Key: 'plain', ACL: 'bucket-owner-full-control' }));

  // bob may write (policy; s3:PutObjectAcl for the ACL header, as AWS asks), not read: he does not
  // own what he writes here.
  await alice.send(new PutBucketPolicyCommand({ Bucket: 'enf', Policy: policyFor('enf', bobId, ['s3:PutObject', 's3:PutObjectAcl']) }));
  await bob.send(new PutObjectCommand({ Bucket: 'enf', Key: 'from-bob', Body: 'bob', ACL: 'bucket-owner-full-control' }));
  await bob.send(new PutObjectCommand({ Bucket: 'enf', Key: 'from-bob-2', Body: 'bob' }));
  await refused(bob.send(new GetObjectCommand({ Bucket: 'enf', Key: 'from-bob-2' })), 403, 'AccessDenied', 'no ACL named: still the bucket owner\'s');
  await refused(bob.send(new GetObjectCommand({ Bucket: 'enf', Key: 'from-bob' })), 403, 'AccessDenied', 'the writer is not the owner');
  const acl = await alice.send(new GetObjectAclCommand({ Bucket: 'enf', Key: 'from-bob' }));
  assert.equal(acl.Owner?.ID, aliceId);
  assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission]), [[aliceId, 'FULL_CONTROL']]);
  const list = await alice.send(new ListObjectsV2Command({ Bucket: 'enf', FetchOwner: true }));
  assert.equal(list.Contents?.find((o) => o.Key === 'from-bob')?.Owner?.ID, aliceId);
});

test('CreateBucket BucketOwnerEnforced with an ACL granting others is InvalidBucketAclWithObjectOwnership; private is fine', async (t) => {
  const { alice } = await setUp(t);
  await refused(alice.send(new CreateBucketCommand({ Bucket: 'enf-pub', ObjectOwnership: 'BucketOwnerEnforced', ACL: 'public-read' })), 400, 'InvalidBucketAclWithObjectOwnership', 'public-read');
  await refused(alice.send(new HeadBucketCommand({ Bucket: 'enf-pub' })), 404, 'NotFound', 'nothing created');
  await alice.send(new CreateBucketCommand({ Bucket: 'enf-priv', ObjectOwnership: 'BucketOwnerEnforced', ACL: 'private' }));
});

test('PutBucketOwnershipControls: existing ACL grants stop counting under BucketOwnerEnforced and count again after Delete', async (t) => {
  const { alice, bob, aliceId, bobId } = await setUp(t);
  await alice.send(new CreateBucketCommand({ Bucket: 'swap' }));
  await refused(alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'swap' })), 404, 'OwnershipControlsNotFoundError', 'no controls');
  await alice.send(new PutObjectCommand({ Bucket: 'swap', Key: 'shared', Body: 'for bob', GrantRead: `id=${bobId}`, GrantFullControl: `id=${aliceId}` }));
  assert.equal(await (await bob.send(new GetObjectCommand({ Bucket: 'swap', Key: 'shared' }))).Body?.transformToString(), 'for bob');

  // A bucket ACL granting others blocks disabling ACLs until it is reset to private.
  await alice.send(new PutBucketAclCommand({ Bucket: 'swap', ACL: 'public-read' }));
  await refused(alice.send(new PutBucketOwnershipControlsCommand({ Bucket: 'swap', OwnershipControls: controls('BucketOwnerEnforced') })), 400, 'InvalidBucketAclWithObjectOwnership', 'public bucket ACL');
  await alice.send(new PutBucketAclCommand({ Bucket: 'swap', ACL: 'private' }));
  await refused(bob.send(new PutBucketOwnershipControlsCommand({ Bucket: 'swap', OwnershipControls: controls('BucketOwnerEnforced') })), 403, 'AccessDenied', 'bob is not the owner');
  await alice.send(new PutBucketOwnershipControlsCommand({ Bucket: 'swap', OwnershipControls: controls('BucketOwnerEnforced') }));

  await refused(bob.send(new GetObjectCommand({ Bucket: 'swap', Key: 'shared' })), 403, 'AccessDenied', 'the object ACL no longer counts');
  const acl = await alice.send(new GetObjectAclCommand({ Bucket: 'swap', Key: 'shared' }));
  assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.ID, g.Permission]), [[aliceId, 'FULL_CONTROL']]);
  const bucketAcl = await alice.send(new GetBucketAclCommand({ Bucket: 'swap' }));
  assert.deepEqual(bucketAcl.Grants?.map((g) => [g.Grantee?.ID, g.Permission]), [[aliceId, 'FULL_CONTROL']]);

  await refused(bob.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'swap' })), 403, 'AccessDenied', 'bob may not delete the controls');
  await alice.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'swap' }));
  await refused(alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'swap' })), 404, 'OwnershipControlsNotFoundError', 'deleted');
  assert.equal(await (await bob.send(new GetObjectCommand({ Bucket: 'swap', Key: 'shared' }))).Body?.transformToString(), 'for bob', 'ObjectWriter again: the grant counts');
});

test('BucketOwnerPreferred: bucket-owner-full-control hands the object to the bucket owner, other writes stay the writer\'s', async (t) => {
  const { alice, bob, aliceId, bobId } = await setUp(t);
  await alice.send(new CreateBucketCommand({ Bucket: 'pref', ObjectOwnership: 'BucketOwnerPreferred', GrantWrite: `id=${bobId}`, GrantFullControl: `id=${aliceId}` }));
  const got = await alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'pref' }));
  assert.deepEqual(got.OwnershipControls?.Rules, [{ ObjectOwnership: 'BucketOwnerPreferred' }]);
  await bob.send(new PutObjectCommand({ Bucket: 'pref', Key: 'handed', Body: 'x', ACL: 'bucket-owner-full-control' }));
  await bob.send(new PutObjectCommand({ Bucket: 'pref', Key: 'kept', Body: 'x' }));
  assert.equal((await alice.send(new GetObjectAclCommand({ Bucket: 'pref', Key: 'handed' }))).Owner?.ID, aliceId);
  assert.equal((await bob.send(new GetObjectAclCommand({ Bucket: 'pref', Key: 'kept' }))).Owner?.ID, bobId);
  // ACLs stay enabled: bob may still make his own object public.
  await bob.send(new PutObjectAclCommand({ Bucket: 'pref', Key: 'kept', ACL: 'public-read' }));
});
