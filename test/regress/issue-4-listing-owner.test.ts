/**
 * Issue #4 (listings name the wrong owner): every listing showed the bucket owner as the Owner of
 * every object, also of an object another tenant wrote into the bucket through an ACL grant — which
 * that tenant owns (ObjectWriter; GetObjectAcl already named it). S3 names each object's owner:
 * ListObjects (V1) and ListObjectsV2 with fetch-owner `Contents/Owner` ("The owner of the object",
 * API_Object), ListObjectVersions `Version/Owner` and `DeleteMarker/Owner` ("The account that
 * created the delete marker", API_DeleteMarkerEntry), ListMultipartUploads and ListParts
 * `Initiator` ("who initiated the multipart upload", API_Initiator) and `Owner` (the owner of the
 * object to be, API_MultipartUpload). With BucketOwnerPreferred an object written with
 * bucket-owner-full-control, and with BucketOwnerEnforced every object, is the bucket owner's.
 * Real HTTP, SDK v3, two tenants: alice owns the buckets, bob writes into them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectAclCommand, ListMultipartUploadsCommand,
  ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand, ListPartsCommand, PutBucketAclCommand,
  PutBucketOwnershipControlsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

const BOB = { name: 'bob', accessKey: 'BOBLISTOWNER00000001', secretKey: 'bob-list-owner-secret-00000000000000001' };

async function setUp(t: Parameters<typeof gatewayWithClient>[0]): Promise<{ alice: S3Client; bob: S3Client; aliceId: string; bobId: string }> {
  const { gw, s3: alice } = await gatewayWithClient(t, { users: [BOB] }, { maxAttempts: 1 });
  const bob = new S3Client({ ...gw.clientConfig(BOB), maxAttempts: 1 });
  t.after(() => bob.destroy());
  return { alice, bob, aliceId: gw.tenantId, bobId: gw.users[1]!.tenantId };
}

/** A bucket of alice's where bob may write (bucket ACL WRITE grant). */
async function sharedBucket(alice: S3Client, bucket: string, aliceId: string, bobId: string, ownership?: 'BucketOwnerPreferred'): Promise<void> {
  await alice.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: ownership }));
  await alice.send(new PutBucketAclCommand({ Bucket: bucket, GrantFullControl: `id=${aliceId}`, GrantWrite: `id=${bobId}` }));
}

type Owned = { Key?: string; Owner?: { ID?: string; DisplayName?: string } };
const owners = (list: Owned[] | undefined): Record<string, string | undefined> =>
  Object.fromEntries((list ?? []).map((o) => [o.Key ?? '', o.Owner?.ID]));

test('ObjectWriter: V1, V2 fetch-owner and versions listings name the writer; a delete marker names the deleter', async (t) => {
  const { alice, bob, aliceId, bobId } = await setUp(t);
  await sharedBucket(alice, 'shared', aliceId, bobId);
  await alice.send(new PutObjectCommand({ Bucket: 'shared', Key: 'by-alice', Body: 'a' }));
  await bob.send(new PutObjectCommand({ Bucket: 'shared', Key: 'by-bob', Body: 'b' }));
  assert.equal((await alice.send(new GetObjectAclCommand({ Bucket: 'shared', Key: 'by-bob' }))).Owner?.ID, bobId, 'GetObjectAcl agrees');

  const v2 = await alice.send(new ListObjectsV2Command({ Bucket: 'shared', FetchOwner: true }));
  assert.deepEqual(owners(v2.Contents), { 'by-alice': aliceId, 'by-bob': bobId }, 'ListObjectsV2 fetch-owner');
  assert.deepEqual(v2.Contents?.map((o) => o.Owner?.DisplayName), ['default', 'bob']);
  const plain = await alice.send(new ListObjectsV2Command({ Bucket: 'shared' }));
  assert.deepEqual(owners(plain.Contents), { 'by-alice': undefined, 'by-bob': undefined }, 'no Owner without fetch-owner');
  const v1 = await alice.send(new ListObjectsCommand({ Bucket: 'shared' }));
  assert.deepEqual(owners(v1.Contents), { 'by-alice': aliceId, 'by-bob': bobId }, 'ListObjects (V1)');
  // Listed by bob (bucket READ granted too): the names do not depend on who asks.
  await alice.send(new PutBucketAclCommand({ Bucket: 'shared', GrantFullControl: `id=${aliceId}`, GrantWrite: `id=${bobId}`, GrantRead: `id=${bobId}` }));
  const byBob = await bob.send(new ListObjectsV2Command({ Bucket: 'shared', FetchOwner: true }));
  assert.deepEqual(byBob.Contents?.map((o) => [o.Owner?.ID, o.Owner?.DisplayName]), [[aliceId, 'default'], [bobId, 'bob']]);

  await alice.send(new PutBucketVersioningCommand({ Bucket: 'shared', VersioningConfiguration: { Status: 'Enabled' } }));
  await bob.send(new DeleteObjectCommand({ Bucket: 'shared', Key: 'by-alice' }));
  await alice.send(new DeleteObjectCommand({ Bucket: 'shared', Key: 'by-bob' }));
  const versions = await alice.send(new ListObjectVersionsCommand({ Bucket: 'shared' }));
  assert.deepEqual(owners(versions.Versions), { 'by-alice': aliceId, 'by-bob': bobId }, 'Version/Owner');
  assert.deepEqual(owners(versions.DeleteMarkers), { 'by-alice': bobId, 'by-bob': aliceId }, 'DeleteMarker/Owner: who deleted');
});

test('multipart: Initiator is who created the upload, Owner the object owner to be', async (t) => {
  const { alice, bob, aliceId, bobId } = await setUp(t);
  await sharedBucket(alice, 'mpu', aliceId, bobId);
  const up = await bob.send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'k' }));
  await bob.send(new UploadPartCommand({ Bucket: 'mpu', Key: 'k', UploadId: up.UploadId, PartNumber: 1, Body: 'p' }));
  const uploads = await alice.send(new ListMultipartUploadsCommand({ Bucket: 'mpu' }));
  assert.deepEqual(uploads.Uploads?.map((u) => [u.Initiator?.ID, u.Initiator?.DisplayName, u.Owner?.ID]), [[bobId, 'bob', bobId]]);
  const parts = await alice.send(new ListPartsCommand({ Bucket: 'mpu', Key: 'k', UploadId: up.UploadId }));
  assert.deepEqual([parts.Initiator?.ID, parts.Owner?.ID], [bobId, bobId]);

  // BucketOwnerPreferred, bucket-owner-full-control: bob initiates, alice will own the object.
  await sharedBucket(alice, 'pref', aliceId, bobId, 'BucketOwnerPreferred');
  const bofc = await bob.send(new CreateMultipartUploadCommand({ Bucket: 'pref', Key: 'k', ACL: 'bucket-owner-full-control' }));
  const prefUploads = await alice.send(new ListMultipartUploadsCommand({ Bucket: 'pref' }));
  assert.deepEqual(prefUploads.Uploads?.map((u) => [u.Initiator?.ID, u.Owner?.ID]), [[bobId, aliceId]]);
  const prefParts = await alice.send(new ListPartsCommand({ Bucket: 'pref', Key: 'k', UploadId: bofc.UploadId }));
  assert.deepEqual([prefParts.Initiator?.ID, prefParts.Owner?.ID], [bobId, aliceId]);
});

test('BucketOwnerPreferred with bucket-owner-full-control, and BucketOwnerEnforced: the bucket owner is listed', async (t) => {
  const { alice, bob, aliceId, bobId } = await setUp(t);
  await sharedBucket(alice, 'pref', aliceId, bobId, 'BucketOwnerPreferred');
  await bob.send(new PutObjectCommand({ Bucket: 'pref', Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
  await bob.send(new PutObjectCommand({ Bucket: 'pref', Key: 'plain', Body: 'x' }));
  const pref = await alice.send(new ListObjectsV2Command({ Bucket: 'pref', FetchOwner: true }));
  assert.deepEqual(owners(pref.Contents), { bofc: aliceId, plain: bobId });

  // bob's object, written while ACLs were enabled, is the bucket owner's once they are disabled.
  await sharedBucket(alice, 'enf', aliceId, bobId);
  await bob.send(new PutObjectCommand({ Bucket: 'enf', Key: 'from-bob', Body: 'x' }));
  await alice.send(new PutBucketAclCommand({ Bucket: 'enf', ACL: 'private' }));
  await alice.send(new PutBucketOwnershipControlsCommand({ Bucket: 'enf', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  assert.deepEqual(owners((await alice.send(new ListObjectsV2Command({ Bucket: 'enf', FetchOwner: true }))).Contents), { 'from-bob': aliceId });
  assert.deepEqual(owners((await alice.send(new ListObjectsCommand({ Bucket: 'enf' }))).Contents), { 'from-bob': aliceId });
  assert.deepEqual(owners((await alice.send(new ListObjectVersionsCommand({ Bucket: 'enf' }))).Versions), { 'from-bob': aliceId });
});
