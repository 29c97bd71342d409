/**
 * Authorisation (shared/spec/s3-surface.md §8). Evaluation order: explicit Deny in the bucket
 * policy → 403; the bucket owner's tenant → allow; Allow in the bucket policy → allow; an ACL grant
 * (not on a bucket with ACLs disabled, ownership.ts) → allow; else 403 AccessDenied. Anonymous callers get only what policy or ACL grant to everyone.
 */
import type { BucketInfo, ObjectVersion } from '../engine/index.js';
import { aclAllows, asStoredAcl, type Permission } from './acl.js';
import { tenantOf, type RequestContext } from './context.js';
import { mapError, S3Error, S3Errors } from './errors.js';
import type { Access, S3Operation } from './operations.js';
import { aclsDisabled, effectiveBucketAcl } from './ownership.js';
import { asStoredPolicy, evaluatePolicy, resourceArn, type PolicyPrincipal } from './policy.js';

const BUCKET_PERMISSION: Partial<Record<Access, Permission>> = {
  'bucket-read': 'READ',
  'bucket-write': 'WRITE',
  'bucket-read-acp': 'READ_ACP',
  'bucket-write-acp': 'WRITE_ACP',
};

/**
 * Actions a bucket ACL grants to the bucket owner only: WRITE "allows the s3:DeleteObjectVersion
 * action" only "when the grantee is the bucket owner" (user guide, ACL overview, ACL-to-policy
 * mapping) — a public-read-write bucket must not let anyone destroy versions.
 */
const OWNER_ONLY_BY_ACL = new Set(['s3:DeleteObjectVersion']);

const OBJECT_PERMISSION: Partial<Record<Access, Permission>> = {
  'object-read': 'READ',
  'object-read-acp': 'READ_ACP',
  'object-write-acp': 'WRITE_ACP',
};

function principalOf(ctx: RequestContext): PolicyPrincipal | undefined {
  if (ctx.identity.kind !== 'user') return undefined;
  const u = ctx.identity.user;
  return { tenantId: u.tenantId, accessKey: u.accessKey, userName: u.name };
}

/**
 * Load the addressed bucket into `ctx.bucket` (NoSuchBucket when it does not exist, except for
 * CreateBucket) and authorise the routed operation. Object ACLs are read with `engine.head` only
 * when owner and policy did not already decide.
 */
export async function authorize(ctx: RequestContext): Promise<void> {
  const op = ctx.op;
  if (op.access === 'public' || op.access === 'none') return;
  if (op.access === 'authenticated') {
    if (ctx.identity.kind !== 'user') throw S3Errors.AccessDenied();
    if ('bucket' in op && op.bucket !== undefined) ctx.bucket = await ctx.engine.getBucket(op.bucket);
    return;
  }
  const bucket = await loadBucket(ctx, op);
  checkRequestPayer(ctx, bucket);
  // DeleteObjects names its keys in the body: each key is authorised by the handler
  // (authorizeObject), and a refused key is an <Error> entry, as AWS does — for an anonymous
  // caller too, even where no key could be allowed: 200 with AccessDenied per key, not a 403 for
  // the request (minio/minio#4817, S3's answer compared by hand; minio/mint#116).
  if (op.kind === 'DeleteObjects') return;
  if (POLICY_ADMIN.has(op.kind)) return authorizePolicyAdmin(ctx, bucket, op.action);
  const key = 'key' in op ? op.key : undefined;
  if (INITIATOR_MAY.has(op.kind) && key !== undefined && (await initiatorMay(ctx, bucket, op.action, key))) return;
  const versionId = ctx.query.get('versionId') ?? undefined;
  const granted = await authorizeAccess(ctx, bucket, op.action, key, op.access, versionId);
  const also = ALSO_NEEDED[op.kind];
  if (also && key !== undefined) {
    await authorizeAccess(ctx, bucket, versionId === undefined ? also.action : also.versioned, key, op.access, versionId);
  }
  if (granted) grantingVersions.set(ctx, granted);
  if (WRITES_WITH_ATTRS.has(op.kind) && key !== undefined) authorizeWriteAttrs(ctx, bucket, key);
}

/**
 * What the initiator of a multipart upload may do to it without being granted the action:
 * AbortMultipartUpload ("By default, the bucket owner and the initiator of the multipart upload are
 * allowed to perform this action") and ListParts ("The initiator of the multipart upload has the
 * permission to list parts of the specific multipart upload"), user guide "Multipart upload API and
 * permissions" (mpuAndPermissions.html). Without this a tenant a bucket policy allows only
 * s3:PutObject could start an upload but not abort it (SDKs abort a failed upload: its parts stayed
 * until the age-out) nor list its parts to resume it. An explicit Deny still binds (§8: Deny first).
 */
const INITIATOR_MAY = new Set<S3Operation['kind']>(['AbortMultipartUpload', 'ListParts']);

/** Whether the caller initiated the upload `?uploadId` names (of this key) and no Deny applies. */
async function initiatorMay(ctx: RequestContext, bucket: BucketInfo, action: string, key: string): Promise<boolean> {
  const tenant = tenantOf(ctx);
  const uploadId = ctx.query.get('uploadId');
  if (tenant === undefined || !uploadId) return false;
  if (evaluatePolicy(asStoredPolicy(bucket.configs.policy), principalOf(ctx), action, resourceArn(bucket.name, key)) === 'deny') return false;
  const upload = await ctx.engine.getUpload(bucket.name, uploadId);
  return upload !== undefined && upload.key === key && upload.initiator === tenant;
}

/**
 * Operations that need a second action besides their own. GetObjectAttributes: "If you pass a
 * version ID in your request, you need both the s3:GetObjectVersion and
 * s3:GetObjectVersionAttributes permissions. If you do not pass a version ID in your request, you
 * need the s3:GetObject and s3:GetObjectAttributes permissions" (API_GetObjectAttributes.html,
 * "Permissions"); without this a policy denying s3:GetObject still let the caller read the
 * object's ETag, size and checksums.
 */
const ALSO_NEEDED: Partial<Record<S3Operation['kind'], { action: string; versioned: string }>> = {
  GetObjectAttributes: { action: 's3:GetObject', versioned: 's3:GetObjectVersion' },
};

/** The version whose object ACL authorised the routed request (see grantingVersionOf). */
const grantingVersions = new WeakMap<RequestContext, ObjectVersion>();

/**
 * The version whose own ACL granted the routed request (an object READ / READ_ACP / WRITE_ACP
 * grant), undefined when the owner, the policy or the bucket ACL decided. A handler that changes
 * "the" version must change this one: a second lookup may find a version an overwrite committed
 * since, on which the caller holds nothing (PutObjectAcl: bob, granted WRITE_ACP on alice's first
 * version, made her private overwrite public-read).
 */
export function grantingVersionOf(ctx: RequestContext): ObjectVersion | undefined {
  return grantingVersions.get(ctx);
}

/**
 * After a handler's own lookup of the addressed version: when the request was authorised by another
 * version's ACL (an overwrite committed between authz's lookup and this one), the caller must hold
 * the permission on the version found too, else 403 AccessDenied, as if the request came after the
 * overwrite. Seen: bob, granted READ on alice's first version, read her private overwrite.
 */
export function checkGrantHolds(ctx: RequestContext, v: ObjectVersion): void {
  const granted = grantingVersions.get(ctx);
  if (!granted || granted.uvid === v.uvid) return;
  const perm = OBJECT_PERMISSION[ctx.op.access];
  if (perm && aclAllows(asStoredAcl(v.acl), tenantOf(ctx), perm)) return;
  throw S3Errors.AccessDenied();
}

/**
 * After a copy source's lookup (CopyObject, UploadPartCopy): when the source's READ was granted by
 * another version's ACL (`granted`, as authorizeAccess answered; an overwrite committed between
 * that lookup and this one), the grant must hold on the version to be copied too, else 403
 * AccessDenied — as checkGrantHolds does for reads. Seen: bob, granted READ on alice's first
 * version, copied her private overwrite into his own bucket.
 */
export function checkSourceGrantHolds(ctx: RequestContext, granted: ObjectVersion | undefined, v: ObjectVersion): void {
  if (!granted || granted.uvid === v.uvid) return;
  if (aclAllows(asStoredAcl(v.acl), tenantOf(ctx), 'READ')) return;
  throw S3Errors.AccessDenied();
}

/** Writes whose ACL and tagging headers need their own permission (API_PutObject.html, "Permissions"). */
const WRITES_WITH_ATTRS = new Set<S3Operation['kind']>(['PutObject', 'CopyObject', 'CreateMultipartUpload']);

const ACL_HEADERS = ['x-amz-acl', 'x-amz-grant-full-control', 'x-amz-grant-read', 'x-amz-grant-read-acp', 'x-amz-grant-write', 'x-amz-grant-write-acp'];

/**
 * A write that sets the new object's ACL (`x-amz-acl`, `x-amz-grant-*`) or tags (`x-amz-tagging`)
 * needs s3:PutObjectAcl / s3:PutObjectTagging as well (API_PutObject.html: "To successfully change
 * the objects ACL of your PutObject request, you must have the s3:PutObjectAcl"), else a caller a
 * policy allows only s3:PutObject could make what it writes public. Callers who write through
 * ownership or a bucket WRITE grant own what they write and need no Allow; an explicit Deny of
 * the action binds everyone, those callers included (§8: explicit Deny first), as it does
 * PutObjectAcl itself — else `Deny s3:PutObjectAcl` was undone by a PutObject with `x-amz-acl:
 * public-read`.
 */
function authorizeWriteAttrs(ctx: RequestContext, bucket: BucketInfo, key: string): void {
  const h = ctx.headers;
  const needs: string[] = [];
  if (ACL_HEADERS.some((n) => h[n] !== undefined)) needs.push('s3:PutObjectAcl');
  if (h['x-amz-tagging'] !== undefined) needs.push('s3:PutObjectTagging');
  if (needs.length === 0) return;
  const tenant = tenantOf(ctx);
  const writesAsOwner = (tenant !== undefined && tenant === bucket.owner) || aclAllows(effectiveBucketAcl(bucket), tenant, 'WRITE');
  const policy = asStoredPolicy(bucket.configs.policy);
  for (const action of needs) {
    const verdict = evaluatePolicy(policy, principalOf(ctx), action, resourceArn(bucket.name, key));
    if (verdict === 'deny' || (verdict !== 'allow' && !writesAsOwner)) throw S3Errors.AccessDenied();
  }
}

/** Operations on the bucket policy itself. */
const POLICY_ADMIN = new Set<S3Operation['kind']>(['GetBucketPolicy', 'PutBucketPolicy', 'DeleteBucketPolicy']);

/**
 * The bucket policy is the owner's alone (API_PutBucketPolicy.html, the same on Get/Delete): the
 * owner always gets through, "even if their bucket policy explicitly denies" it, so no policy can
 * lock the owner out for good; anyone else gets 405 MethodNotAllowed when granted the action and
 * 403 otherwise.
 */
async function authorizePolicyAdmin(ctx: RequestContext, bucket: BucketInfo, action: string): Promise<void> {
  if (tenantOf(ctx) === bucket.owner) return;
  await authorizeAccess(ctx, bucket, action, undefined, 'owner');
  throw S3Errors.MethodNotAllowed({ fields: { Method: ctx.req.method.toUpperCase(), ResourceType: 'BUCKET' } });
}

/** Fetch the bucket of a bucket-addressed operation; NoSuchBucket when missing. */
async function loadBucket(ctx: RequestContext, op: S3Operation): Promise<BucketInfo> {
  const name = 'bucket' in op ? op.bucket : undefined;
  if (name === undefined) throw S3Errors.AccessDenied();
  const bucket = await ctx.engine.getBucket(name);
  if (!bucket) throw S3Errors.NoSuchBucket({ fields: { BucketName: name } });
  checkExpectedOwner(bucket, ctx.headers['x-amz-expected-bucket-owner']);
  ctx.bucket = bucket;
  return bucket;
}

/** The bucket's Payer: Requester once its owner said so (PutBucketRequestPayment), else BucketOwner. */
export function requestPayerOf(bucket: BucketInfo): 'BucketOwner' | 'Requester' {
  return bucket.configs.requestPayment === 'Requester' ? 'Requester' : 'BucketOwner';
}

/**
 * Requester Pays buckets (user guide, RequesterPaysBuckets.html and ObjectsinRequesterPaysBuckets.html):
 * a request from anyone but the bucket owner must say it accepts the charges with
 * `x-amz-request-payer: requester` (a header, or hoisted into a presigned URL's query), else S3
 * answers 403 AccessDenied; anonymous requests are not allowed at all. Nothing is billed here, so
 * this is the whole of it (no `x-amz-request-charged` is sent: nobody was charged). The owner needs
 * no header. Checked before the ACL and the policy, whatever they grant.
 */
export function checkRequestPayer(ctx: RequestContext, bucket: BucketInfo): void {
  if (requestPayerOf(bucket) !== 'Requester') return;
  const tenant = tenantOf(ctx);
  if (tenant !== undefined && tenant === bucket.owner) return;
  if (tenant === undefined || ctx.headers['x-amz-request-payer']?.trim().toLowerCase() !== 'requester') throw S3Errors.AccessDenied();
}

/**
 * `x-amz-expected-bucket-owner` (and `x-amz-source-expected-bucket-owner` for copy sources): a
 * bucket owned by someone else → 403 AccessDenied, as AWS answers. Owners are tenant ids here.
 */
export function checkExpectedOwner(bucket: BucketInfo, expected: string | undefined): void {
  if (expected !== undefined && expected.trim() !== bucket.owner) throw S3Errors.AccessDenied();
}

/**
 * Decide one (action, resource) for the caller against `bucket` (§8 order). `access` selects the
 * ACL permission; object permissions read the version's ACL through engine.head. Answers the
 * version when its ACL is what granted the access.
 */
export async function authorizeAccess(
  ctx: RequestContext,
  bucket: BucketInfo,
  action: string,
  key: string | undefined,
  access: Access,
  versionId?: string,
): Promise<ObjectVersion | undefined> {
  const tenant = tenantOf(ctx);
  const verdict = evaluatePolicy(asStoredPolicy(bucket.configs.policy), principalOf(ctx), action, resourceArn(bucket.name, key));
  if (verdict === 'deny') throw S3Errors.AccessDenied();
  if (tenant !== undefined && tenant === bucket.owner) return;
  if (verdict === 'allow') return;
  const bucketPerm = BUCKET_PERMISSION[access];
  if (bucketPerm && !OWNER_ONLY_BY_ACL.has(action) && aclAllows(effectiveBucketAcl(bucket), tenant, bucketPerm)) return;
  const objectPerm = OBJECT_PERMISSION[access];
  // ACLs disabled (Object Ownership BucketOwnerEnforced): "ACLs no longer affect permissions", the
  // bucket owner owns every object and only the policy grants others anything (ownership.ts).
  if (objectPerm && key !== undefined && !aclsDisabled(bucket)) {
    const v = await headOrMissing(ctx, bucket.name, key, versionId);
    if (v instanceof S3Error) {
      // A missing object has no ACL to consult: S3 answers 404 to callers who may list the
      // bucket and 403 to the others (API_GetObject.html, "Permissions").
      if (await mayList(ctx, bucket)) throw v;
    } else if (v && aclAllows(asStoredAcl(v.acl), tenant, objectPerm)) {
      return v;
    }
  }
  throw S3Errors.AccessDenied();
}

/** The version, its NoSuchKey error when the key has no (live) version, or undefined on any other failure. */
async function headOrMissing(ctx: RequestContext, bucket: string, key: string, versionId?: string): Promise<ObjectVersion | S3Error | undefined> {
  try {
    return await ctx.engine.head({ bucket, key }, versionId === undefined ? undefined : { versionId });
  } catch (e) {
    const err = mapError(e);
    if (!S3Errors.NoSuchKey.is(err)) return undefined;
    err.fields.Key ??= key;
    return err;
  }
}

/** Whether the caller holds s3:ListBucket on `bucket` (owner, policy or bucket READ grant). */
async function mayList(ctx: RequestContext, bucket: BucketInfo): Promise<boolean> {
  try {
    await authorizeAccess(ctx, bucket, 's3:ListBucket', undefined, 'bucket-read');
    return true;
  } catch {
    return false;
  }
}

/** Reads whose "no such key" S3 hides from callers without s3:ListBucket (API_GetObject.html, API_HeadObject.html). */
const CONCEALED_MISSES = new Set<S3Operation['kind']>(['GetObject', 'HeadObject', 'GetObjectAttributes', 'GetObjectTagging', 'GetObjectAcl']);

/**
 * The error to answer for a failed read: a NoSuchKey of a caller who may not list the bucket
 * becomes 403 AccessDenied, as S3 answers ("If you don't have the s3:ListBucket permission, Amazon
 * S3 returns an HTTP status code 403 Access Denied error", API_GetObject.html). Without this a
 * caller that a policy allows s3:GetObject could probe which keys exist. Other errors pass as is.
 */
export async function concealMissingObject(ctx: RequestContext, e: unknown): Promise<unknown> {
  if (!ctx.bucket || !CONCEALED_MISSES.has(ctx.op.kind) || !S3Errors.NoSuchKey.is(mapError(e))) return e;
  return (await mayList(ctx, ctx.bucket)) ? e : S3Errors.AccessDenied({ cause: e });
}

/** Authorise `action` on one object of the context's bucket (DeleteObjects keys, copy sources). */
export async function authorizeObject(ctx: RequestContext, bucket: BucketInfo, action: string, key: string, access: Access, versionId?: string): Promise<void> {
  await authorizeAccess(ctx, bucket, action, key, access, versionId);
}

/**
 * Whether the caller may read the tags of the addressed object (bucket owner, or a policy Allow of
 * s3:GetObjectTagging — tagging is in no ACL permission). GetObject sends `x-amz-tagging-count`
 * only "when you have the relevant permission to read object tags" (API_GetObject.html).
 */
export function mayReadTags(ctx: RequestContext, key: string): boolean {
  const bucket = ctx.bucket;
  if (!bucket) return false;
  const action = ctx.query.get('versionId') === null ? 's3:GetObjectTagging' : 's3:GetObjectVersionTagging';
  const verdict = evaluatePolicy(asStoredPolicy(bucket.configs.policy), principalOf(ctx), action, resourceArn(bucket.name, key));
  if (verdict === 'deny') return false;
  const tenant = tenantOf(ctx);
  return (tenant !== undefined && tenant === bucket.owner) || verdict === 'allow';
}
