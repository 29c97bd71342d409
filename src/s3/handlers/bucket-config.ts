/**
 * Bucket configuration handlers: tagging, CORS, policy (+ status), ACL, lifecycle, Object Ownership
 * controls (ownership.ts), and the P1
 * stubs tools probe (shared/spec/s3-surface.md §3, §7, §8). Each document is stored as a bucket
 * config (engine.putBucketConfig) in a `v: 1` form.
 */
import { asStoredAcl, cannedAcl } from '../acl.js';
import { requestPayerOf } from '../authz.js';
import { readBody } from '../body.js';
import { asStoredCors } from '../cors.js';
import { bucketOf, type Handler } from '../context.js';
import { S3Errors } from '../errors.js';
import type { OperationOf } from '../operations.js';
import { aclsDisabled, asStoredOwnership, onlyOwnerFullControl, refuseAclWhenDisabled, type StoredOwnership } from '../ownership.js';
import { asStoredPolicy, MAX_POLICY_BYTES, parsePolicy, policyIsPublic, validatePrincipals } from '../policy.js';
import { empty, xml } from '../respond.js';
import { renderAcl } from '../xml/acl.js';
import { MAX_SMALL_XML_BODY, MAX_XML_BODY } from '../xml/codec.js';
import { isEmptyConfig, parseOwnershipControls, parseRequestPayment, parseTagging, renderOwnershipControls, renderPolicyStatus, renderRequestPayment, renderTagging, STUB_BODIES } from '../xml/config.js';
import { parseCors, renderCors } from '../xml/cors.js';
import { asStoredLifecycle, DEFAULT_TRANSITION_MINIMUM_SIZE, parseLifecycle, renderLifecycle, TRANSITION_MINIMUM_SIZE_HEADER, transitionMinimumSizeOf } from '../xml/lifecycle.js';
import { nameResolver, setBucketConfig } from './common.js';
import { aclFromRequest } from './object-meta.js';

const malformed = (): Error => S3Errors.MalformedXML();

/** Tags as stored in the bucket config `tagging` (a plain map). */
function storedTags(v: unknown): Record<string, string> | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<string, string>) : undefined;
}

export const getBucketTagging: Handler<OperationOf<'GetBucketTagging'>> = async (ctx, op) => {
  const tags = storedTags(bucketOf(ctx).configs.tagging);
  if (!tags) throw S3Errors.NoSuchTagSet({ fields: { BucketName: op.bucket } });
  return xml(renderTagging(tags));
};

/** PUT /{b}?tagging — ≤ 50 tags (§3). */
export const putBucketTagging: Handler<OperationOf<'PutBucketTagging'>> = async (ctx) => {
  const tags = await parseTagging(await readBody(ctx, MAX_SMALL_XML_BODY, malformed), 'bucket');
  // An empty TagSet removes the tags: GetBucketTagging answers NoSuchTagSet after it, as after
  // DeleteBucketTagging (LocalStack's AWS-validated test_s3_api.py test_bucket_tagging_crud).
  await setBucketConfig(ctx, 'tagging', Object.keys(tags).length === 0 ? undefined : tags);
  return empty(204);
};

export const deleteBucketTagging: Handler<OperationOf<'DeleteBucketTagging'>> = async (ctx) => {
  await setBucketConfig(ctx, 'tagging', undefined);
  return empty(204);
};

export const getBucketCors: Handler<OperationOf<'GetBucketCors'>> = async (ctx, op) => {
  const cors = asStoredCors(bucketOf(ctx).configs.cors);
  if (!cors) throw S3Errors.NoSuchCORSConfiguration({ fields: { BucketName: op.bucket } });
  return xml(renderCors(cors));
};

export const putBucketCors: Handler<OperationOf<'PutBucketCors'>> = async (ctx) => {
  const cors = await parseCors(await readBody(ctx, MAX_XML_BODY, malformed));
  await setBucketConfig(ctx, 'cors', cors);
  return empty(200);
};

export const deleteBucketCors: Handler<OperationOf<'DeleteBucketCors'>> = async (ctx) => {
  await setBucketConfig(ctx, 'cors', undefined);
  return empty(204);
};

/** GET /{b}?policy — the document as it was put, as JSON. */
export const getBucketPolicy: Handler<OperationOf<'GetBucketPolicy'>> = async (ctx, op) => {
  const p = asStoredPolicy(bucketOf(ctx).configs.policy);
  if (!p) throw S3Errors.NoSuchBucketPolicy({ fields: { BucketName: op.bucket } });
  return { status: 200, headers: { 'content-type': 'application/json' }, body: p.text };
};

/** PUT /{b}?policy — policy-lite validation (§8); 204 as AWS. */
export const putBucketPolicy: Handler<OperationOf<'PutBucketPolicy'>> = async (ctx, op) => {
  const body = await readBody(ctx, MAX_POLICY_BYTES, () => S3Errors.MalformedPolicy('Policies must be less than 20 KB'));
  const policy = parsePolicy(body.toString('utf8'), op.bucket);
  const users = await ctx.engine.listUsers();
  validatePrincipals(policy, users.map((u) => ({ tenantId: u.tenantId, accessKey: u.accessKey, userName: u.name })));
  await setBucketConfig(ctx, 'policy', policy);
  return empty(204);
};

export const deleteBucketPolicy: Handler<OperationOf<'DeleteBucketPolicy'>> = async (ctx) => {
  await setBucketConfig(ctx, 'policy', undefined);
  return empty(204);
};

/** GET /{b}?policyStatus — public when an Allow statement names `*`. */
export const getBucketPolicyStatus: Handler<OperationOf<'GetBucketPolicyStatus'>> = async (ctx, op) => {
  const p = asStoredPolicy(bucketOf(ctx).configs.policy);
  if (!p) throw S3Errors.NoSuchBucketPolicy({ fields: { BucketName: op.bucket } });
  return xml(renderPolicyStatus(policyIsPublic(p)));
};

/**
 * GET /{b}?acl — the stored grants; with ACLs disabled (BucketOwnerEnforced) the owner's
 * FULL_CONTROL alone, which is all that counts ("Requests to read ACLs always return a response
 * that shows full control for the bucket owner", object-ownership-error-responses). The stored
 * grants are kept and count again if ACLs are enabled again.
 */
export const getBucketAcl: Handler<OperationOf<'GetBucketAcl'>> = async (ctx) => {
  const bucket = bucketOf(ctx);
  const stored = aclsDisabled(bucket) ? undefined : asStoredAcl(bucket.configs.acl);
  return xml(renderAcl(stored ?? cannedAcl('private', bucket.owner), await nameResolver(ctx)));
};

/**
 * PUT /{b}?acl. With ACLs disabled only a bucket-owner-full-control ACL is accepted, and changes
 * nothing; any other is 400 AccessControlListNotSupported (ownership.ts, refuseAclWhenDisabled).
 */
export const putBucketAcl: Handler<OperationOf<'PutBucketAcl'>> = async (ctx) => {
  const bucket = bucketOf(ctx);
  const acl = await aclFromRequest(ctx, bucket.owner, bucket.owner);
  if (aclsDisabled(bucket)) {
    refuseAclWhenDisabled(ctx.headers, acl, bucket.owner);
    return empty(200);
  }
  await setBucketConfig(ctx, 'acl', acl);
  return empty(200);
};

/** GET /{b}?lifecycle, with the transition default in force (xml/lifecycle.ts, TRANSITION_MINIMUM_SIZE_HEADER). */
export const getBucketLifecycle: Handler<OperationOf<'GetBucketLifecycleConfiguration'>> = async (ctx, op) => {
  const l = asStoredLifecycle(bucketOf(ctx).configs.lifecycle);
  if (!l) throw S3Errors.NoSuchLifecycleConfiguration({ fields: { BucketName: op.bucket } });
  return xml(renderLifecycle(l), { [TRANSITION_MINIMUM_SIZE_HEADER]: l.transitionMinimumSize ?? DEFAULT_TRANSITION_MINIMUM_SIZE });
};

/** PUT /{b}?lifecycle: the rules and the transition default (kept only when not S3's default), which the answer echoes. */
export const putBucketLifecycle: Handler<OperationOf<'PutBucketLifecycleConfiguration'>> = async (ctx) => {
  const size = transitionMinimumSizeOf(ctx.headers[TRANSITION_MINIMUM_SIZE_HEADER]);
  const l = await parseLifecycle(await readBody(ctx, MAX_XML_BODY, malformed));
  await setBucketConfig(ctx, 'lifecycle', size === DEFAULT_TRANSITION_MINIMUM_SIZE ? l : { ...l, transitionMinimumSize: size });
  return empty(200, { [TRANSITION_MINIMUM_SIZE_HEADER]: size });
};

export const deleteBucketLifecycle: Handler<OperationOf<'DeleteBucketLifecycle'>> = async (ctx) => {
  await setBucketConfig(ctx, 'lifecycle', undefined);
  return empty(204);
};

// The P1 stubs (§3): what an AWS bucket without that configuration answers. A 501 would break
// Terraform, rclone and consoles, which probe them.

export const getBucketEncryption: Handler<OperationOf<'GetBucketEncryption'>> = async (_ctx, op) => {
  throw S3Errors.ServerSideEncryptionConfigurationNotFoundError({ fields: { BucketName: op.bucket } });
};

export const getObjectLockConfiguration: Handler<OperationOf<'GetObjectLockConfiguration'>> = async (_ctx, op) => {
  throw S3Errors.ObjectLockConfigurationNotFoundError({ fields: { BucketName: op.bucket } });
};

export const getBucketWebsite: Handler<OperationOf<'GetBucketWebsite'>> = async (_ctx, op) => {
  throw S3Errors.NoSuchWebsiteConfiguration({ fields: { BucketName: op.bucket } });
};

/**
 * GET /{b}?ownershipControls — the bucket's Object Ownership (ownership.ts); 404
 * OwnershipControlsNotFoundError when none was set (CreateBucket without x-amz-object-ownership, or
 * after DeleteBucketOwnershipControls): such a bucket behaves as ObjectWriter.
 */
export const getBucketOwnershipControls: Handler<OperationOf<'GetBucketOwnershipControls'>> = async (ctx, op) => {
  const o = asStoredOwnership(bucketOf(ctx).configs.ownership);
  if (!o) throw S3Errors.OwnershipControlsNotFoundError({ fields: { BucketName: op.bucket } });
  return xml(renderOwnershipControls(o.objectOwnership));
};

/**
 * PUT /{b}?ownershipControls — 200 as AWS. Disabling ACLs (BucketOwnerEnforced) on a bucket whose
 * ACL grants anyone but its owner is 400 InvalidBucketAclWithObjectOwnership: "if your existing
 * bucket ACL grants public read access, you can't apply the Bucket owner enforced setting until you
 * migrate these ACL permissions to a bucket policy and reset your bucket ACL to the default private
 * ACL" (user guide, object-ownership-error-responses). Object ACLs are not checked: they stop
 * counting.
 */
export const putBucketOwnershipControls: Handler<OperationOf<'PutBucketOwnershipControls'>> = async (ctx) => {
  const ownership = await parseOwnershipControls(await readBody(ctx, MAX_SMALL_XML_BODY, malformed));
  const bucket = bucketOf(ctx);
  const acl = asStoredAcl(bucket.configs.acl);
  if (ownership === 'BucketOwnerEnforced' && acl && !onlyOwnerFullControl(acl, bucket.owner)) throw S3Errors.InvalidBucketAclWithObjectOwnership();
  const stored: StoredOwnership = { v: 1, objectOwnership: ownership };
  await setBucketConfig(ctx, 'ownership', stored);
  return empty(200);
};

/** DELETE /{b}?ownershipControls — 204; the bucket is ObjectWriter again (ACLs enabled, stored grants count again). */
export const deleteBucketOwnershipControls: Handler<OperationOf<'DeleteBucketOwnershipControls'>> = async (ctx) => {
  await setBucketConfig(ctx, 'ownership', undefined);
  return empty(204);
};

/**
 * 404: no public access block is set (none can be: PutPublicAccessBlock is not implemented), which
 * is what AWS answers for such a bucket; tools that audit buckets read it before anything else.
 */
export const getPublicAccessBlock: Handler<OperationOf<'GetPublicAccessBlock'>> = async (_ctx, op) => {
  throw S3Errors.NoSuchPublicAccessBlockConfiguration({ fields: { BucketName: op.bucket } });
};

/**
 * DELETE /{b}?website, ?encryption, ?publicAccessBlock — 204. No bucket here can hold these
 * configurations (their PUTs answer 501 NotImplemented, their GETs what AWS answers for a bucket
 * without one), so the delete has nothing to remove, and AWS answers such a delete with success:
 * "You will get a 200 OK response if the website configuration you are trying to delete does not
 * exist on the bucket" (API_DeleteBucketWebsite; its example response is 204 No Content, as are
 * API_DeleteBucketEncryption's and API_DeletePublicAccessBlock's). A 501 made `s3cmd ws-delete`
 * and cleanup scripts fail on a bucket that was already in the state they asked for.
 */
export const deleteAbsentConfig: Handler<OperationOf<'DeleteBucketWebsite' | 'DeleteBucketEncryption' | 'DeletePublicAccessBlock'>> = async () => empty(204);

export const getBucketNotification: Handler<OperationOf<'GetBucketNotificationConfiguration'>> = async () => xml(STUB_BODIES.GetBucketNotificationConfiguration());
/**
 * An empty `<NotificationConfiguration/>` turns notifications off (AWS PutBucketNotificationConfiguration):
 * that is the state every bucket here is in, so it is accepted as is; tools that reset a bucket
 * send it. Any configuration in it is refused: events are not implemented (§3).
 */
export const putBucketNotification: Handler<OperationOf<'PutBucketNotificationConfiguration'>> = async (ctx) => {
  if (!(await isEmptyConfig(await readBody(ctx, MAX_XML_BODY, malformed), 'NotificationConfiguration'))) throw S3Errors.NotImplemented('Bucket event notifications are not implemented');
  return empty(200);
};
export const getBucketLogging: Handler<OperationOf<'GetBucketLogging'>> = async () => xml(STUB_BODIES.GetBucketLogging());
/**
 * PUT /{b}?logging with an empty `<BucketLoggingStatus/>` turns server access logging off
 * (API_PutBucketLogging: "To disable logging, you use an empty BucketLoggingStatus request
 * element"): every bucket here is in that state (GetBucketLogging answers it), so it is accepted
 * with 200 as AWS answers it; `s3cmd accesslog --no-access-logging` and reset scripts send it and
 * failed on a 501. A `LoggingEnabled` is refused: log delivery is not implemented (§3).
 */
export const putBucketLogging: Handler<OperationOf<'PutBucketLogging'>> = async (ctx) => {
  if (!(await isEmptyConfig(await readBody(ctx, MAX_SMALL_XML_BODY, malformed), 'BucketLoggingStatus'))) throw S3Errors.NotImplemented('PutBucketLogging is not implemented');
  return empty(200);
};

/**
 * GET /{b}?requestPayment — BucketOwner unless the owner made it a Requester Pays bucket.
 * Nothing is billed here; what the setting changes is who may send requests (authz.ts,
 * checkRequestPayer).
 */
export const getBucketRequestPayment: Handler<OperationOf<'GetBucketRequestPayment'>> = async (ctx) => xml(renderRequestPayment(requestPayerOf(bucketOf(ctx))));

/** PUT /{b}?requestPayment — Payer BucketOwner or Requester (API_PutBucketRequestPayment.html); 200 as AWS. */
export const putBucketRequestPayment: Handler<OperationOf<'PutBucketRequestPayment'>> = async (ctx) => {
  const payer = await parseRequestPayment(await readBody(ctx, MAX_SMALL_XML_BODY, malformed));
  // BucketOwner is every bucket's default: stored as no config at all.
  await setBucketConfig(ctx, 'requestPayment', payer === 'Requester' ? payer : undefined);
  return empty(200);
};
export const getBucketAccelerate: Handler<OperationOf<'GetBucketAccelerateConfiguration'>> = async () => xml(STUB_BODIES.GetBucketAccelerateConfiguration());
