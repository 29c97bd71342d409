/**
 * S3 Object Ownership (user guide "Controlling ownership of objects and disabling ACLs for your
 * bucket"; API_PutBucketOwnershipControls, API_CreateBucket `x-amz-object-ownership`). The setting
 * is stored as the bucket config `ownership` in a `v: 1` form (`StoredOwnership`); a bucket without
 * it has no ownership controls (GetBucketOwnershipControls: 404) and behaves as `ObjectWriter`.
 *
 * - `ObjectWriter`: ACLs enabled; the writer owns what it writes.
 * - `BucketOwnerPreferred`: ACLs enabled; an object written with the canned ACL
 *   `bucket-owner-full-control` is owned by the bucket owner, any other by its writer.
 * - `BucketOwnerEnforced`: ACLs disabled. The bucket owner owns every object; ACL grants (bucket
 *   and object, stored before or not) no longer affect access — only the owner and the bucket
 *   policy decide; Get*Acl shows the bucket owner with FULL_CONTROL; a request that would set any
 *   other ACL is 400 AccessControlListNotSupported.
 */
import type { BucketInfo } from '../engine/index.js';
import { asStoredAcl, type StoredAcl } from './acl.js';
import { S3Errors } from './errors.js';

/** The three settings, in the API reference's order. */
export const OBJECT_OWNERSHIPS = ['BucketOwnerPreferred', 'ObjectWriter', 'BucketOwnerEnforced'] as const;

/** One Object Ownership setting. */
export type ObjectOwnership = (typeof OBJECT_OWNERSHIPS)[number];

/** The persisted setting (bucket config `ownership`). */
export interface StoredOwnership {
  v: 1;
  objectOwnership: ObjectOwnership;
}

export function isObjectOwnership(s: string | undefined): s is ObjectOwnership {
  return (OBJECT_OWNERSHIPS as readonly string[]).includes(s ?? '');
}

/** Read the stored setting back (undefined for anything that is not a v1 setting). */
export function asStoredOwnership(v: unknown): StoredOwnership | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Partial<StoredOwnership>;
  return o.v === 1 && isObjectOwnership(o.objectOwnership) ? (o as StoredOwnership) : undefined;
}

/** The bucket's setting; `ObjectWriter` when it has no ownership controls. */
export function objectOwnershipOf(bucket: Pick<BucketInfo, 'configs'>): ObjectOwnership {
  return asStoredOwnership(bucket.configs.ownership)?.objectOwnership ?? 'ObjectWriter';
}

/** Whether the bucket has ACLs disabled (BucketOwnerEnforced): grants then decide nothing. */
export function aclsDisabled(bucket: Pick<BucketInfo, 'configs'> | undefined): boolean {
  return bucket !== undefined && objectOwnershipOf(bucket) === 'BucketOwnerEnforced';
}

/** The ACL grants of a bucket that count for access: none when ACLs are disabled. */
export function effectiveBucketAcl(bucket: BucketInfo): StoredAcl | undefined {
  return aclsDisabled(bucket) ? undefined : asStoredAcl(bucket.configs.acl);
}

/**
 * The owner (tenant id) of an object version, from the ACL stored with it: with ACLs disabled
 * always the bucket owner ("the bucket owner automatically owns and has full control over every
 * object in the bucket", user guide "Controlling ownership of objects"); else the ACL's owner, who
 * wrote the version (ObjectWriter) or, for a delete marker, created it. A version stored without an
 * ACL was written by the bucket owner (object-write.ts requestedObjectAcl stores none then, and
 * none for a BucketOwnerPreferred write with bucket-owner-full-control); one the gateway wrote
 * itself (lifecycle expiry markers) is the bucket owner's too.
 */
export function objectOwnerOf(bucket: BucketInfo): (acl: unknown) => string {
  if (aclsDisabled(bucket)) return () => bucket.owner;
  return (acl) => asStoredAcl(acl)?.owner ?? bucket.owner;
}

/** Whether `acl` gives FULL_CONTROL to `owner` and nothing to anyone else. */
export function onlyOwnerFullControl(acl: StoredAcl, owner: string): boolean {
  return acl.grants.length > 0 && acl.grants.every((g) => g.permission === 'FULL_CONTROL' && g.grantee.type === 'CanonicalUser' && g.grantee.id === owner);
}

const aclNotSupported = (): Error => S3Errors.AccessControlListNotSupported();

/**
 * An ACL a request names for a bucket with ACLs disabled: accepted, and changing nothing, only
 * when it is a bucket-owner-full-control ACL — the canned `bucket-owner-full-control`, or grants
 * (x-amz-grant-* headers, an AccessControlPolicy body) of FULL_CONTROL to the bucket owner and
 * nobody else ("Buckets that use this setting only accept PUT requests that don't specify an ACL
 * or PUT requests that specify bucket owner full control ACLs, such as the bucket-owner-full-control
 * canned ACL or an equivalent form of this ACL expressed in the XML format", API_PutObject); else
 * 400 AccessControlListNotSupported "The bucket does not allow ACLs". `private` is refused too:
 * Terraform's `aws_s3_bucket_acl { acl = "private" }` on such a bucket gets that error from S3
 * (hashicorp/terraform-provider-aws#34079, cds-snc/forms-terraform#570).
 */
export function refuseAclWhenDisabled(headers: Record<string, string | undefined>, acl: StoredAcl | undefined, bucketOwner: string): void {
  if (acl === undefined) return;
  const canned = headers['x-amz-acl']?.trim();
  if (canned !== undefined) {
    if (canned !== 'bucket-owner-full-control') throw aclNotSupported();
    return;
  }
  if (!onlyOwnerFullControl(acl, bucketOwner)) throw aclNotSupported();
}
