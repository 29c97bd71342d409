/**
 * CopyObject (shared/spec/s3-surface.md §4.4) and the copy-source handling UploadPartCopy shares.
 * Within a segment a copy never copies payload: the engine points the new version at the source's
 * VM (COPY) or builds a new VM over the same refs (REPLACE).
 */
import { isUtf8 } from 'node:buffer';
import type { BucketInfo, ChecksumAlgorithm, ObjectAddr, ObjectVersion, VersionAttrs } from '../../engine/index.js';
import { EngineErrors } from '../../engine/index.js';
import { asSentBytes } from '../auth/index.js';
import { authorizeAccess, checkExpectedOwner, checkRequestPayer, checkSourceGrantHolds } from '../authz.js';
import { checkBucketNameLength } from '../bucket-name.js';
import { parseChecksumAlgorithm } from '../checksum/index.js';
import { checkCopySourceConditions, commitCondition } from '../conditional.js';
import { bucketOf, type Handler, type RequestContext } from '../context.js';
import { S3Errors } from '../errors.js';
import { expirationHeader, REDIRECT_HEADER, redirectLocationOf, refuseCopySourceCustomerKey, refuseEncryption, refuseObjectLock, showsVersionId, storageClassOf, versionAttrsOf } from '../object-headers.js';
import type { OperationOf } from '../operations.js';
import { xml } from '../respond.js';
import type { S3Response } from '../types.js';
import { checkKeyLength } from '../router.js';
import { parseTaggingHeader } from '../xml/config.js';
import { renderCopyObjectResult } from '../xml/objects.js';
import { checkVersionId, headVersion, refuseVersionIdParam } from './common.js';
import { requestedObjectAcl, writtenVersionHeader } from './object-write.js';

/** A parsed `x-amz-copy-source`. */
export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

const badSource = (): Error => S3Errors.InvalidArgument({ message: 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', fields: { ArgumentName: 'x-amz-copy-source' } });

/**
 * A header value as the UTF-8 text its bytes spell, when they are valid UTF-8 with bytes ≥ 0x80; the
 * value as received otherwise. API_CopyObject asks for the source URL-encoded, but the AWS SDKs for
 * Ruby, Go and Java pass `copy_source` through as given, so a key with non-ASCII characters arrives
 * as raw UTF-8 bytes (signed as such: auth/signing.ts asSentBytes), one latin1 character per byte.
 */
function utf8IfSentSo(value: string): string {
  const bytes = asSentBytes(value);
  return bytes && isUtf8(bytes) ? bytes.toString('utf8') : value;
}

/**
 * Parse `x-amz-copy-source: [/]bucket/key[?versionId=V]` (URL-encoded key; the `?` separating the
 * version is literal). A `+` in the path is a space, as S3 decodes it (form encoding, which Go
 * clients use): LocalStack's AWS-validated test_copy_object_special_character_plus_for_space copies
 * `test key.txt` named `bucket%2Ftest+key.txt`; aws-cli#614 and aws-sdk-php#236 saw S3 answer
 * NoSuchKey for a key with a literal `+` sent unencoded. A literal `+` is sent as `%2B` (botocore
 * quotes the key with safe '/~', the SDKs encodeURIComponent it).
 */
export function parseCopySource(sent: string): CopySource {
  const header = utf8IfSentSo(sent);
  const q = header.indexOf('?');
  const path = q < 0 ? header : header.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent((path.startsWith('/') ? path.slice(1) : path).replaceAll('+', ' '));
  } catch {
    throw badSource();
  }
  // An access point ARN (`arn:aws:s3:region:account:accesspoint/name/object/key`, API_CopyObject)
  // names no bucket here (':' is not allowed in bucket names): say so instead of NoSuchBucket.
  if (decoded.startsWith('arn:')) {
    throw S3Errors.NotImplemented({ message: 'Copy sources named by access point ARN are not supported; name the source as bucket/key', fields: { Header: 'x-amz-copy-source' } });
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw badSource();
  const src: CopySource = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  // Names no bucket or key can have are refused before any lookup (issue #5 fuzzer: they failed
  // as internal errors).
  checkBucketNameLength(src.bucket);
  checkKeyLength(src.key);
  if (q >= 0) {
    const m = /^versionId=(.*)$/.exec(header.slice(q + 1));
    if (!m) throw badSource();
    // `?versionId=` (empty) has S3's own message, as the versionId parameter has (common.ts
    // versionIdParam): recorded from AWS for CopyObject and UploadPartCopy, ArgumentName
    // x-amz-copy-source, in a public compliance report ("Version id cannot be the empty string").
    if (m[1] === '') throw S3Errors.InvalidArgument({ message: 'Version id cannot be the empty string', fields: { ArgumentName: 'x-amz-copy-source', ArgumentValue: '' } });
    // A malformed percent-escape (`%E0`) made decodeURIComponent throw: 500 InternalError. It is
    // no version id this gateway issues (base32hex or `null`): the malformed-id answer, undecoded.
    let v: string;
    try {
      v = decodeURIComponent(m[1]!);
    } catch {
      v = m[1]!;
    }
    src.versionId = checkVersionId(v, 'x-amz-copy-source');
  }
  return src;
}

/**
 * Resolve and authorise the copy source (§4.4: read on the source, across tenants only through
 * policy/ACL), then check the `x-amz-copy-source-if-*` conditions against it.
 */
export async function loadCopySource(ctx: RequestContext): Promise<{ src: CopySource; version: ObjectVersion; bucket: BucketInfo }> {
  const src = parseCopySource(ctx.headers['x-amz-copy-source'] ?? '');
  const bucket = src.bucket === ctx.bucket?.name ? ctx.bucket : await ctx.engine.getBucket(src.bucket);
  if (!bucket) throw S3Errors.NoSuchBucket({ fields: { BucketName: src.bucket } });
  checkExpectedOwner(bucket, ctx.headers['x-amz-source-expected-bucket-owner']);
  checkRequestPayer(ctx, bucket);
  const granted = await authorizeAccess(ctx, bucket, src.versionId ? 's3:GetObjectVersion' : 's3:GetObject', src.key, 'object-read', src.versionId);
  let version: ObjectVersion;
  try {
    // Pinned to the bucket just authorised: one re-created under the name since is another's.
    version = await headVersion(ctx, src.bucket, src.key, src.versionId, false, bucket.id);
  } catch (e) {
    if (src.versionId !== undefined && S3Errors.NoSuchKey.is(e) && e.headers['x-amz-delete-marker']) {
      throw S3Errors.InvalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
    }
    throw e;
  }
  checkSourceGrantHolds(ctx, granted, version);
  checkCopySourceConditions(ctx.headers, version);
  return { src, version, bucket };
}

function directive(ctx: RequestContext, name: string): 'COPY' | 'REPLACE' {
  const v = (ctx.headers[name] ?? 'COPY').trim().toUpperCase();
  if (v !== 'COPY' && v !== 'REPLACE') throw S3Errors.InvalidArgument({ message: `Unknown ${name}`, fields: { ArgumentName: name, ArgumentValue: v } });
  return v;
}

/** The source's attributes, as the starting point of a storage-class-only change. */
function attrsOf(v: ObjectVersion): VersionAttrs {
  return { contentType: v.contentType, userMeta: v.userMeta, sysMeta: v.sysMeta, storageClass: v.storageClass };
}

/**
 * `x-amz-checksum-algorithm` of a CopyObject: "the algorithm that you want Amazon S3 to use to
 * create the checksum for the object" (API_CopyObject); without it the source's checksum is copied.
 * Unknown names → 400 InvalidRequest, as for CreateMultipartUpload. Undefined when nothing changes;
 * otherwise the copy gets a new checksum, a change that also makes a copy onto itself legal.
 */
function requestedChecksumAlgorithm(alg: ChecksumAlgorithm | undefined, source: ObjectVersion): ChecksumAlgorithm | undefined {
  if (alg === undefined) return undefined;
  // The same algorithm as a FULL_OBJECT source checksum asks for nothing new: no read, as without it.
  return source.checksum?.algorithm === alg && source.checksum.type === 'FULL_OBJECT' ? undefined : alg;
}

/**
 * Where the engine copies from: exactly the source version whose preconditions and size were
 * checked, by its UVID (which names a null version too; "null" would name whatever null version is
 * there by the time the engine resolves it).
 */
export function copySourceAddr(src: CopySource, version: ObjectVersion, bucket: BucketInfo): ObjectAddr & { versionId: string } {
  return { bucket: src.bucket, key: src.key, versionId: version.uvid, bucketId: bucket.id };
}

/**
 * Run a copy handler; if the source version it checked was purged by an overwrite before the engine
 * copied it (unversioned / suspended source bucket) and the request named no version or the null
 * version, run it once more, as if it came after the overwrite (its preconditions are decided on
 * the new version). `versionId=null` names whatever null version the key has when it is read, and
 * an overwrite there replaces the null version by another: answering NoSuchVersion would say the
 * key had none, which was never so (found by the versioning-model fuzz: a copy from ?versionId=null
 * racing a PUT of the source). A real id names that one version only: NoSuchVersion stays.
 */
export async function retryIfSourcePurged<T>(ctx: RequestContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const named = parseCopySource(ctx.headers['x-amz-copy-source'] ?? '').versionId;
    if (!EngineErrors.NO_SUCH_VERSION.is(e) || (named !== undefined && named !== 'null')) throw e;
    return run();
  }
}

/** PUT /{b}/{k} with `x-amz-copy-source` (§4.4). */
export const copyObject: Handler<OperationOf<'CopyObject'>> = (ctx, op) => retryIfSourcePurged(ctx, () => copyObjectOnce(ctx, op));

async function copyObjectOnce(ctx: RequestContext, op: OperationOf<'CopyObject'>): Promise<S3Response> {
  const bucket = bucketOf(ctx);
  refuseVersionIdParam(ctx);
  // Refused whatever the directive: COPY reads no other attribute header, but would store the
  // copy unencrypted and unlocked all the same.
  refuseEncryption(ctx.headers);
  refuseObjectLock(ctx.headers);
  // The request's own headers are checked before the source is looked up: S3 answers an unknown
  // directive or checksum algorithm with 400 even when the source does not exist (versitygw
  // CopyObject_invalid_checksum_algorithm copies a missing key, written against S3).
  const metaDirective = directive(ctx, 'x-amz-metadata-directive');
  const tagDirective = directive(ctx, 'x-amz-tagging-directive');
  const storageClass = storageClassOf(ctx.headers);
  const algorithmHeader = ctx.headers['x-amz-checksum-algorithm'];
  const requestedAlgorithm = algorithmHeader === undefined ? undefined : parseChecksumAlgorithm(algorithmHeader);
  const redirect = redirectLocationOf(ctx.headers);
  const tags = tagDirective === 'REPLACE' ? parseTaggingHeader(ctx.headers['x-amz-tagging'] ?? '') : undefined;
  const { src, version, bucket: srcBucket } = await loadCopySource(ctx);
  refuseCopySourceCustomerKey(ctx.headers);
  const checksumAlgorithm = requestedChecksumAlgorithm(requestedAlgorithm, version);
  const sameObject = src.bucket === op.bucket && src.key === op.key && (src.versionId === undefined || version.isLatest);
  if (sameObject && metaDirective === 'COPY' && storageClass === undefined && checksumAlgorithm === undefined && redirect === undefined) {
    throw S3Errors.InvalidRequest('This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
  }
  let replace: VersionAttrs | undefined;
  if (metaDirective === 'REPLACE') {
    const { tags: _ignored, ...rest } = versionAttrsOf(ctx.headers);
    replace = rest;
  } else if (storageClass !== undefined || (version.storageClass ?? 'STANDARD') !== 'STANDARD' || redirect !== undefined || version.sysMeta[REDIRECT_HEADER] !== undefined) {
    // COPY keeps the source's attributes but neither its redirect location nor its storage class:
    // "If the x-amz-storage-class header is not used, the copied object will be stored in the
    // STANDARD Storage Class" (API_CopyObject). The request may set either.
    const { [REDIRECT_HEADER]: _notCopied, ...sysMeta } = version.sysMeta;
    if (redirect !== undefined) sysMeta[REDIRECT_HEADER] = redirect;
    replace = { ...attrsOf(version), sysMeta, storageClass: storageClass ?? 'STANDARD' };
  }
  const acl = await requestedObjectAcl(ctx, bucket);
  const v = await ctx.engine.copyObject(copySourceAddr(src, version, srcBucket), { bucket: op.bucket, key: op.key, bucketId: bucket.id }, {
    replace,
    tags,
    acl,
    condition: commitCondition(ctx.headers),
    checksumAlgorithm,
  });
  const headers = { ...writtenVersionHeader(v), ...expirationHeader(bucket, v) };
  if (showsVersionId(version, srcBucket)) headers['x-amz-copy-source-version-id'] = version.versionId;
  return xml(renderCopyObjectResult(v.etag, v.lastModified, v.checksum), headers);
}
