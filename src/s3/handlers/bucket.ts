/**
 * Bucket lifecycle handlers: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
 * GetBucketLocation, Get/PutBucketVersioning (shared/spec/s3-surface.md §3).
 */
import type { Codec } from '../../engine/index.js';
import { EngineErrors } from '../../engine/index.js';
import { hasCode } from '../../common/index.js';
import { aclFromHeaders, cannedAcl, validateGrantees } from '../acl.js';
import { readBody } from '../body.js';
import { checkBucketName } from '../bucket-name.js';
import { bucketOf, tenantOf, type Handler } from '../context.js';
import { S3Errors } from '../errors.js';
import type { OperationOf } from '../operations.js';
import { isObjectOwnership, onlyOwnerFullControl, type ObjectOwnership, type StoredOwnership } from '../ownership.js';
import { empty, xml } from '../respond.js';
import { MAX_SMALL_XML_BODY } from '../xml/codec.js';
import { parseCreateBucket, parseVersioning, renderLocation, renderVersioning } from '../xml/config.js';
import { renderListBuckets } from '../xml/list.js';
import { decodeToken, encodeToken, intParam, ownerOf, setBucketConfig, strParam } from './common.js';

const malformed = (): Error => S3Errors.MalformedXML();

/**
 * GET / — the caller's buckets by name; `max-buckets`, `continuation-token`, `prefix` (§3), and
 * `bucket-region`, which "limits the response to buckets that are located in the specified Region"
 * (API_ListBuckets): every bucket here is in the gateway's region, so another region lists none.
 */
export const listBuckets: Handler<OperationOf<'ListBuckets'>> = async (ctx) => {
  const tenant = tenantOf(ctx)!;
  const max = intParam(ctx, 'max-buckets', 10000, 1, 10000);
  const prefix = strParam(ctx, 'prefix');
  const token = strParam(ctx, 'continuation-token');
  const after = token === undefined ? undefined : decodeToken(token).key;
  const region = strParam(ctx, 'bucket-region');
  const all = (region !== undefined && region !== ctx.config.region ? [] : await ctx.engine.listBuckets(tenant))
    .filter((b) => (prefix === undefined || b.name.startsWith(prefix)) && (after === undefined || b.name > after))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = all.slice(0, max);
  const truncated = all.length > page.length;
  return xml(renderListBuckets({
    owner: await ownerOf(ctx, tenant),
    buckets: page.map((b) => ({ name: b.name, createdAt: b.createdAt, region: ctx.config.region })),
    continuationToken: truncated ? encodeToken(page[page.length - 1]!.name, false) : undefined,
    prefix,
  }));
};

/** PUT /{b} — any LocationConstraint accepted; 409 when the name is taken (§3). */
export const createBucket: Handler<OperationOf<'CreateBucket'>> = async (ctx, op) => {
  checkBucketName(op.bucket);
  const tenant = tenantOf(ctx)!;
  if (ctx.headers['x-amz-bucket-object-lock-enabled']?.toLowerCase() === 'true') throw S3Errors.NotImplemented('Object lock is not implemented');
  const ownership = objectOwnershipHeader(ctx.headers['x-amz-object-ownership']);
  const layout = bucketLayoutHeaders(ctx.headers);
  const config = await parseCreateBucket(await readBody(ctx, MAX_SMALL_XML_BODY, malformed));
  if (ctx.bucket) {
    throw ctx.bucket.owner === tenant ? S3Errors.BucketAlreadyOwnedByYou({ fields: { BucketName: op.bucket } }) : S3Errors.BucketAlreadyExists({ fields: { BucketName: op.bucket } });
  }
  const acl = aclFromHeaders(ctx.headers, tenant) ?? cannedAcl('private', tenant);
  const users = await ctx.engine.listUsers();
  validateGrantees(acl, (id) => users.some((u) => u.tenantId === id));
  // ACLs disabled from the start: a bucket ACL granting anyone but the owner is refused
  // (API_CreateBucket: "If your CreateBucket request sets bucket owner enforced for S3 Object
  // Ownership and specifies a bucket ACL that provides access to an external AWS account, your
  // request fails with a 400 error and returns the InvalidBucketAclWithObjectOwnership error code";
  // versitygw CreateBucket_ownership_with_acl). `private` is accepted (versity/versitygw#1869: S3
  // creates the bucket; rclone sends it on every mkdir).
  if (ownership === 'BucketOwnerEnforced' && !onlyOwnerFullControl(acl, tenant)) throw S3Errors.InvalidBucketAclWithObjectOwnership();
  const configs: Record<string, unknown> = { acl };
  if (ownership !== undefined) configs.ownership = { v: 1, objectOwnership: ownership } satisfies StoredOwnership;
  // CreateBucketConfiguration <Tags>: stored as PutBucketTagging stores them (bucket config `tagging`).
  if (config.tags && Object.keys(config.tags).length > 0) configs.tagging = config.tags;
  try {
    await ctx.engine.createBucket(op.bucket, { owner: tenant, configs, ...layout });
  } catch (e) {
    // Lost a race with another creator: tell the caller who owns it now.
    const now = await ctx.engine.getBucket(op.bucket);
    if (now?.owner === tenant) throw S3Errors.BucketAlreadyOwnedByYou({ fields: { BucketName: op.bucket } });
    throw e;
  }
  return empty(200, { location: `/${op.bucket}` });
};

/** CreateBucket's layout headers (names: the EdgeFS attributes of ccow.md §7.1's VM table). */
export const CHUNK_SIZE_HEADER = 'x-ccow-chunkmap-chunk-size';
export const COMPRESS_HEADER = 'x-ccow-compress-type';
const MIN_BUCKET_CHUNK = 4096;
const MAX_BUCKET_CHUNK = 8 * 1024 * 1024;

/**
 * A bucket's chunk size and compression, fixed when it is created (ccow.md §3: "chunkSize ... set
 * per bucket; fixed at creation", "Compression is per bucket: none (default), lz4 or zstd"; spec
 * README §5: bucket setting 4 KiB … 8 MiB). S3 has no such setting, so they ride on CreateBucket as
 * extension headers; a value out of range is 400 InvalidArgument naming the header, as S3 answers a
 * bad `x-amz-object-ownership`. Absent: 1 MiB, none.
 */
function bucketLayoutHeaders(h: Readonly<Record<string, string | undefined>>): { chunkSize?: number; codec?: Codec } {
  const out: { chunkSize?: number; codec?: Codec } = {};
  const size = h[CHUNK_SIZE_HEADER];
  if (size !== undefined) {
    const n = /^[0-9]{1,8}$/.test(size) ? Number(size) : NaN;
    if (!(n >= MIN_BUCKET_CHUNK && n <= MAX_BUCKET_CHUNK && n % 512 === 0)) {
      throw S3Errors.InvalidArgument({ message: `${CHUNK_SIZE_HEADER} must be a multiple of 512 from ${MIN_BUCKET_CHUNK} to ${MAX_BUCKET_CHUNK}`, fields: { ArgumentName: CHUNK_SIZE_HEADER, ArgumentValue: size } });
    }
    out.chunkSize = n;
  }
  const codec = h[COMPRESS_HEADER];
  if (codec !== undefined) {
    if (codec !== 'none' && codec !== 'lz4' && codec !== 'zstd') {
      throw S3Errors.InvalidArgument({ message: `${COMPRESS_HEADER} must be none, lz4 or zstd`, fields: { ArgumentName: COMPRESS_HEADER, ArgumentValue: codec } });
    }
    out.codec = codec;
  }
  return out;
}

/**
 * CreateBucket's `x-amz-object-ownership` (API_CreateBucket): one of the three settings, stored as
 * the bucket's ownership controls (ownership.ts); another value is 400 InvalidArgument "Invalid
 * x-amz-object-ownership header: V" (versitygw's integration tests, CreateBucket_invalid_ownership)
 * with ArgumentName and no ArgumentValue, for a wrong value as for an empty one (LocalStack's
 * AWS-validated tests/aws/services/s3/test_s3_api.py test_bucket_ownership_controls_exc:
 * ownership-wrong-value-at-creation, ownership-non-value-at-creation).
 *
 * Without the header the bucket gets no ownership controls and behaves as ObjectWriter (ACLs
 * enabled), as every S3 bucket did before April 2023. S3 now makes such a bucket
 * BucketOwnerEnforced, but here ACL grants are how tenants share buckets (s3-surface.md §8), and
 * users and tools that create buckets without the header and then grant through ACLs would find
 * their grants refused; a client that wants ACLs disabled asks for it with this header.
 */
function objectOwnershipHeader(value: string | undefined): ObjectOwnership | undefined {
  if (value === undefined || isObjectOwnership(value)) return value;
  throw S3Errors.InvalidArgument({ message: `Invalid x-amz-object-ownership header: ${value}`, fields: { ArgumentName: 'x-amz-object-ownership' } });
}

/**
 * HEAD /{b} — with `x-amz-bucket-region`, which SDKs use for redirects (§3). To the bucket's owner
 * it also shows the bucket's counters (ccow.md §17: "Dedup saving = logical − physical, per
 * bucket"; issue #3: a number users see): `x-ccow-object-count`, `x-ccow-logical-bytes` (sizes of
 * the retained versions), `x-ccow-physical-bytes` (what the bucket's writes stored) and
 * `x-ccow-dedup-saved-bytes` (their difference, negative while manifests outweigh the sharing).
 * The owner also sees the bucket's chunk size and compression (CreateBucket's layout headers).
 * Only the owner: others granted ListBucket learn nothing a listing would not show them.
 */
export const headBucket: Handler<OperationOf<'HeadBucket'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  // S3's HeadBucket answer carries Content-Type: application/xml although it has no body
  // (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py test_create_bucket_head_bucket:
  // head_bucket_filtered_header, head_bucket_2_filtered_header).
  const headers: Record<string, string> = { 'content-type': 'application/xml', 'x-amz-bucket-region': ctx.config.region, 'x-amz-access-point-alias': 'false' };
  if (tenantOf(ctx) === bucket.owner) {
    const s = await ctx.engine.bucketStats(op.bucket);
    headers['x-ccow-object-count'] = String(s.objects);
    headers['x-ccow-logical-bytes'] = String(s.logicalBytes);
    headers['x-ccow-physical-bytes'] = String(s.physicalBytes);
    headers['x-ccow-dedup-saved-bytes'] = String(s.logicalBytes - s.physicalBytes);
    headers[CHUNK_SIZE_HEADER] = String(bucket.chunkSize);
    headers[COMPRESS_HEADER] = bucket.codec;
  }
  return empty(200, headers);
};

/**
 * DELETE /{b} — BucketNotEmpty while any version or upload exists (engine decides, §3). A bucket
 * that has had versioning gets S3's longer message, which names the versions (the answer AWS users
 * see from DeleteBucket on a versioned bucket: "... You must delete all versions in the bucket.").
 * Either names the bucket, as S3 does (`<BucketName>`, captured in versity/versitygw#1780).
 */
export const deleteBucket: Handler<OperationOf<'DeleteBucket'>> = async (ctx, op) => {
  try {
    // The bucket authorised, not one re-created under the name since (by another tenant).
    await ctx.engine.deleteBucket(op.bucket, { bucketId: bucketOf(ctx).id });
  } catch (e) {
    if (hasCode(e, EngineErrors.BUCKET_NOT_EMPTY.code)) {
      const versions = bucketOf(ctx).versioning !== 'Unversioned';
      const message = versions ? 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.' : undefined;
      throw S3Errors.BucketNotEmpty({ message, fields: { BucketName: op.bucket }, cause: e });
    }
    throw e;
  }
  return empty(204);
};

/** GET /{b}?location — the configured region, empty for us-east-1 (§3). */
export const getBucketLocation: Handler<OperationOf<'GetBucketLocation'>> = async (ctx) => {
  bucketOf(ctx);
  return xml(renderLocation(ctx.config.region));
};

/** GET /{b}?versioning. */
export const getBucketVersioning: Handler<OperationOf<'GetBucketVersioning'>> = async (ctx) => {
  return xml(renderVersioning(bucketOf(ctx).versioning));
};

/** PUT /{b}?versioning — Enabled / Suspended; MFA delete → NotImplemented (§3). */
export const putBucketVersioning: Handler<OperationOf<'PutBucketVersioning'>> = async (ctx) => {
  const status = await parseVersioning(await readBody(ctx, MAX_SMALL_XML_BODY, malformed));
  await setBucketConfig(ctx, 'versioning', status);
  return empty(200);
};
