/**
 * Per-version metadata handlers: Get/Put/DeleteObjectTagging and Get/PutObjectAcl
 * (shared/spec/s3-surface.md §3, §8). Tags and ACLs change in place (engine.updateVersionMeta).
 * A versionId naming a delete marker is 405 MethodNotAllowed, as for GET/HEAD: "The only operation
 * that you can use on a delete marker is DELETE" (S3 user guide, Working with delete markers; AWS
 * answers PutObjectTagging on a marker so, per moto #9401); the current version being a marker is
 * 404 NoSuchKey.
 */
import { aclFromHeaders, asStoredAcl, cannedAcl, validateGrantees, type StoredAcl } from '../acl.js';
import { checkGrantHolds, grantingVersionOf } from '../authz.js';
import { readBody } from '../body.js';
import { bucketOf, type Handler, type RequestContext } from '../context.js';
import { S3Errors } from '../errors.js';
import type { OperationOf } from '../operations.js';
import { aclsDisabled, refuseAclWhenDisabled } from '../ownership.js';
import { empty, xml } from '../respond.js';
import { renderAcl, parseAcl } from '../xml/acl.js';
import { MAX_SMALL_XML_BODY, MAX_XML_BODY } from '../xml/codec.js';
import { parseTagging, renderTagging } from '../xml/config.js';
import { headVersion, nameResolver, updateVersionMeta, versionIdParam } from './common.js';
import { versionHeader } from './object-write.js';

const malformed = (): Error => S3Errors.MalformedXML();

/** GET /{b}/{k}?tagging; a delete marker, named or the head, is 405 (MarkerAnswer 'always'). */
export const getObjectTagging: Handler<OperationOf<'GetObjectTagging'>> = async (ctx, op) => {
  const v = await headVersion(ctx, op.bucket, op.key, versionIdParam(ctx), 'always');
  return xml(renderTagging(v.tags ?? {}), versionHeader(v, ctx.bucket));
};

/** PUT /{b}/{k}?tagging — ≤ 10 tags (§3). */
export const putObjectTagging: Handler<OperationOf<'PutObjectTagging'>> = async (ctx, op) => {
  const versionId = versionIdParam(ctx);
  const tags = await parseTagging(await readBody(ctx, MAX_SMALL_XML_BODY, malformed), 'object');
  // The request's version id (none: the current version as of the engine's commit, which answers
  // a missing key, version or a delete marker as headVersion would).
  const v = await updateVersionMeta(ctx, op.bucket, op.key, versionId, { tags }, undefined, 'always');
  return empty(200, versionHeader(v, ctx.bucket));
};

/** DELETE /{b}/{k}?tagging. */
export const deleteObjectTagging: Handler<OperationOf<'DeleteObjectTagging'>> = async (ctx, op) => {
  const v = await updateVersionMeta(ctx, op.bucket, op.key, versionIdParam(ctx), { tags: null }, undefined, 'always');
  return empty(204, versionHeader(v, ctx.bucket));
};

/**
 * GET /{b}/{k}?acl — the stored grants, or `private` owned by the bucket owner. With ACLs disabled
 * (BucketOwnerEnforced) the bucket owner owns every object, whoever wrote it and whatever ACL it was
 * stored with: FULL_CONTROL to the bucket owner alone ("Requests to read ACLs always return a
 * response that shows full control for the bucket owner", object-ownership-error-responses).
 */
export const getObjectAcl: Handler<OperationOf<'GetObjectAcl'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  const v = await headVersion(ctx, op.bucket, op.key, versionIdParam(ctx), true);
  checkGrantHolds(ctx, v);
  const acl = (aclsDisabled(bucket) ? undefined : asStoredAcl(v.acl)) ?? cannedAcl('private', bucket.owner);
  return xml(renderAcl(acl, await nameResolver(ctx)), versionHeader(v, bucket));
};

/**
 * The new ACL of a Put*Acl: `x-amz-acl` / `x-amz-grant-*` headers, else the XML body (§8). Headers
 * and a body at once are refused with S3's 400 UnexpectedContent "This request does not support
 * content" (seen from S3 by minio-java#253, riak_cs#631, amazonka#241) rather than the body being
 * dropped unread.
 */
export async function aclFromRequest(ctx: RequestContext, owner: string, bucketOwner: string): Promise<StoredAcl> {
  const fromHeaders = aclFromHeaders(ctx.headers, owner, bucketOwner);
  if (fromHeaders && (await readBody(ctx, MAX_XML_BODY, () => S3Errors.UnexpectedContent())).length > 0) throw S3Errors.UnexpectedContent();
  const acl = fromHeaders ?? (await parseAcl(await readBody(ctx, MAX_XML_BODY, malformed), owner));
  const users = await ctx.engine.listUsers();
  validateGrantees(acl, (id) => users.some((u) => u.tenantId === id));
  return acl;
}

/**
 * PUT /{b}/{k}?acl. With ACLs disabled (BucketOwnerEnforced) the bucket owner owns the object and
 * only a bucket-owner-full-control ACL is accepted, changing nothing; any other is 400
 * AccessControlListNotSupported (ownership.ts, refuseAclWhenDisabled). A delete marker, named or
 * the key's current version, is 405 MethodNotAllowed (MarkerAnswer 'always'): S3 answers PUT ?acl
 * without versionId on a key whose head is a marker so (LocalStack's AWS recordings,
 * tests/aws/services/s3/test_s3.snapshot.json test_put_object_acl_on_delete_marker,
 * put-acl-delete-marker), while GET ?acl there stays 404 NoSuchKey (get-acl-delete-marker).
 */
export const putObjectAcl: Handler<OperationOf<'PutObjectAcl'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  const versionId = versionIdParam(ctx);
  if (aclsDisabled(bucket)) {
    const v = await headVersion(ctx, op.bucket, op.key, versionId, 'always');
    refuseAclWhenDisabled(ctx.headers, await aclFromRequest(ctx, bucket.owner, bucket.owner), bucket.owner);
    return empty(200, versionHeader(v, bucket));
  }
  // The version whose ACL granted the caller WRITE_ACP, when that is what authorised it: a second
  // lookup may find one an overwrite committed since authz, on which the caller holds nothing.
  const target = grantingVersionOf(ctx) ?? await headVersion(ctx, op.bucket, op.key, versionId, 'always');
  const owner = asStoredAcl(target.acl)?.owner ?? bucket.owner;
  const acl = await aclFromRequest(ctx, owner, bucket.owner);
  // `expect`: the caller's WRITE_ACP may come from this version's ACL (authz.ts), and the new ACL's
  // owner is its owner, so the ACL must not land on a version an overwrite committed meanwhile.
  const v = await updateVersionMeta(ctx, op.bucket, op.key, versionId, { acl }, { expect: target }, 'always');
  return empty(200, versionHeader(v, bucket));
};
