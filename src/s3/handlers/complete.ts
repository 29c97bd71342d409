/**
 * CompleteMultipartUpload (shared/spec/s3-surface.md §4.5, §5.3). The object checksum is derived
 * here from the stored part checksums — COMPOSITE by hashing them, FULL_OBJECT by CRC combination —
 * never by re-reading data; the engine stores it with the version.
 */
import type { CompletedUpload, ObjectVersion, StoredChecksum, UploadedPart, UploadInfo } from '../../engine/index.js';
import { nextTurn } from '../../common/index.js';
import { readBody } from '../body.js';
import { algorithmOfHeader, type ChecksumAlgorithm, compositeChecksum, decodeChecksumValue, fullObjectChecksum, isEmptyChecksum, toBase64, verifyChecksum } from '../checksum/index.js';
import { commitCondition } from '../conditional.js';
import type { Handler, RequestContext } from '../context.js';
import type { S3Response } from '../types.js';
import { EngineErrors } from '../../engine/index.js';
import { S3Errors } from '../errors.js';
import { expirationHeader, refuseEncryptionHeader } from '../object-headers.js';
import type { OperationOf } from '../operations.js';
import { xml } from '../respond.js';
import { MAX_XML_BODY } from '../xml/codec.js';
import { parseCompleteUpload, renderCompleteResult, type CompletePartXml } from '../xml/multipart.js';
import { quoteEtag, refuseVersionIdParam } from './common.js';
import { writtenVersionHeader } from './object-write.js';

/** Every stored part of the upload, by number (ListParts pages of 1000). */
async function storedParts(ctx: RequestContext, bucket: string, uploadId: string): Promise<Map<number, UploadedPart>> {
  const out = new Map<number, UploadedPart>();
  let marker = 0;
  for (;;) {
    const page = await ctx.engine.listParts(bucket, uploadId, { marker, limit: 1000 });
    for (const p of page.parts) out.set(p.partNumber, p);
    const last = page.parts[page.parts.length - 1]?.partNumber;
    if (!page.truncated || last === undefined) return out;
    marker = page.next ?? last;
    // Up to ten pages for 10,000 parts, all read synchronously by LMDB: let other requests run.
    await nextTurn();
  }
}

/**
 * A part's listed checksums are one well-formed value at most: two or more, or a value that is not
 * the algorithm's base64 digest, are 400 InvalidArgument "Invalid Base64 or multiple checksums
 * present in request", ArgumentName Checksum, ArgumentValue `ALG:value;` per value (OpenStack Swift
 * s3api answers so, and its test_mpu_complete_bad_part_checksum asserts it; versitygw's
 * CompleteMultipartUpload_invalid_checksum_part / _multiple_checksum_part too). Checked before the
 * stored part is looked at, as a malformed request.
 */
function checkListedChecksums(p: CompletePartXml): void {
  const listed = (Object.entries(p.checksums) as [ChecksumAlgorithm, string][]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const wellFormed = (a: ChecksumAlgorithm, v: string): boolean => {
    try {
      decodeChecksumValue(a, v);
      return true;
    } catch {
      return false;
    }
  };
  if (listed.length > 1 || listed.some(([a, v]) => !wellFormed(a, v))) {
    throw S3Errors.InvalidArgument({
      message: 'Invalid Base64 or multiple checksums present in request',
      fields: { ArgumentName: 'Checksum', ArgumentValue: listed.map(([a, v]) => `${a}:${v};`).join('') },
    });
  }
}

/**
 * Check the listed parts against the stored ones (§4.5, §5.3): ascending numbers (1, 2, 3… without
 * gaps for a COMPOSITE upload), existing parts with the same ETag, a listed checksum equal to the
 * stored one, and — for a COMPOSITE upload — a checksum for every part. A FULL_OBJECT upload may omit them: AWS answers the missing-checksum
 * InvalidRequest only for composite uploads (its object checksum is built from the listed values;
 * a full-object CRC is combined from the stored part CRCs either way), as Scality's CloudServer and
 * SILO, which follow AWS here, also do.
 */
function checkParts(listed: CompletePartXml[], stored: Map<number, UploadedPart>, upload: UploadInfo): UploadedPart[] {
  const alg = upload.checksumType === 'FULL_OBJECT' ? undefined : upload.checksumAlgorithm;
  // S3 names the upload and the part as listed (versity/versitygw#1008, a Complete sent to S3 with
  // ETag "gibberish": <UploadId>…</UploadId><PartNumber>1</PartNumber><ETag>gibberish</ETag>),
  // the ETag without its quotes (LocalStack's AWS recordings, tests/aws/services/s3/
  // test_s3.snapshot.json test_multipart_complete_multipart_wrong_part: the quoted ETag boto3 listed
  // comes back as 8d777f385d3dfec8815d20f7496026dc).
  const invalid = (p: CompletePartXml): Error => S3Errors.InvalidPart({ fields: { UploadId: upload.uploadId, PartNumber: p.partNumber, ETag: p.etag.replace(/^"(.*)"$/, '$1') } });
  // InvalidPartOrder names the upload too (same recordings, test_complete_multipart_parts_order).
  const misordered = (): Error => S3Errors.InvalidPartOrder({ fields: { UploadId: upload.uploadId } });
  const out: UploadedPart[] = [];
  let prev = 0;
  for (const p of listed) {
    // Part 0 or a negative number is InvalidArgument 'PartNumber must be >= 1', not an order error:
    // versitygw#1072 gives S3's answer, and its CompleteMultipartUpload_invalid_part_number test
    // (PartNumber -4) expects it.
    if (p.partNumber < 1) throw S3Errors.InvalidArgument('PartNumber must be >= 1');
    if (p.partNumber <= prev) throw misordered();
    checkListedChecksums(p);
    // API_CompletedPart, PartNumber: "when a additional checksum … is applied to each part, the
    // PartNumber must start at 1 and the part numbers must be consecutive. Otherwise, Amazon S3
    // generates an HTTP 400 Bad Request status code and an InvalidPartOrder error code." Applied to
    // COMPOSITE uploads, whose object checksum is the checksum of the parts' checksums in order.
    if (alg && p.partNumber !== prev + 1) throw misordered();
    prev = p.partNumber;
    const s = stored.get(p.partNumber);
    if (!s || quoteEtag(p.etag) !== s.etag) throw invalid(p);
    // A checksum of another algorithm than the upload's, instead of its own, is BadDigest naming it
    // (Swift s3api: "The sha256 you specified for part 1 did not match what we received."; versitygw's
    // CompleteMultipartUpload_different_checksum_part), FULL_OBJECT uploads included; none at all
    // stays the COMPOSITE-only InvalidRequest below.
    const other = Object.keys(p.checksums)[0];
    if (upload.checksumAlgorithm && other !== undefined && p.checksums[upload.checksumAlgorithm] === undefined) {
      throw S3Errors.BadDigest(`The ${other.toLowerCase()} you specified for part ${p.partNumber} did not match what we received.`);
    }
    if (alg && p.checksums[alg] === undefined) {
      throw S3Errors.InvalidRequest(`The upload was created using a ${alg.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${p.partNumber} in the request.`);
    }
    // A listed checksum must be the stored part's. A part stored without one (an upload declaring no
    // algorithm) does not match a listed checksum, even a right value: S3 answers InvalidPart
    // (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
    // test_multipart_parts_checksum_exceptions: complete-part-with-checksum, the SHA-256 of the
    // part's bytes listed for a part uploaded without a checksum). Another algorithm than the
    // declared one was refused above.
    for (const [a, value] of Object.entries(p.checksums)) {
      if (s.checksum?.algorithm !== a || s.checksum.value !== value) throw invalid(p);
    }
    out.push(s);
  }
  return out;
}

/** The object checksum of a completed upload with a declared algorithm (§5.3). */
function objectChecksum(upload: UploadInfo, parts: UploadedPart[]): StoredChecksum | undefined {
  const alg = upload.checksumAlgorithm;
  if (!alg || !parts.every((p) => p.checksum?.algorithm === alg)) return undefined;
  const digests = parts.map((p) => decodeChecksumValue(alg, p.checksum!.value));
  if (upload.checksumType === 'FULL_OBJECT') {
    const full = fullObjectChecksum(alg, parts.map((p, i) => ({ digest: digests[i]!, size: p.size })));
    return { algorithm: alg, type: 'FULL_OBJECT', value: toBase64(full) };
  }
  return { algorithm: alg, type: 'COMPOSITE', value: compositeChecksum(alg, digests) };
}

/**
 * An `x-amz-checksum-*` header on Complete is verified only for a FULL_OBJECT upload and only when
 * it is not the empty-input value (minio-go sends `x-amz-checksum-crc32c: AAAAAA==` on every
 * Complete); otherwise it is ignored (§5.3).
 */
function checkObjectChecksumHeader(ctx: RequestContext, c: StoredChecksum | undefined): void {
  if (!c || c.type !== 'FULL_OBJECT') return;
  const v = ctx.headers[`x-amz-checksum-${c.algorithm.toLowerCase()}`];
  if (v === undefined || isEmptyChecksum(c.algorithm, v)) return;
  verifyChecksum(c.algorithm, v, Buffer.from(c.value, 'base64'));
}

/**
 * `x-amz-mp-object-size` (API_CompleteMultipartUpload): "The expected total object size of the
 * multipart upload request. If there's a mismatch between the specified object size value and the
 * actual object size value, it results in an HTTP 400 InvalidRequest error." Checked before the
 * commit, so a client that lost or duplicated a part learns it instead of storing a wrong object.
 */
function checkObjectSize(ctx: RequestContext, parts: UploadedPart[]): void {
  const v = ctx.headers['x-amz-mp-object-size'];
  if (v === undefined) return;
  // A value that is not an integer, or a negative one, is 400 InvalidRequest with S3's two texts:
  // "Value for x-amz-mp-object-size header is invalid: 'size'" (S3's answer quoted in
  // versitygw#1398) and "… is less than zero: '-1'" (versitygw#1400: S3 words the two cases
  // differently; its CompleteMultipartUpload_mpu_object_size).
  if (/^-\d{1,16}$/.test(v.trim()) && Number(v.trim()) < 0) {
    throw S3Errors.InvalidRequest(`Value for x-amz-mp-object-size header is less than zero: '${v.trim()}'`);
  }
  if (!/^\d{1,16}$/.test(v.trim())) throw S3Errors.InvalidRequest(`Value for x-amz-mp-object-size header is invalid: '${v}'`);
  const size = parts.reduce((n, p) => n + p.size, 0);
  if (Number(v.trim()) !== size) {
    throw S3Errors.InvalidRequest(`The x-amz-mp-object-size header value ${v.trim()} does not match the size of the object, ${size} bytes.`);
  }
}

/**
 * `x-amz-checksum-type` on Complete (API_CompleteMultipartUpload): "If the checksum type doesn't
 * match the checksum type that was specified for the object during the CreateMultipartUpload
 * request, it'll result in a BadDigest error." Checked for uploads that declared one; an upload
 * without an algorithm has no type to compare with.
 */
function checkChecksumType(ctx: RequestContext, upload: UploadInfo): void {
  const v = ctx.headers['x-amz-checksum-type'];
  if (v === undefined || upload.checksumType === undefined) return;
  const type = v.trim().toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw S3Errors.InvalidRequest(`Value for x-amz-checksum-type header is invalid: ${v}`);
  if (type !== upload.checksumType) {
    throw S3Errors.BadDigest(`The checksum type ${type} does not match the ${upload.checksumType} checksum type of the upload.`);
  }
}

/** A Complete's listed parts as the engine compares them with a completed upload's. */
function partList(listed: CompletePartXml[]): { partNumber: number; etag: string }[] {
  return listed.map((p) => ({ partNumber: p.partNumber, etag: quoteEtag(p.etag) }));
}

/**
 * The CompleteMultipartUploadResult document of a completed upload; `version` (the version the
 * upload made: this request's commit, or for a retry completedVersion) gives `x-amz-expiration`.
 */
function completeResult(ctx: RequestContext, op: OperationOf<'CompleteMultipartUpload'>, v: { etag: string; versionId: string; checksum?: StoredChecksum }, version?: ObjectVersion): S3Response {
  const scheme = ctx.req.secure ? 'https' : 'http';
  const host = ctx.headers.host ?? 'localhost';
  const location = `${scheme}://${host}/${encodeURIComponent(op.bucket)}/${op.key.split('/').map(encodeURIComponent).join('/')}`;
  const headers = writtenVersionHeader(v);
  if (version) Object.assign(headers, expirationHeader(ctx.bucket, version));
  return xml(renderCompleteResult({ location, bucket: op.bucket, key: op.key, etag: v.etag, checksum: v.checksum }), headers);
}

/**
 * A Complete whose upload is gone: if the engine completed it recently with the same parts, the
 * same answer again (S3 answers a retried Complete 200; an SDK retries one that timed out), else
 * NoSuchUpload as before. A body that does not parse is NoSuchUpload too (the upload is what failed).
 */
async function retriedComplete(ctx: RequestContext, op: OperationOf<'CompleteMultipartUpload'>): Promise<S3Response> {
  const uploadId = ctx.query.get('uploadId') ?? '';
  const gone = S3Errors.NoSuchUpload({ fields: { UploadId: uploadId } });
  if (uploadId === '') throw gone;
  let listed: CompletePartXml[];
  try {
    listed = await parseCompleteUpload(await readBody(ctx, MAX_XML_BODY, () => S3Errors.MalformedXML(), { checksumIsBody: false }));
  } catch {
    throw gone;
  }
  const done = await ctx.engine.completedUpload(op.bucket, uploadId, partList(listed));
  if (!done || done.key !== op.key) throw gone;
  return completeResult(ctx, op, done, await completedVersion(ctx, op, done));
}

/**
 * The version a completed upload made, for a retried Complete's `x-amz-expiration` (the first
 * answer's headers again; it is computed from the version as the first one was). Undefined when that
 * version is gone or the null version has since been overwritten (another ETag): the retry then
 * answers without the header, as the object it described no longer exists.
 */
async function completedVersion(ctx: RequestContext, op: OperationOf<'CompleteMultipartUpload'>, done: CompletedUpload): Promise<ObjectVersion | undefined> {
  try {
    const v = await ctx.engine.head({ bucket: op.bucket, key: op.key, bucketId: ctx.bucket?.id }, { versionId: done.versionId });
    return v.etag === done.etag && !v.deleteMarker ? v : undefined;
  } catch (e) {
    if (EngineErrors.NO_SUCH_KEY.is(e) || EngineErrors.NO_SUCH_VERSION.is(e) || EngineErrors.NO_SUCH_BUCKET.is(e)) return undefined;
    throw e;
  }
}

/**
 * More than one `x-amz-checksum-<alg>` header on Complete is 400 InvalidRequest, as on every request
 * that carries checksums (§5.1; versitygw's CompleteMultipartUpload_multiple_final_checksums, S3's
 * text as UploadPart answers it, versitygw#1188). Only counted: a single one is verified or ignored
 * as checkObjectChecksumHeader says.
 */
function refuseMultipleChecksumHeaders(ctx: RequestContext): void {
  const n = Object.keys(ctx.headers).filter((h) => algorithmOfHeader(h) !== undefined).length;
  if (n > 1) throw S3Errors.InvalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
}

/** POST /{b}/{k}?uploadId. */
export const completeMultipartUpload: Handler<OperationOf<'CompleteMultipartUpload'>> = async (ctx, op) => {
  refuseVersionIdParam(ctx);
  refuseEncryptionHeader(ctx.headers);
  refuseMultipleChecksumHeaders(ctx);
  const uploadId = ctx.query.get('uploadId') ?? '';
  const upload = uploadId === '' ? undefined : await ctx.engine.getUpload(op.bucket, uploadId);
  if (!upload || upload.key !== op.key) return retriedComplete(ctx, op);
  const body = await readBody(ctx, MAX_XML_BODY, () => S3Errors.MalformedXML(), { checksumIsBody: false });
  // No body at all (boto3's complete_multipart_upload without MultipartUpload) is S3's 400
  // InvalidRequest 'You must specify at least one part' (LocalStack's AWS-validated
  // tests/aws/services/s3/test_s3.py test_multipart_complete_multipart_too_small:
  // complete-exc-no-parts); a document listing no part stays MalformedXML (parseCompleteUpload).
  if (body.length === 0) throw S3Errors.InvalidRequest('You must specify at least one part');
  const listed = await parseCompleteUpload(body);
  const condition = commitCondition(ctx.headers);
  checkChecksumType(ctx, upload);
  try {
    const parts = checkParts(listed, await storedParts(ctx, op.bucket, upload.uploadId), upload);
    checkObjectSize(ctx, parts);
    const checksum = objectChecksum(upload, parts);
    checkObjectChecksumHeader(ctx, checksum);
    const v = await ctx.engine.completeUpload(op.bucket, upload.uploadId, listed.map((p, i) => ({
      partNumber: p.partNumber,
      etag: parts[i]!.etag,
      checksum: upload.checksumAlgorithm ? p.checksums[upload.checksumAlgorithm] : undefined,
    })), { condition, checksum });
    return completeResult(ctx, op, { etag: v.etag, versionId: v.versionId, checksum: v.checksum ?? checksum }, v);
  } catch (e) {
    // A retry that ran alongside the first Complete (an SDK that timed out while it was still
    // working) finds the upload gone once the first one commits: it gets the first one's answer.
    if (!EngineErrors.NO_SUCH_UPLOAD.is(e)) throw e;
    const done = await ctx.engine.completedUpload(op.bucket, upload.uploadId, partList(listed));
    if (!done || done.key !== op.key) throw e;
    return completeResult(ctx, op, done, await completedVersion(ctx, op, done));
  }
};
