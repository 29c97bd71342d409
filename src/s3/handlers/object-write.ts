/**
 * Write handlers: PutObject (shared/spec/s3-surface.md §3, §5.2, §6), DeleteObject (§3) and
 * DeleteObjects (§4.3).
 */
import type { BucketInfo, DeleteResult, ObjectVersion, PutOptions, StoredChecksum } from '../../engine/index.js';
import { EngineErrors } from '../../engine/index.js';
import { forEachLimited, hasCode } from '../../common/index.js';
import { aclFromHeaders, validateGrantees, type StoredAcl } from '../acl.js';
import { authorizeObject } from '../authz.js';
import { planBody, readBody } from '../body.js';
import { commitCondition } from '../conditional.js';
import { bucketOf, tenantOf, type Handler, type RequestContext } from '../context.js';
import { mapError, S3Errors } from '../errors.js';
import { DELETE_CONDITIONS, expirationHeader, refuseDirectoryConditions, refuseGovernanceBypass, refuseWriteOffset, showsVersionId, versionAttrsOf } from '../object-headers.js';
import type { OperationOf } from '../operations.js';
import { objectOwnershipOf, refuseAclWhenDisabled } from '../ownership.js';
import { empty, xml } from '../respond.js';
import { checkKeyLength } from '../router.js';
import { MAX_XML_BODY } from '../xml/codec.js';
import { parseDeleteRequest, renderDeleteResult, type DeleteOutcome } from '../xml/objects.js';
import { isVersionId, refuseVersionIdParam, versionIdParam } from './common.js';

/**
 * The ACL a write asks for (`x-amz-acl` / `x-amz-grant-*`, §8), with the writer as owner. Nothing
 * is stored when the request names none and the bucket owner writes: that is `private`. The
 * bucket's Object Ownership (ownership.ts) decides who owns what is written: with
 * BucketOwnerEnforced always the bucket owner (nothing stored; an ACL other than
 * bucket-owner-full-control is 400 AccessControlListNotSupported), with BucketOwnerPreferred the
 * bucket owner when the write names the canned `bucket-owner-full-control`, else the writer.
 */
export async function requestedObjectAcl(ctx: RequestContext, bucket: BucketInfo): Promise<StoredAcl | undefined> {
  const writer = tenantOf(ctx) ?? bucket.owner;
  const acl = aclFromHeaders(ctx.headers, writer, bucket.owner);
  const ownership = objectOwnershipOf(bucket);
  if (ownership === 'BucketOwnerEnforced') {
    refuseAclWhenDisabled(ctx.headers, acl, bucket.owner);
    return undefined;
  }
  if (acl) {
    const users = await ctx.engine.listUsers();
    validateGrantees(acl, (id) => users.some((u) => u.tenantId === id));
    // "Objects uploaded to the bucket change ownership to the bucket owner if the objects are
    // uploaded with the bucket-owner-full-control canned ACL" (API_OwnershipControlsRule).
    if (ownership === 'BucketOwnerPreferred' && ctx.headers['x-amz-acl']?.trim() === 'bucket-owner-full-control') return undefined;
    return acl;
  }
  return writerAcl(bucket, writer);
}

/** What a version another tenant writes without naming an ACL stores: `private`, owned by the writer. */
function writerAcl(bucket: BucketInfo, writer: string): StoredAcl | undefined {
  return writer === bucket.owner ? undefined : { v: 1, owner: writer, grants: [{ grantee: { type: 'CanonicalUser', id: writer }, permission: 'FULL_CONTROL' }] };
}

/**
 * The ACL stored with a delete marker: it names who created the marker, whom ListObjectVersions
 * shows as its Owner ("The account that created the delete marker", API_DeleteMarkerEntry). As for
 * a write, nothing when the bucket owner deletes or the bucket has ACLs disabled (the bucket owner
 * owns everything in it then).
 */
function markerAcl(ctx: RequestContext, bucket: BucketInfo): StoredAcl | undefined {
  const deleter = tenantOf(ctx);
  return deleter === undefined || objectOwnershipOf(bucket) === 'BucketOwnerEnforced' ? undefined : writerAcl(bucket, deleter);
}

/** `x-amz-checksum-<alg>` + `x-amz-checksum-type` of a stored checksum. */
export function checksumHeaders(c: StoredChecksum | undefined): Record<string, string> {
  return c ? { [`x-amz-checksum-${c.algorithm.toLowerCase()}`]: c.value, 'x-amz-checksum-type': c.type } : {};
}

/** `x-amz-version-id` of a response about an existing version, when the bucket shows version ids. */
export function versionHeader(v: { versionId?: string }, bucket?: BucketInfo): Record<string, string> {
  return v.versionId !== undefined && showsVersionId({ versionId: v.versionId }, bucket) ? { 'x-amz-version-id': v.versionId } : {};
}

/**
 * `x-amz-version-id` of a write's response (PutObject, CopyObject, CompleteMultipartUpload): only
 * for a real version id — AWS answers a write into a versioning-suspended bucket, which creates the
 * null version, without the header (PutObject "Versioning suspended" sample response), although
 * GET/HEAD of that version then say `null`.
 */
export function writtenVersionHeader(v: { versionId: string }): Record<string, string> {
  return v.versionId === 'null' ? {} : { 'x-amz-version-id': v.versionId };
}

/** PUT /{b}/{k}: streamed into the engine; every digest check runs before the commit (§5.2). */
export const putObject: Handler<OperationOf<'PutObject'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  refuseVersionIdParam(ctx);
  refuseWriteOffset(ctx.headers);
  const plan = planBody(ctx, { requireLength: true });
  const attrs = versionAttrsOf(ctx.headers, plan.contentEncoding ?? null);
  const acl = await requestedObjectAcl(ctx, bucket);
  const condition = commitCondition(ctx.headers);
  ctx.bodyRead = true;
  // Members added to a literal, not after a spread: Node 20's V8 takes every member added to an
  // object made by a spread through a slow path (~0.5 µs each, bench/RESULTS.md session 12).
  const opts: PutOptions = {
    checksumAlgorithm: plan.checksumAlgorithm,
    digests: plan.digests,
    expectedSize: plan.expectedSize,
    maxSize: ctx.config.maxPutSize,
    verify: plan.verify,
    condition,
  };
  if (acl) opts.acl = acl;
  const v: ObjectVersion = await ctx.engine.putObject({ bucket: op.bucket, key: op.key, bucketId: bucket.id }, plan.source, Object.assign(opts, attrs));
  return empty(200, Object.assign({ etag: v.etag }, writtenVersionHeader(v), checksumHeaders(v.checksum), expirationHeader(bucket, v)));
};

/** Headers of a DeleteObject answer; none in never-versioned buckets (§3). */
function deleteHeaders(r: DeleteResult, bucket: BucketInfo): Record<string, string> {
  if (bucket.versioning === 'Unversioned') return {};
  const h: Record<string, string> = {};
  if (r.deleteMarker) h['x-amz-delete-marker'] = 'true';
  if (r.versionId !== undefined) h['x-amz-version-id'] = r.versionId;
  return h;
}

/** Delete one key; a missing key or version counts as deleted (§3: 204 also when absent). */
async function deleteOne(ctx: RequestContext, bucket: string, key: string, versionId?: string, ifMatch?: string): Promise<DeleteResult> {
  try {
    const acl = versionId === undefined && ctx.bucket ? markerAcl(ctx, ctx.bucket) : undefined;
    return await ctx.engine.deleteObject({ bucket, key, bucketId: ctx.bucket?.id }, { versionId, condition: ifMatch ? { ifMatch } : undefined, acl });
  } catch (e) {
    if (hasCode(e, EngineErrors.NO_SUCH_KEY.code) || hasCode(e, EngineErrors.NO_SUCH_VERSION.code)) {
      if (ifMatch) throw e;
      return versionId === undefined ? { deleteMarker: false } : { versionId, deleteMarker: false };
    }
    throw e;
  }
}

/** DELETE /{b}/{k}[?versionId] — delete marker or version purge; `If-Match` (P1). */
export const deleteObject: Handler<OperationOf<'DeleteObject'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  refuseDirectoryConditions(ctx.headers, DELETE_CONDITIONS);
  refuseGovernanceBypass(ctx.headers);
  const versionId = versionIdParam(ctx);
  const r = await deleteOne(ctx, op.bucket, op.key, versionId, ctx.headers['if-match']?.trim());
  return empty(204, deleteHeaders(r, bucket));
};

/**
 * POST /{b}?delete (§4.3): `Content-MD5` or any `x-amz-checksum-*` verified when present, neither
 * required; missing keys count as deleted; each key is authorised on its own. A key over 1024 bytes
 * fails the whole request with KeyTooLongError before anything is deleted, as S3 answers it
 * (aws-sdk-net#3828: one over-long key, the request fails and the valid keys stay); it is no key
 * any object can have, so it must not be reported `<Deleted>` either.
 */
export const deleteObjects: Handler<OperationOf<'DeleteObjects'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  refuseGovernanceBypass(ctx.headers);
  const req = await parseDeleteRequest(await readBody(ctx, MAX_XML_BODY, () => S3Errors.MalformedXML()));
  for (const o of req.objects) checkKeyLength(o.key);
  const one = async (o: (typeof req.objects)[number]): Promise<DeleteOutcome> => {
    try {
      // A malformed version id fails only its own entry, as NoSuchVersion: S3 answers DeleteObjects
      // so for `HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD` in a versioned and in an unversioned bucket, where
      // DeleteObject of the same id is 400 InvalidArgument (LocalStack's AWS-validated
      // test_s3_api.py test_delete_objects / test_delete_objects_versioned snapshots).
      if (o.versionId !== undefined && !isVersionId(o.versionId)) {
        return { ok: false, key: o.key, versionId: o.versionId, code: S3Errors.NoSuchVersion.code, message: S3Errors.NoSuchVersion.defaultMessage };
      }
      await authorizeObject(ctx, bucket, o.versionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject', o.key, 'bucket-write');
      const r = await deleteOne(ctx, op.bucket, o.key, o.versionId, o.etag);
      return deletedOutcome(o.key, o.versionId, r, bucket);
    } catch (e) {
      const s3 = mapError(e);
      // The bucket the request was authorised on is gone (re-created under its name while the body
      // arrived): the request fails as a whole, as if the body had come after the DeleteBucket.
      if (s3.code === 'NoSuchBucket') throw s3;
      if (s3.internal) ctx.config.logger?.error({ err: e, requestId: ctx.req.requestId, key: o.key }, 'DeleteObjects: unmapped error');
      return { ok: false, key: o.key, versionId: o.versionId, code: s3.code, message: s3.message };
    }
  };
  return xml(renderDeleteResult(await inParallelByKey(req.objects, one), req.quiet));
};

/** How many deletes of one DeleteObjects request are in flight at once. */
const DELETE_CONCURRENCY = 32;

/**
 * Run `fn` over `items` with up to DELETE_CONCURRENCY in flight, so the deletes of one request share
 * group commits (one at a time, 1000 deletes cost 1000 durable commits: seconds). Entries naming the
 * same key run in request order, as a sequential loop would run them; results keep request order.
 * A call that throws (unexpected: `fn` turns engine errors into outcomes) fails the request only
 * after the calls in flight have settled (common/concurrency.ts).
 */
async function inParallelByKey<T extends { key: string }, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  const tail = new Map<string, Promise<unknown>>();
  await forEachLimited(items, DELETE_CONCURRENCY, async (item, i) => {
    const run = (tail.get(item.key) ?? Promise.resolve()).then(() => fn(item));
    tail.set(item.key, run);
    out[i] = await run;
  });
  return out;
}

/** The `<Deleted>` entry AWS writes for one key. */
function deletedOutcome(key: string, versionId: string | undefined, r: DeleteResult, bucket: BucketInfo): DeleteOutcome {
  if (bucket.versioning === 'Unversioned') return { ok: true, key, versionId };
  if (versionId !== undefined) {
    return { ok: true, key, versionId, deleteMarker: r.deleteMarker || undefined, deleteMarkerVersionId: r.deleteMarker ? versionId : undefined };
  }
  return { ok: true, key, deleteMarker: r.deleteMarker || undefined, deleteMarkerVersionId: r.deleteMarker ? r.versionId : undefined };
}
