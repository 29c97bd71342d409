/**
 * Multipart upload handlers (shared/spec/s3-surface.md §4.5, §5.3): Create, UploadPart,
 * UploadPartCopy, Complete, Abort, ListParts, ListMultipartUploads.
 */
import type { UploadInfo } from '../../engine/index.js';
import { digestName, planBody } from '../body.js';
import { parseChecksumAlgorithm, resolveChecksumType } from '../checksum/index.js';
import { bucketOf, tenantOf, type Handler, type RequestContext } from '../context.js';
import { S3Errors } from '../errors.js';
import { ABORT_CONDITIONS, abortHeaders, refuseCopySourceCustomerKey, refuseDirectoryConditions, refuseEncryption, refuseEncryptionHeader, showsVersionId, versionAttrsOf } from '../object-headers.js';
import type { OperationOf } from '../operations.js';
import { objectOwnerOf } from '../ownership.js';
import { parsePartNumber } from '../range.js';
import { empty, xml } from '../respond.js';
import type { S3Response } from '../types.js';
import type { OwnerXml } from '../xml/list.js';
import { renderCopyPartResult, renderInitiateUpload, renderListParts, renderListUploads } from '../xml/multipart.js';
import { encodingType, INT32_MAX, intParam, ownersOf, refuseVersionIdParam, strParam } from './common.js';
import { copySourceAddr, loadCopySource, retryIfSourcePurged } from './copy.js';
import { checksumHeaders, requestedObjectAcl } from './object-write.js';

/** The upload named by `uploadId`, which must belong to this key (else NoSuchUpload). */
export async function uploadOf(ctx: RequestContext, bucket: string, key: string): Promise<UploadInfo> {
  const uploadId = ctx.query.get('uploadId') ?? '';
  const u = uploadId === '' ? undefined : await ctx.engine.getUpload(bucket, uploadId);
  if (!u || u.key !== key) throw S3Errors.NoSuchUpload({ fields: { UploadId: uploadId } });
  return u;
}

/**
 * Initiator and Owner of uploads: who created each (recorded at Create; an upload recorded before
 * that, or created anonymously, shows its owner to be) and who will own the object (the ACL Create
 * stored, as ListObjects reads a version's: ownership.ts objectOwnerOf). The users are read at most
 * once for the lot.
 */
async function uploadOwners(ctx: RequestContext, uploads: readonly UploadInfo[]): Promise<{ initiatorOf: (u: UploadInfo) => OwnerXml; ownerOf: (u: UploadInfo) => OwnerXml }> {
  const ownerIdOf = objectOwnerOf(bucketOf(ctx));
  const initiatorIdOf = (u: UploadInfo): string => u.initiator ?? ownerIdOf(u.attrs.acl);
  const ids = new Set<string>();
  for (const u of uploads) ids.add(ownerIdOf(u.attrs.acl)).add(initiatorIdOf(u));
  const owner = await ownersOf(ctx, ids);
  return { initiatorOf: (u) => owner(initiatorIdOf(u)), ownerOf: (u) => owner(ownerIdOf(u.attrs.acl)) };
}

/** POST /{b}/{k}?uploads — `x-amz-checksum-algorithm` / `x-amz-checksum-type` per §5.3. */
export const createMultipartUpload: Handler<OperationOf<'CreateMultipartUpload'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  const attrs = versionAttrsOf(ctx.headers);
  const acl = await requestedObjectAcl(ctx, bucket);
  const algHeader = ctx.headers['x-amz-checksum-algorithm'];
  const typeHeader = ctx.headers['x-amz-checksum-type'];
  if (algHeader === undefined && typeHeader !== undefined) {
    throw S3Errors.InvalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  }
  const checksumAlgorithm = algHeader === undefined ? undefined : parseChecksumAlgorithm(algHeader);
  const checksumType = checksumAlgorithm ? resolveChecksumType(checksumAlgorithm, typeHeader) : undefined;
  const u = await ctx.engine.createUpload({ bucket: op.bucket, key: op.key, bucketId: bucket.id }, {
    attrs: acl ? { ...attrs, acl } : attrs,
    initiator: tenantOf(ctx),
    checksumAlgorithm,
    checksumType,
  });
  const headers = abortHeaders(bucket, op.key, u.initiated);
  if (u.checksumAlgorithm) headers['x-amz-checksum-algorithm'] = u.checksumAlgorithm;
  if (u.checksumType) headers['x-amz-checksum-type'] = u.checksumType;
  return xml(renderInitiateUpload(op.bucket, op.key, u.uploadId), headers);
};

/**
 * PUT /{b}/{k}?partNumber&uploadId. With a declared algorithm every part of a COMPOSITE upload must
 * carry that checksum (§5.3); a part of a FULL_OBJECT upload that carries none gets it computed
 * here, as AWS does (versitygw #1419 and CloudServer follow it): SDKs with
 * `requestChecksumCalculation: WHEN_REQUIRED` send parts without one. Without a declared algorithm,
 * a part checksum that arrives is verified and kept.
 */
export const uploadPart: Handler<OperationOf<'UploadPart'>> = async (ctx, op) => {
  const n = parsePartNumber(ctx.query.get('partNumber') ?? '');
  refuseVersionIdParam(ctx);
  refuseEncryptionHeader(ctx.headers);
  refuseEncryption(ctx.headers);
  const upload = await uploadOf(ctx, op.bucket, op.key);
  const plan = planBody(ctx, { requireLength: true });
  const alg = upload.checksumAlgorithm;
  const computed = alg !== undefined && plan.checksumAlgorithm === undefined && upload.checksumType === 'FULL_OBJECT';
  if (computed) {
    plan.checksumAlgorithm = alg;
    plan.digests.push(digestName(alg));
  }
  if (alg && plan.checksumAlgorithm !== alg) {
    throw S3Errors.InvalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${alg.toLowerCase()}, actual checksum Type: ${plan.checksumAlgorithm?.toLowerCase() ?? 'null'}`);
  }
  ctx.bodyRead = true;
  const part = await ctx.engine.putPart(op.bucket, upload.uploadId, n, plan.source, {
    checksumAlgorithm: plan.checksumAlgorithm,
    digests: plan.digests,
    expectedSize: plan.expectedSize,
    maxSize: ctx.config.maxPutSize,
    verify: plan.verify,
  });
  // AWS returns a part checksum only when the request provided one.
  const h = computed ? {} : checksumHeaders(part.checksum);
  delete h['x-amz-checksum-type'];
  return empty(200, { etag: part.etag, ...h });
};

/**
 * `x-amz-copy-source-range: bytes=first-last`, within the source, else 400 InvalidArgument. Past the
 * source's end S3 answers 400 InvalidArgument "Range specified is not valid for source object of
 * size: N" (seen from S3 by versitygw#610), not GetObject's 416 InvalidRange.
 */
function copyRange(header: string | undefined, size: number): { offset: number; length: number } | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1])) {
    throw S3Errors.InvalidArgument({ message: 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', fields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header } });
  }
  const first = Number(m[1]);
  const last = Number(m[2]);
  // A range that starts past the end is another answer: 400 InvalidRequest (LocalStack's
  // AWS-validated test_s3_api.py test_upload_part_copy_range, bytes=100-200 of a 10-byte source;
  // bytes=0-100 there is the InvalidArgument below).
  if (first >= size) throw S3Errors.InvalidRequest('The specified copy range is invalid for the source object size');
  if (last >= size) throw S3Errors.InvalidArgument({ message: `Range specified is not valid for source object of size: ${size}`, fields: { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header } });
  return { offset: first, length: last - first + 1 };
}

/** PUT /{b}/{k}?partNumber&uploadId with `x-amz-copy-source` (§3: shares chunks where aligned). */
export const uploadPartCopy: Handler<OperationOf<'UploadPartCopy'>> = (ctx, op) => retryIfSourcePurged(ctx, () => uploadPartCopyOnce(ctx, op));

async function uploadPartCopyOnce(ctx: RequestContext, op: OperationOf<'UploadPartCopy'>): Promise<S3Response> {
  const n = parsePartNumber(ctx.query.get('partNumber') ?? '');
  refuseEncryptionHeader(ctx.headers);
  refuseEncryption(ctx.headers);
  const upload = await uploadOf(ctx, op.bucket, op.key);
  const { src, version, bucket: srcBucket } = await loadCopySource(ctx);
  refuseCopySourceCustomerKey(ctx.headers);
  const range = copyRange(ctx.headers['x-amz-copy-source-range'], version.size);
  // A part is at most what UploadPart takes (5 GiB): S3 refuses a larger range, or a larger source
  // copied whole, with this InvalidRequest (seen from S3 by awslabs/amazon-s3-tar-tool#26).
  // CopyObject has no such limit here (s3-surface.md §4.4).
  if ((range?.length ?? version.size) > ctx.config.maxPutSize) {
    throw S3Errors.InvalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${ctx.config.maxPutSize}`);
  }
  const part = await ctx.engine.copyPart(op.bucket, upload.uploadId, n, copySourceAddr(src, version, srcBucket), range);
  const headers: Record<string, string> = {};
  // As CopyObject: a null version shows as "null" once the source bucket has had versioning on.
  if (showsVersionId(version, srcBucket)) headers['x-amz-copy-source-version-id'] = version.versionId;
  return xml(renderCopyPartResult(part), headers);
}

/** DELETE /{b}/{k}?uploadId. */
export const abortMultipartUpload: Handler<OperationOf<'AbortMultipartUpload'>> = async (ctx, op) => {
  refuseDirectoryConditions(ctx.headers, ABORT_CONDITIONS);
  const upload = await uploadOf(ctx, op.bucket, op.key);
  await ctx.engine.abortUpload(op.bucket, upload.uploadId);
  return empty(204);
};

/** GET /{b}/{k}?uploadId — `part-number-marker`, `max-parts` (§4.5). */
export const listParts: Handler<OperationOf<'ListParts'>> = async (ctx, op) => {
  const bucket = bucketOf(ctx);
  const upload = await uploadOf(ctx, op.bucket, op.key);
  // PartNumberMarker echoes the request's marker, past 10000 too (S3 reads it as an int32, as
  // moto and Ceph RGW echo it); no part lies beyond 10000, so the engine is asked from there.
  // An empty part-number-marker or max-parts is the default, not an error: S3 lists from the start,
  // 1000 parts (LocalStack's AWS-validated test_s3_list_operations.py
  // test_list_parts_empty_part_number_marker).
  const marker = intParam(ctx, 'part-number-marker', 0, 0, INT32_MAX, undefined, true);
  // Negative: S3's "Argument max-parts must be an integer between 0 and 2147483647" (versitygw#1804).
  const limit = intParam(ctx, 'max-parts', 1000, 0, 1000, { message: 'Argument max-parts must be an integer between 0 and 2147483647', argumentName: 'max-parts' }, true);
  // max-parts=0 is an empty page that is not truncated, as max-keys=0 is for listings (§4.1): a
  // truncated page with no part has no NextPartNumberMarker to go on from, and a paginator that
  // repeats the request would never end.
  const page = limit === 0 ? { parts: [], truncated: false } : await ctx.engine.listParts(op.bucket, upload.uploadId, { marker: Math.min(marker, 10000), limit });
  const owners = await uploadOwners(ctx, [upload]);
  return xml(renderListParts({
    bucket: op.bucket,
    key: op.key,
    uploadId: upload.uploadId,
    partNumberMarker: marker,
    // S3 sends NextPartNumberMarker, the last part of the page, on the last page too: a recorded
    // AWS answer has <NextPartNumberMarker>3</NextPartNumberMarker><IsTruncated>false</IsTruncated>
    // (nikeee/lean-s3's parser fixture), as Ceph RGW and moto answer; the Go v2, Rust, Swift and
    // Kotlin SDKs had to stop their ListParts paginators on IsTruncated for it
    // (aws/aws-sdk-go-v2#1140, awslabs/aws-sdk-rust#1143). On a page with no part S3 sends "0";
    // that one stays out here: the JS SDK v3 paginator (createPaginator, no IsTruncated check) goes
    // on while the token is a non-empty string, so after the last page's "3" it asks for the
    // empty page past it and, given "0", would start over for ever.
    nextPartNumberMarker: page.parts[page.parts.length - 1]?.partNumber,
    maxParts: limit,
    truncated: page.truncated,
    parts: page.parts,
    initiator: owners.initiatorOf(upload),
    owner: owners.ownerOf(upload),
    storageClass: upload.attrs.storageClass ?? 'STANDARD',
    checksumAlgorithm: upload.checksumAlgorithm,
    checksumType: upload.checksumType,
  }), abortHeaders(bucket, op.key, upload.initiated));
};

/** GET /{b}?uploads — `prefix`, `delimiter`, `key-marker`, `upload-id-marker`, `max-uploads` (§4.5). */
export const listMultipartUploads: Handler<OperationOf<'ListMultipartUploads'>> = async (ctx, op) => {
  // Negative: S3's "Argument max-uploads must be an integer between 0 and 2147483647" (versitygw#1804).
  const limit = intParam(ctx, 'max-uploads', 1000, 0, 1000, { message: 'Argument max-uploads must be an integer between 0 and 2147483647', argumentName: 'max-uploads' });
  const enc = encodingType(ctx);
  const keyMarker = ctx.query.get('key-marker') ?? '';
  const uploadIdMarker = ctx.query.get('upload-id-marker') ?? '';
  // An upload-id-marker that names an upload of another key is refused: 400 InvalidArgument
  // "Invalid uploadId marker" (LocalStack's AWS-validated test_s3_list_operations.py
  // test_list_multiparts_next_marker, list-multiparts-wrong-id-for-key). An id that names no upload
  // (completed or aborted since the last page) keeps its place in the order, as version-id-marker does.
  if (keyMarker && uploadIdMarker) {
    const named = await ctx.engine.getUpload(op.bucket, uploadIdMarker);
    if (named && named.key !== keyMarker) {
      throw S3Errors.InvalidArgument({ message: 'Invalid uploadId marker', fields: { ArgumentName: 'upload-id-marker', ArgumentValue: uploadIdMarker } });
    }
  }
  const page = limit === 0
    ? { uploads: [], commonPrefixes: [], truncated: false }
    : await ctx.engine.listUploads(op.bucket, {
        prefix: strParam(ctx, 'prefix'),
        delimiter: strParam(ctx, 'delimiter'),
        keyMarker: keyMarker || undefined,
        uploadIdMarker: keyMarker && uploadIdMarker ? uploadIdMarker : undefined,
        limit,
      });
  return xml(renderListUploads({
    bucket: op.bucket,
    keyMarker,
    // Ignored without key-marker (API_ListMultipartUploads), and then not echoed either: S3 answers
    // an empty <UploadIdMarker/> (versitygw#2150, compared with S3; its
    // ListMultipartUploads_ignore_upload_id_marker).
    uploadIdMarker: keyMarker ? uploadIdMarker : '',
    // Sent on every page, naming the last upload listed, and empty when none was: S3 answers
    // NextKeyMarker / NextUploadIdMarker with IsTruncated false (LocalStack's AWS recordings,
    // tests/aws/services/s3/test_s3.snapshot.json test_list_multipart_uploads_parameters; the
    // empty pair in test_multipart_and_list_parts list-all-uploads-completed).
    nextKeyMarker: page.nextKeyMarker ?? '',
    nextUploadIdMarker: page.nextUploadIdMarker ?? '',
    prefix: ctx.query.get('prefix') ?? '',
    delimiter: strParam(ctx, 'delimiter'),
    maxUploads: limit,
    encodingType: enc,
    truncated: page.truncated,
    uploads: page.uploads,
    commonPrefixes: page.commonPrefixes,
    ...await uploadOwners(ctx, page.uploads),
  }));
};
