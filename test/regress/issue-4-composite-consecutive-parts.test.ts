/**
 * Issue #4 (found by exploratory testing with SDK v3): a COMPOSITE checksum upload completed with
 * part numbers that skip (1, 3) or do not start at 1 (2, 3), and the object got a `-2` composite
 * checksum. AWS (API_CompletedPart, PartNumber): "General purpose buckets - In
 * CompleteMultipartUpload, when a additional checksum (including x-amz-checksum-crc32,
 * x-amz-checksum-crc32c, x-amz-checksum-sha1, or x-amz-checksum-sha256) is applied to each part, the
 * PartNumber must start at 1 and the part numbers must be consecutive. Otherwise, Amazon S3
 * generates an HTTP 400 Bad Request status code and an InvalidPartOrder error code."
 * Uploads without a declared algorithm, and FULL_OBJECT ones (whose CRC is combined from the part
 * CRCs and their lengths, numbering aside), still complete with gaps as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, S3ServiceException,
  UploadPartCommand, type ChecksumAlgorithm, type ChecksumType, type CompletedPart,
} from '@aws-sdk/client-s3';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('COMPOSITE uploads complete only with parts 1..N (InvalidPartOrder otherwise); other uploads may skip numbers', async (t) => {
  const { s3 } = await gatewayWithClient(t, { engine: { minPartSize: 1 } }, { maxAttempts: 1 });
  const Bucket = 'gaps';
  await s3.send(new CreateBucketCommand({ Bucket }));

  async function upload(Key: string, numbers: number[], alg?: ChecksumAlgorithm, type?: ChecksumType): Promise<{ UploadId: string; Parts: CompletedPart[] }> {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: alg, ChecksumType: type }));
    const Parts: CompletedPart[] = [];
    for (const PartNumber of numbers) {
      const r = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: `part ${PartNumber}`, ChecksumAlgorithm: alg ?? 'CRC32' }));
      Parts.push({ PartNumber, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32, ChecksumSHA256: r.ChecksumSHA256 });
    }
    return { UploadId: UploadId!, Parts };
  }
  const complete = (Key: string, UploadId: string, Parts: CompletedPart[]) =>
    s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));

  for (const alg of ['CRC32', 'SHA256'] as const) {
    for (const numbers of [[1, 3], [2, 3]]) {
      const Key = `${alg}-${numbers.join('-')}`;
      const { UploadId, Parts } = await upload(Key, numbers, alg, 'COMPOSITE');
      await assert.rejects(complete(Key, UploadId, Parts), (e: unknown) => e instanceof S3ServiceException && e.name === 'InvalidPartOrder' && e.$metadata.httpStatusCode === 400, Key);
      // The upload stays open: the consecutive subset that starts at 1, when there is one, completes.
      if (numbers[0] === 1) {
        const done = await complete(Key, UploadId, Parts.slice(0, 1));
        assert.match(done.ChecksumCRC32 ?? done.ChecksumSHA256 ?? '', /-1$/);
      }
    }
  }
  const ok = await upload('composite-1-2', [1, 2], 'CRC32', 'COMPOSITE');
  assert.match((await complete('composite-1-2', ok.UploadId, ok.Parts)).ChecksumCRC32 ?? '', /-2$/);

  const full = await upload('full-2-3', [2, 3], 'CRC32', 'FULL_OBJECT');
  assert.equal((await complete('full-2-3', full.UploadId, full.Parts)).ChecksumType, 'FULL_OBJECT');
  const plain = await upload('plain-1-3', [1, 3]);
  await complete('plain-1-3', plain.UploadId, plain.Parts);
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'plain-1-3' }))).ContentLength, 'part 1part 3'.length);
});
