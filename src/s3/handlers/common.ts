/** Helpers shared by the handlers: query parameters, version ids, owners, delete-marker errors. */
import type { BucketInfo, ObjectVersion, ReadResult } from '../../engine/index.js';
import { EngineErrors } from '../../engine/index.js';
import { hasCode } from '../../common/index.js';
import { bucketOf, type RequestContext } from '../context.js';
import { S3Errors } from '../errors.js';
import { httpDate } from '../object-headers.js';
import type { OwnerXml } from '../xml/list.js';

/** Largest value S3 takes for an integer query parameter: a signed 32-bit int. */
export const INT32_MAX = 2 ** 31 - 1;

/**
 * An integer query parameter in [min, INT32_MAX]; above `max` it is clamped (max-keys, §4.1).
 * Absent (or empty, with `emptyIsDefault`) → `dflt`; not an integer, below `min` or past INT32_MAX
 * → InvalidArgument, as S3 answers
 * an overflowing max-keys (its message says "within integer range"; scality/cloudserver#75 quotes
 * AWS asking for a value up to 2147483647).
 */
export function intParam(ctx: RequestContext, name: string, dflt: number, min: number, max: number, negative?: { message: string; argumentName: string }, emptyIsDefault = false): number {
  const v = ctx.query.get(name);
  if (v === null || (emptyIsDefault && v === '')) return dflt;
  // A negative integer has S3's own text where one is known (listing limits: see their callers).
  if (negative && /^-\d{1,10}$/.test(v.trim()) && Number(v.trim()) < 0 && Number(v.trim()) >= -(INT32_MAX + 1)) {
    throw S3Errors.InvalidArgument({ message: negative.message, fields: { ArgumentName: negative.argumentName, ArgumentValue: v } });
  }
  const n = /^\d{1,10}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!(n >= min && n <= INT32_MAX)) {
    throw S3Errors.InvalidArgument({ message: `Provided ${name} not an integer or within integer range`, fields: { ArgumentName: name, ArgumentValue: v } });
  }
  return Math.min(n, max);
}

/** A string query parameter; '' counts as absent. */
export function strParam(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.query.get(name);
  return v === null || v === '' ? undefined : v;
}

/**
 * `encoding-type`: only `url` is valid (AWS: InvalidArgument otherwise), an empty one too: S3
 * refuses `encoding-type=` on ListObjects, ListObjectsV2, ListObjectVersions and
 * ListMultipartUploads with an empty ArgumentValue (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_list_operations.py test_list_ops_encoding_type_validation:
 * `<operation>-error-empty-value`).
 */
export function encodingType(ctx: RequestContext): 'url' | undefined {
  const v = ctx.query.get('encoding-type');
  if (v === null) return undefined;
  if (v.toLowerCase() !== 'url') {
    throw S3Errors.InvalidArgument({ message: 'Invalid Encoding Method specified in Request', fields: { ArgumentName: 'encoding-type', ArgumentValue: v } });
  }
  return 'url';
}

/** S3 version ids: `null` or 26 base32hex characters (ccow.md §2). */
const VERSION_ID = /^(null|[0-9a-v]{26})$/;

/**
 * The `versionId` parameter; malformed → 400 InvalidArgument (§3 GetObject). An empty one has S3's
 * own message, "Version id cannot be the empty string" (S3's answer quoted in
 * amazon-archives/aws-sdk-core-ruby#76 and code-dot-org#21563; versitygw *_empty_version_id).
 */
export function versionIdParam(ctx: RequestContext, name = 'versionId'): string | undefined {
  const v = ctx.query.get(name);
  if (v === null) return undefined;
  if (v === '') throw S3Errors.InvalidArgument({ message: 'Version id cannot be the empty string', fields: { ArgumentName: name, ArgumentValue: v } });
  if (!VERSION_ID.test(v)) {
    throw S3Errors.InvalidArgument({ message: 'Invalid version id specified', fields: { ArgumentName: name, ArgumentValue: v } });
  }
  return v;
}

/**
 * Writes that create a version take no `versionId`: S3 answers PutObject, CopyObject, UploadPart
 * and CompleteMultipartUpload that carry one (empty, malformed or a real id alike) 400
 * InvalidArgument "This operation does not accept a version-id." naming it, and writes nothing
 * (UploadPart recorded against AWS in a public compliance report, "UploadPart + versionId";
 * Scality cloudserver checkQueryVersionId, scality/cloudserver#698 for put, copy and complete).
 * The gateway ignored it: `PUT /b/k?versionId=V` made a new version, not the one named.
 */
export function refuseVersionIdParam(ctx: RequestContext): void {
  const v = ctx.query.get('versionId');
  if (v !== null) throw S3Errors.InvalidArgument({ message: 'This operation does not accept a version-id.', fields: { ArgumentName: 'versionId', ArgumentValue: v } });
}

/** Whether `v` is a version id this gateway could have issued (`null` or 26 base32hex characters). */
export function isVersionId(v: string): boolean {
  return VERSION_ID.test(v);
}

/** Validate a version id from a header or XML (same rule). */
export function checkVersionId(v: string, name: string): string {
  if (!VERSION_ID.test(v)) throw S3Errors.InvalidArgument({ message: 'Invalid version id specified', fields: { ArgumentName: name, ArgumentValue: v } });
  return v;
}

/** Owner element for a tenant id: the caller's own name, else looked up among the users. */
export async function ownerOf(ctx: RequestContext, tenantId: string): Promise<OwnerXml> {
  return (await ownersOf(ctx, [tenantId]))(tenantId);
}

/**
 * Owner elements of the tenants in `ids` (the owners of one listing page), each object made once:
 * a page of 1000 keys costs at most one read of the users, none when every owner is the caller.
 * An id that is not among `ids` gets an element with an empty name.
 */
export async function ownersOf(ctx: RequestContext, ids: Iterable<string>): Promise<(tenantId: string) => OwnerXml> {
  const table = new Map<string, OwnerXml>();
  const me = ctx.identity.kind === 'user' ? ctx.identity.user : undefined;
  let names: Map<string, string> | undefined;
  for (const id of ids) {
    if (table.has(id)) continue;
    if (me?.tenantId === id) {
      table.set(id, { id, displayName: me.name });
      continue;
    }
    names ??= new Map((await ctx.engine.listUsers()).map((u) => [u.tenantId, u.name]));
    table.set(id, { id, displayName: names.get(id) ?? '' });
  }
  return (id) => {
    let o = table.get(id);
    if (o === undefined) table.set(id, (o = { id, displayName: '' }));
    return o;
  };
}

/** Tenant id → display name, for renderings with several owners (ACLs). */
export async function nameResolver(ctx: RequestContext): Promise<(tenantId: string) => string> {
  const users = await ctx.engine.listUsers();
  const names = new Map(users.map((u) => [u.tenantId, u.name]));
  return (id) => names.get(id) ?? '';
}

/** What the engine says about a delete marker in the way of a read. */
export interface DeleteMarkerHit {
  /** Version id of the marker, when known. */
  versionId?: string;
  /** The marker's time, when known (the 405 answer carries it as Last-Modified). */
  lastModified?: Date;
}

/**
 * Recognise "the head (or the named version) is a delete marker" among engine errors: code
 * DELETE_MARKER, or NO_SUCH_KEY carrying the marker's version (engine/api.ts `head`). The version id
 * is read from a `versionId` property when the engine attaches one.
 */
export function deleteMarkerOf(e: unknown): DeleteMarkerHit | undefined {
  if (!hasCode(e, EngineErrors.DELETE_MARKER.code) && !hasCode(e, EngineErrors.NO_SUCH_KEY.code)) return undefined;
  const { versionId: vid, lastModified } = e as { versionId?: unknown; lastModified?: unknown };
  if (hasCode(e, EngineErrors.NO_SUCH_KEY.code) && typeof vid !== 'string') return undefined;
  const hit: DeleteMarkerHit = typeof vid === 'string' ? { versionId: vid } : {};
  if (lastModified instanceof Date) hit.lastModified = lastModified;
  return hit;
}

/**
 * The id of the bucket the request was authorised on, when `bucket` is that bucket (ObjectAddr.bucketId):
 * a bucket deleted and re-created under the name (by another tenant) since is not read.
 */
export function authorisedBucketId(ctx: RequestContext, bucket: string): string | undefined {
  return ctx.bucket?.name === bucket ? ctx.bucket.id : undefined;
}

/**
 * Set (value `undefined`: remove) one configuration document of the bucket the request was
 * authorised on — not of one deleted and re-created under the name (by another tenant) since.
 */
export function setBucketConfig(ctx: RequestContext, kind: string, value: unknown): Promise<BucketInfo> {
  const bucket = bucketOf(ctx);
  return ctx.engine.putBucketConfig(bucket.name, kind, value, { bucketId: bucket.id });
}

/**
 * engine.head with S3's delete-marker answers (§9): the current version is a marker → 404 NoSuchKey
 * with `x-amz-delete-marker: true`; a named version that is a marker → 405 MethodNotAllowed for
 * GET/HEAD (`methodNotAllowed`), else NoSuchKey. `bucketId`: as ObjectAddr.bucketId.
 */
export async function headVersion(ctx: RequestContext, bucket: string, key: string, versionId: string | undefined, methodNotAllowed: MarkerAnswer = false, bucketId?: string): Promise<ObjectVersion> {
  const notAllowed = methodNotAllowed === 'always' || (versionId !== undefined && methodNotAllowed);
  try {
    const v = await ctx.engine.head({ bucket, key, bucketId: bucketId ?? authorisedBucketId(ctx, bucket) }, versionId === undefined ? undefined : { versionId });
    if (v.deleteMarker) throw markerError(ctx, { versionId: v.versionId, lastModified: v.lastModified }, notAllowed, key);
    return v;
  } catch (e) {
    const hit = deleteMarkerOf(e);
    if (!hit) throw e;
    throw markerError(ctx, { ...hit, versionId: hit.versionId ?? versionId }, notAllowed, key);
  }
}

/**
 * How a delete marker in the way is answered: `false` NoSuchKey; `true` 405 MethodNotAllowed when
 * the request named the marker's version, NoSuchKey when it is the head; `'always'` 405 both ways,
 * as S3 answers the object tagging operations (LocalStack's AWS-validated test_s3_api.py
 * test_object_tagging_versioned: Get/Put/DeleteObjectTagging with and without the marker's
 * versionId are all 405 MethodNotAllowed, ResourceType DeleteMarker).
 */
export type MarkerAnswer = boolean | 'always';

/**
 * `engine.read` of the whole version (body opened lazily) with headVersion's delete-marker handling
 * for GET: a marker as the head → NoSuchKey with `x-amz-delete-marker`, a marker named by versionId
 * → MethodNotAllowed.
 */
export async function readVersion(ctx: RequestContext, bucket: string, key: string, versionId: string | undefined): Promise<ReadResult> {
  try {
    // lend: the body goes to the HTTP response, which writes each piece out before it pulls the next.
    const r = await ctx.engine.read({ bucket, key, bucketId: authorisedBucketId(ctx, bucket) }, versionId === undefined ? { lend: true } : { versionId, lend: true });
    if (r.version.deleteMarker) throw markerError(ctx, { versionId: r.version.versionId, lastModified: r.version.lastModified }, versionId !== undefined, key);
    return r;
  } catch (e) {
    const hit = deleteMarkerOf(e);
    if (!hit) throw e;
    throw markerError(ctx, { ...hit, versionId: hit.versionId ?? versionId }, versionId !== undefined, key);
  }
}

/**
 * `engine.updateVersionMeta` (tags, ACL) with headVersion's delete-marker answers: the engine finds
 * the version again in its commit, where a marker may have become the head since the handler's
 * headVersion (a DELETE in between) → NoSuchKey with `x-amz-delete-marker`, as if it came first.
 */
export async function updateVersionMeta(
  ctx: RequestContext,
  bucket: string,
  key: string,
  versionId: string | undefined,
  patch: Parameters<RequestContext['engine']['updateVersionMeta']>[2],
  opts?: Parameters<RequestContext['engine']['updateVersionMeta']>[3],
  markers: MarkerAnswer = true,
): Promise<ObjectVersion> {
  try {
    return await ctx.engine.updateVersionMeta({ bucket, key, bucketId: ctx.bucket?.id }, versionId, patch, opts);
  } catch (e) {
    const hit = deleteMarkerOf(e);
    if (!hit) throw e;
    throw markerError(ctx, { ...hit, versionId: hit.versionId ?? versionId }, markers === 'always' || (versionId !== undefined && markers), key);
  }
}

function markerError(ctx: RequestContext, hit: DeleteMarkerHit, notAllowed: boolean, key: string): Error {
  const headers: Record<string, string> = { 'x-amz-delete-marker': 'true' };
  const { versionId } = hit;
  const shows = versionId !== undefined && (versionId !== 'null' || ctx.bucket?.versioning !== 'Unversioned');
  if (shows) headers['x-amz-version-id'] = versionId;
  if (notAllowed) {
    // API_GetObject / API_HeadObject: "If the specified version in the request is a delete marker,
    // the response returns a 405 Method Not Allowed error and the Last-Modified: timestamp".
    if (hit.lastModified) headers['last-modified'] = httpDate(hit.lastModified);
    return S3Errors.MethodNotAllowed({ headers: { ...headers, allow: 'DELETE' }, fields: { Method: ctx.req.method.toUpperCase(), ResourceType: 'DeleteMarker' } });
  }
  return S3Errors.NoSuchKey({ headers, fields: { Key: key } });
}

/** Quote an ETag if the client sent it bare (minio-go lists parts with unquoted ETags). */
export function quoteEtag(etag: string): string {
  const t = etag.trim();
  return t.startsWith('"') ? t : `"${t}"`;
}

/** Opaque, versioned continuation token (§4.1): base64url of `{"v":1,"k":…,"p":0|1}`. */
export function encodeToken(key: string, isPrefix: boolean): string {
  return Buffer.from(JSON.stringify({ v: 1, k: key, p: isPrefix ? 1 : 0 })).toString('base64url');
}

/** Decode a continuation token; malformed → 400 InvalidArgument (§4.1). */
export function decodeToken(token: string): { key: string; isPrefix: boolean } {
  const bad = (): Error => S3Errors.InvalidArgument({ message: 'The continuation token provided is incorrect', fields: { ArgumentName: 'continuation-token' } });
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const t = o as { v?: unknown; k?: unknown; p?: unknown };
  if (typeof o !== 'object' || o === null || t.v !== 1 || typeof t.k !== 'string' || (t.p !== 0 && t.p !== 1)) throw bad();
  return { key: t.k, isPrefix: t.p === 1 };
}
