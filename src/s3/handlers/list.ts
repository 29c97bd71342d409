/**
 * Listing handlers: ListObjectsV2, ListObjects (V1), ListObjectVersions
 * (shared/spec/s3-surface.md §4.1). The engine scans; this layer owns parameters, tokens and XML.
 */
import type { ListEntry, ListPage, ObjectVersion } from '../../engine/index.js';
import { bucketOf, type Handler, type RequestContext } from '../context.js';
import { S3Errors } from '../errors.js';
import type { OperationOf } from '../operations.js';
import { objectOwnerOf } from '../ownership.js';
import { xml } from '../respond.js';
import { renderListObjectsV1, renderListObjectsV2, renderListVersions, type OwnerXml } from '../xml/list.js';
import { checkVersionId, decodeToken, encodeToken, encodingType, intParam, ownersOf, strParam } from './common.js';

/**
 * max-keys: 0–1000, default 1000, larger values clamped (§4.1). A negative value is InvalidArgument
 * with S3's texts: "Argument maxKeys must be an integer between 0 and 2147483647" for the object
 * listings (measured against S3 in brekkylab/backlot#192, also floci-io/floci#3510,
 * versitygw#1804) and "max-keys cannot be negative" for ListObjectVersions (versitygw#1809, S3's
 * answer); a value that is not an int32 keeps intParam's "Provided max-keys not an integer or
 * within integer range".
 */
function maxKeys(ctx: RequestContext, versions = false): number {
  return intParam(ctx, 'max-keys', 1000, 0, 1000, {
    message: versions ? 'max-keys cannot be negative' : 'Argument maxKeys must be an integer between 0 and 2147483647',
    argumentName: 'maxKeys',
  });
}

const EMPTY_PAGE: ListPage = { entries: [], commonPrefixes: [], truncated: false };

/**
 * The owner of each entry of a page (ownership.ts objectOwnerOf: the tenant that wrote the version,
 * or the bucket owner), with the users read at most once for the page.
 */
async function pageOwners<E extends ListEntry | ObjectVersion>(ctx: RequestContext, entries: readonly E[]): Promise<(e: E) => OwnerXml> {
  const ownerIdOf = objectOwnerOf(bucketOf(ctx));
  const ids = new Set<string>();
  for (const e of entries) ids.add(ownerIdOf(e.acl));
  const owner = await ownersOf(ctx, ids);
  return (e) => owner(ownerIdOf(e.acl));
}

/** One page of the current-version scan; max-keys=0 → empty and not truncated (§4.1). */
async function scan(ctx: RequestContext, bucket: string, limit: number, startAfter?: string): Promise<ListPage> {
  if (limit === 0) return EMPTY_PAGE;
  return ctx.engine.listObjects(bucket, {
    prefix: strParam(ctx, 'prefix'),
    delimiter: strParam(ctx, 'delimiter'),
    startAfter,
    limit,
  });
}

/**
 * ListObjects and ListObjectsV2 answers carry the bucket's region in `x-amz-bucket-region`, as S3's
 * do (LocalStack's AWS-validated test_region_header_exists asserts it on list_objects_v2; the AWS
 * recording of test_bucket_name_with_dots shows it on ListObjects, signed and anonymous).
 */
function regionHeader(ctx: RequestContext): Record<string, string> {
  return { 'x-amz-bucket-region': ctx.config.region };
}

/** GET /{b}?list-type=2. */
export const listObjectsV2: Handler<OperationOf<'ListObjectsV2'>> = async (ctx, op) => {
  const limit = maxKeys(ctx);
  const enc = encodingType(ctx);
  const token = ctx.query.get('continuation-token') ?? undefined;
  const startAfter = strParam(ctx, 'start-after');
  // start-after is ignored when a continuation token is given (§4.1).
  const from = token !== undefined ? decodeToken(token).key : startAfter;
  const page = await scan(ctx, op.bucket, limit, from);
  const fetchOwner = ctx.query.get('fetch-owner') === 'true';
  return xml(renderListObjectsV2({
    bucket: op.bucket,
    prefix: ctx.query.get('prefix') ?? '',
    delimiter: strParam(ctx, 'delimiter'),
    maxKeys: limit,
    encodingType: enc,
    truncated: page.truncated,
    entries: page.entries,
    commonPrefixes: page.commonPrefixes,
    ownerOf: fetchOwner ? await pageOwners(ctx, page.entries) : undefined,
    continuationToken: token,
    nextContinuationToken: page.truncated && page.next ? encodeToken(page.next.key, page.next.isPrefix) : undefined,
    startAfter,
  }), regionHeader(ctx));
};

/**
 * GET /{b} (V1). NextMarker is returned whenever the page is truncated (§4.1); a marker that is a
 * common prefix resumes after every key under it (the engine's startAfter rule). Each entry names
 * its Owner, except to an anonymous requester: S3's unsigned listing of a public-read bucket has
 * no <Owner> in its <Contents>, the signed one has (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3.py test_bucket_name_with_dots: request_path_url_content and
 * request_vhost_url_content against list_objects).
 */
export const listObjects: Handler<OperationOf<'ListObjects'>> = async (ctx, op) => {
  // S3 refuses V2's start-after on a V1 listing rather than ignore it (a client that meant V2 would
  // otherwise get the listing from the start): amazonka#376 shows the answer.
  if (ctx.query.has('start-after')) {
    throw S3Errors.InvalidArgument({ message: 'startAfter only supported in REST.GET.BUCKET with list-type=2', fields: { ArgumentName: 'start-after', ArgumentValue: ctx.query.get('start-after') ?? '' } });
  }
  const limit = maxKeys(ctx);
  const enc = encodingType(ctx);
  const marker = ctx.query.get('marker') ?? '';
  const page = await scan(ctx, op.bucket, limit, marker === '' ? undefined : marker);
  return xml(renderListObjectsV1({
    bucket: op.bucket,
    prefix: ctx.query.get('prefix') ?? '',
    delimiter: strParam(ctx, 'delimiter'),
    maxKeys: limit,
    encodingType: enc,
    truncated: page.truncated,
    entries: page.entries,
    commonPrefixes: page.commonPrefixes,
    ownerOf: ctx.identity.kind === 'anonymous' ? undefined : await pageOwners(ctx, page.entries),
    marker,
    nextMarker: page.truncated ? page.next?.key : undefined,
  }), regionHeader(ctx));
};

/** GET /{b}?versions — markers per the §4.1 table. */
export const listObjectVersions: Handler<OperationOf<'ListObjectVersions'>> = async (ctx, op) => {
  const limit = maxKeys(ctx, true);
  const enc = encodingType(ctx);
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const vidMarker = ctx.query.get('version-id-marker') ?? '';
  if (vidMarker !== '' && keyMarker === '') {
    throw S3Errors.InvalidArgument({ message: 'A version-id marker cannot be specified without a key marker.', fields: { ArgumentName: 'version-id-marker', ArgumentValue: vidMarker } });
  }
  if (vidMarker !== '') checkVersionId(vidMarker, 'version-id-marker');
  const bucket = bucketOf(ctx);
  const page = limit === 0
    ? { entries: [], commonPrefixes: [], truncated: false }
    : await ctx.engine.listVersions(op.bucket, {
        prefix: strParam(ctx, 'prefix'),
        delimiter: strParam(ctx, 'delimiter'),
        keyMarker: keyMarker === '' ? undefined : keyMarker,
        versionIdMarker: vidMarker === '' ? undefined : vidMarker,
        limit,
      });
  // Delete markers of never-versioned buckets are hidden (ccow.md §7.3).
  const entries = bucket.versioning === 'Unversioned' ? page.entries.filter((v) => !v.deleteMarker) : page.entries;
  return xml(renderListVersions({
    bucket: op.bucket,
    prefix: ctx.query.get('prefix') ?? '',
    delimiter: strParam(ctx, 'delimiter'),
    keyMarker,
    versionIdMarker: vidMarker,
    maxKeys: limit,
    encodingType: enc,
    truncated: page.truncated,
    nextKeyMarker: page.truncated ? page.nextKeyMarker : undefined,
    nextVersionIdMarker: page.truncated ? page.nextVersionIdMarker : undefined,
    entries,
    commonPrefixes: page.commonPrefixes,
    ownerOf: await pageOwners(ctx, entries),
  }));
};
