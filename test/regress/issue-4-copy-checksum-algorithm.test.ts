/**
 * Regression (issue #4, conformance "checksums/CopyObject with x-amz-checksum-algorithm CRC32C
 * computes the new checksum"): CopyObject ignored `x-amz-checksum-algorithm` and kept the source's
 * checksum. AWS (API_CopyObject, x-amz-checksum-algorithm): "Indicates the algorithm that you want
 * Amazon S3 to use to create the checksum for the object … You can optionally specify a different
 * checksum algorithm". The engine now streams the source's data through its verified reader and
 * stores a FULL_OBJECT checksum of that algorithm on the copy; the copy still shares the source's
 * chunks. The same algorithm as a FULL_OBJECT source, or no header, stays a metadata-only copy.
 *
 * Real local backend (LMDB + chunk files); the multi-chunk source spans three 1 MiB chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand,
  GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { checksumOf, toBase64, type ChecksumAlgorithm } from '../../src/s3/checksum/index.js';
import { gatewayWithClient } from '../helpers/gateway-client.js';
import type { TestGateway } from '../helpers/gateway.js';

const b64 = (alg: ChecksumAlgorithm, data: Uint8Array): string => toBase64(checksumOf(alg, data));

function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7 + (i >> 11)) & 0xff;
  return out;
}

async function setup(t: { after(fn: () => Promise<void> | void): void }, bucket: string): Promise<{ gw: TestGateway; s3: S3Client }> {
  const { gw, s3 } = await gatewayWithClient(t, { backend: 'local', engine: { minPartSize: 1 } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { gw, s3 };
}

async function headChecksum(s3: S3Client, bucket: string, key: string): Promise<Record<string, string | undefined>> {
  const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  return { CRC32: h.ChecksumCRC32, CRC32C: h.ChecksumCRC32C, CRC64NVME: h.ChecksumCRC64NVME, SHA1: h.ChecksumSHA1, SHA256: h.ChecksumSHA256, type: h.ChecksumType };
}

test('CopyObject with x-amz-checksum-algorithm: a new FULL_OBJECT checksum over the data; same or none: the source\'s', async (t) => {
  const b = 'copy-ck';
  const { gw, s3 } = await setup(t, b);
  const data = bytes(3 * 1024 * 1024 - 100, 1);
  await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: data, ChecksumAlgorithm: 'SHA1' }));
  const physical = (await gw.engine.bucketStats(b)).physicalBytes;

  for (const alg of ['CRC32C', 'CRC32', 'CRC64NVME', 'SHA256'] as const) {
    const out = await s3.send(new CopyObjectCommand({ Bucket: b, Key: `dst-${alg}`, CopySource: `${b}/src`, ChecksumAlgorithm: alg }));
    assert.equal(out.CopyObjectResult?.[`Checksum${alg}`], b64(alg, data), alg);
    assert.equal(out.CopyObjectResult?.ChecksumType, 'FULL_OBJECT', alg);
    assert.equal(out.CopyObjectResult?.ChecksumSHA1, undefined, `${alg}: the source's SHA1 is not carried over`);
    const h = await headChecksum(s3, b, `dst-${alg}`);
    assert.equal(h[alg], b64(alg, data), alg);
    assert.equal(h.SHA1, undefined);
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: `dst-${alg}` }));
    assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
  }
  // Zero-copy: the copies share the source's chunks, only their manifests are new.
  assert.ok((await gw.engine.bucketStats(b)).physicalBytes - physical < 64 * 1024);

  // The source's own algorithm, or no header: the source's checksum, unchanged.
  const same = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst-same', CopySource: `${b}/src`, ChecksumAlgorithm: 'SHA1' }));
  assert.equal(same.CopyObjectResult?.ChecksumSHA1, b64('SHA1', data));
  const none = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst-none', CopySource: `${b}/src` }));
  assert.equal(none.CopyObjectResult?.ChecksumSHA1, b64('SHA1', data));
  assert.equal((await headChecksum(s3, b, 'dst-none')).SHA1, b64('SHA1', data));

  // With REPLACE metadata too: new metadata and the new checksum.
  const rep = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst-rep', CopySource: `${b}/src`, ChecksumAlgorithm: 'CRC32C', MetadataDirective: 'REPLACE', Metadata: { m: '1' }, ContentType: 'text/x-new' }));
  assert.equal(rep.CopyObjectResult?.ChecksumCRC32C, b64('CRC32C', data));
  const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dst-rep' }));
  assert.deepEqual([h.ContentType, h.Metadata], ['text/x-new', { m: '1' }]);
});

test('CopyObject onto itself with a new checksum algorithm is a change (200); an unknown algorithm is 400 InvalidRequest', async (t) => {
  const b = 'copy-self';
  const { s3 } = await setup(t, b);
  const data = Buffer.from('copy me onto myself');
  await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ChecksumAlgorithm: 'CRC32' }));
  const out = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k`, ChecksumAlgorithm: 'SHA256' }));
  assert.equal(out.CopyObjectResult?.ChecksumSHA256, b64('SHA256', data));
  assert.equal((await headChecksum(s3, b, 'k')).SHA256, b64('SHA256', data));
  // Same algorithm, nothing else changed: still the copy-to-self error.
  await assert.rejects(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k`, ChecksumAlgorithm: 'SHA256' })), { name: 'InvalidRequest' });
  await assert.rejects(
    s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k2', CopySource: `${b}/k`, ChecksumAlgorithm: 'MD5' })),
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.name === 'InvalidRequest' && e.$metadata?.httpStatusCode === 400,
  );
});

test('CopyObject of a COMPOSITE multipart source: the same or another algorithm gives a FULL_OBJECT checksum of the whole data', async (t) => {
  const b = 'copy-mp';
  const { s3 } = await setup(t, b);
  const parts = [bytes(700 * 1024, 2), bytes(500 * 1024, 3)];
  const whole = Buffer.concat(parts);
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ChecksumAlgorithm: 'CRC32' }));
  const done = [];
  for (const [i, body] of parts.entries()) {
    const p = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: 'CRC32' }));
    done.push({ PartNumber: i + 1, ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32 });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, MultipartUpload: { Parts: done } }));
  assert.equal((await headChecksum(s3, b, 'mp')).type, 'COMPOSITE');

  const same = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'c-crc32', CopySource: `${b}/mp`, ChecksumAlgorithm: 'CRC32' }));
  assert.equal(same.CopyObjectResult?.ChecksumCRC32, b64('CRC32', whole));
  assert.equal(same.CopyObjectResult?.ChecksumType, 'FULL_OBJECT');

  const other = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'c-crc32c', CopySource: `${b}/mp`, ChecksumAlgorithm: 'CRC32C' }));
  assert.equal(other.CopyObjectResult?.ChecksumCRC32C, b64('CRC32C', whole));
  // The parts stay (the object keeps its part layout); their CRC32s no longer name the object's algorithm.
  const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'c-crc32c', ObjectAttributes: ['Checksum', 'ObjectParts'] }));
  assert.deepEqual([attrs.Checksum?.ChecksumCRC32C, attrs.Checksum?.ChecksumType], [b64('CRC32C', whole), 'FULL_OBJECT']);
  for (const p of attrs.ObjectParts?.Parts ?? []) assert.equal(p.ChecksumCRC32, undefined);
  const keep = await s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'c-crc32', ObjectAttributes: ['ObjectParts'] }));
  assert.deepEqual((keep.ObjectParts?.Parts ?? []).map((p) => p.ChecksumCRC32), parts.map((p) => b64('CRC32', p)));
});
