/**
 * Issue #4 (versitygw audit, CompleteMultipartUpload_invalid_checksum_part, _multiple_checksum_part,
 * _different_checksum_part): the checksums a Complete lists for a part were only compared with the
 * stored one. A value that is not base64 of the algorithm's digest answered InvalidPart; two
 * checksums on one part, or a FULL_OBJECT part listing another algorithm's checksum, completed.
 * S3 (as OpenStack Swift s3api answers and tests, and versitygw's tests expect): more than one
 * checksum or a malformed value → 400 InvalidArgument "Invalid Base64 or multiple checksums present
 * in request" (ArgumentName Checksum); a checksum of another algorithm than the upload's → 400
 * BadDigest "The sha256 you specified for part 1 did not match what we received.". Nothing is
 * committed; the right list still completes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  type ChecksumAlgorithm, type ChecksumType, type CompletedPart, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  HeadObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

test('CompleteMultipartUpload refuses malformed, doubled or other-algorithm part checksums', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { maxAttempts: 1 });
  const Bucket = 'mp-part-cks';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const cases: [string, ChecksumAlgorithm, ChecksumType, (p: CompletedPart) => CompletedPart, string, RegExp][] = [
    ['bad-b64', 'CRC32', 'FULL_OBJECT', (p) => ({ ...p, ChecksumCRC32: 'invalid_checksum' }), 'InvalidArgument', /^Invalid Base64 or multiple checksums present in request$/],
    ['short', 'SHA256', 'COMPOSITE', (p) => ({ ...p, ChecksumSHA256: 'AAAAAA==' }), 'InvalidArgument', /^Invalid Base64 or multiple checksums present in request$/],
    ['two', 'CRC32', 'COMPOSITE', (p) => ({ ...p, ChecksumSHA1: 'Kq5sNclPz7QV2+lfQIuc6R7oRu0=' }), 'InvalidArgument', /^Invalid Base64 or multiple checksums present in request$/],
    ['other', 'CRC32C', 'FULL_OBJECT', (p) => ({ ETag: p.ETag, PartNumber: p.PartNumber, ChecksumSHA256: 'n2alat9FhKiZXkZO18V2LLcZFM3IT8R7DjSMvK//7WU=' }), 'BadDigest', /^The sha256 you specified for part 1 did not match what we received\.$/],
  ];
  for (const [Key, ChecksumAlgorithm, ChecksumType, change, name, message] of cases) {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm, ChecksumType }));
    const r = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'part', ChecksumAlgorithm }));
    const part: CompletedPart = { ETag: r.ETag, PartNumber: 1, ChecksumCRC32: r.ChecksumCRC32, ChecksumCRC32C: r.ChecksumCRC32C, ChecksumSHA256: r.ChecksumSHA256 };
    const e = await errorOf(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [change(part)] } })));
    assert.equal(e.$metadata.httpStatusCode, 400, Key);
    assert.equal(e.name, name, Key);
    assert.match(e.message, message, Key);
    assert.equal((await errorOf(s3.send(new HeadObjectCommand({ Bucket, Key })))).$metadata.httpStatusCode, 404, `${Key}: nothing committed`);
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [part] } }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength, 4, Key);
  }
});
