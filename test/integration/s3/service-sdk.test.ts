/**
 * The real `@aws-sdk/client-s3` with its default configuration (flexible checksums on, streaming
 * uploads as aws-chunked with trailers) against the real gateway (src/http over the S3 service and
 * the engine on the memory backend) on a listen(0) socket (shared/spec/s3-surface.md §6, §11).
 * Until issue #4's audit these tests ran through a hand-made node:http front end in ./helpers.ts,
 * which did not exercise the gateway's own HTTP layer (body passthrough, 100-continue, request ids).
 * The 100 MiB lib-storage upload is test/integration/http/sdk-lib-storage-100mib.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand,
  CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketVersioningCommand,
  GetObjectAttributesCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectVersionsCommand,
  ListObjectsV2Command, ListPartsCommand, PutBucketVersioningCommand, PutObjectCommand, PutObjectTaggingCommand,
  S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gw: TestGateway;
let s3: S3Client;

before(async () => {
  gw = await startGateway();
  s3 = new S3Client(gw.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: 'sdk-bucket' }));
});

after(async () => {
  s3.destroy();
  await gw.close();
});

test('PutObject (buffer, CRC32 header) and GetObject with checksum validation', async () => {
  const body = Buffer.from('hello from the sdk\n'.repeat(100));
  const put = await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'buf.txt', Body: body, ContentType: 'text/plain' }));
  assert.ok(put.ETag);
  assert.ok(put.ChecksumCRC32);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'buf.txt', ChecksumMode: 'ENABLED' }));
  assert.equal(await get.Body!.transformToString(), body.toString());
  assert.equal(get.ContentType, 'text/plain');
});

test('PutObject with a stream body: aws-chunked + trailer, stored without framing', async () => {
  const data = Buffer.alloc(200 * 1024, 7);
  await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'stream.bin', Body: Readable.from([data.subarray(0, 65536), data.subarray(65536)]), ContentLength: data.length }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'stream.bin' }));
  assert.equal(head.ContentLength, data.length);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'stream.bin' }));
  assert.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(data));
});

test('ListObjectsV2, tagging, copy, attributes, DeleteObjects', async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'dir/a', Body: 'a', Tagging: 'k=v' }));
  await s3.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'dir/b & <c>', Body: 'b' }));
  const list = await s3.send(new ListObjectsV2Command({ Bucket: 'sdk-bucket', Prefix: 'dir/' }));
  assert.deepEqual(list.Contents?.map((c) => c.Key), ['dir/a', 'dir/b & <c>']);
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: 'sdk-bucket', Key: 'dir/a' }));
  assert.deepEqual(tags.TagSet, [{ Key: 'k', Value: 'v' }]);
  await s3.send(new PutObjectTaggingCommand({ Bucket: 'sdk-bucket', Key: 'dir/a', Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } }));
  const copy = await s3.send(new CopyObjectCommand({ Bucket: 'sdk-bucket', Key: 'copy', CopySource: 'sdk-bucket/dir/b%20%26%20%3Cc%3E' }));
  assert.ok(copy.CopyObjectResult?.ETag);
  const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket: 'sdk-bucket', Key: 'copy', ObjectAttributes: ['ETag', 'ObjectSize', 'StorageClass'] }));
  assert.equal(attrs.ObjectSize, 1);
  assert.equal(attrs.StorageClass, 'STANDARD');
  const del = await s3.send(new DeleteObjectsCommand({ Bucket: 'sdk-bucket', Delete: { Objects: [{ Key: 'dir/a' }, { Key: 'dir/b & <c>' }, { Key: 'never' }] } }));
  assert.deepEqual(del.Deleted?.map((d) => d.Key).sort(), ['dir/a', 'dir/b & <c>', 'never']);
  assert.equal(del.Errors, undefined);
});

test('multipart: lib-storage upload with CRC32 parts, ListParts, abort', async () => {
  const data = Buffer.alloc(11 * 1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const up = new Upload({ client: s3, params: { Bucket: 'sdk-bucket', Key: 'big.bin', Body: data }, partSize: 5 * 1024 * 1024, queueSize: 2 });
  const done = await up.done();
  assert.match(done.ETag ?? '', /-3"$/);
  const head = await s3.send(new HeadObjectCommand({ Bucket: 'sdk-bucket', Key: 'big.bin', PartNumber: 2 }));
  assert.equal(head.PartsCount, 3);
  assert.equal(head.ContentLength, 5 * 1024 * 1024);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'big.bin', ChecksumMode: 'ENABLED' }));
  assert.ok(Buffer.from(await get.Body!.transformToByteArray()).equals(data));

  const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-bucket', Key: 'aborted', ChecksumAlgorithm: 'CRC32' }));
  await s3.send(new UploadPartCommand({ Bucket: 'sdk-bucket', Key: 'aborted', UploadId: c.UploadId, PartNumber: 1, Body: Buffer.from('part') }));
  const parts = await s3.send(new ListPartsCommand({ Bucket: 'sdk-bucket', Key: 'aborted', UploadId: c.UploadId }));
  assert.equal(parts.Parts?.length, 1);
  assert.ok(parts.Parts?.[0]?.ChecksumCRC32);
  await s3.send(new AbortMultipartUploadCommand({ Bucket: 'sdk-bucket', Key: 'aborted', UploadId: c.UploadId }));
  await assert.rejects(s3.send(new ListPartsCommand({ Bucket: 'sdk-bucket', Key: 'aborted', UploadId: c.UploadId })), { name: 'NoSuchUpload' });
});

test('multipart with CRC64NVME full-object checksum', async () => {
  const c = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'sdk-bucket', Key: 'full', ChecksumAlgorithm: 'CRC64NVME' }));
  assert.equal(c.ChecksumType, 'FULL_OBJECT');
  const p1 = Buffer.alloc(5 * 1024 * 1024, 1);
  const p2 = Buffer.from('tail');
  const r1 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-bucket', Key: 'full', UploadId: c.UploadId, PartNumber: 1, Body: p1, ChecksumAlgorithm: 'CRC64NVME' }));
  const r2 = await s3.send(new UploadPartCommand({ Bucket: 'sdk-bucket', Key: 'full', UploadId: c.UploadId, PartNumber: 2, Body: p2, ChecksumAlgorithm: 'CRC64NVME' }));
  const done = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: 'sdk-bucket', Key: 'full', UploadId: c.UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: r1.ETag, ChecksumCRC64NVME: r1.ChecksumCRC64NVME }, { PartNumber: 2, ETag: r2.ETag, ChecksumCRC64NVME: r2.ChecksumCRC64NVME }] },
  }));
  assert.equal(done.ChecksumType, 'FULL_OBJECT');
  // The SDK validates the full-object CRC64NVME of the whole download against the bytes.
  const get = await s3.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'full', ChecksumMode: 'ENABLED' }));
  assert.equal(get.ChecksumCRC64NVME, done.ChecksumCRC64NVME);
  assert.equal((await get.Body!.transformToByteArray()).length, p1.length + p2.length);
});

test('versioning: versions, delete markers, GET of a version', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'sdk-versions' }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: 'sdk-versions', VersioningConfiguration: { Status: 'Enabled' } }));
  assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'sdk-versions' }))).Status, 'Enabled');
  const v1 = await s3.send(new PutObjectCommand({ Bucket: 'sdk-versions', Key: 'k', Body: 'one' }));
  await s3.send(new PutObjectCommand({ Bucket: 'sdk-versions', Key: 'k', Body: 'two' }));
  const del = await s3.send(new DeleteObjectCommand({ Bucket: 'sdk-versions', Key: 'k' }));
  assert.equal(del.DeleteMarker, true);
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'sdk-versions', Key: 'k' })), { name: 'NoSuchKey' });
  const old = await s3.send(new GetObjectCommand({ Bucket: 'sdk-versions', Key: 'k', VersionId: v1.VersionId }));
  assert.equal(await old.Body!.transformToString(), 'one');
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'sdk-versions' }));
  assert.equal(versions.Versions?.length, 2);
  assert.equal(versions.DeleteMarkers?.length, 1);
  assert.equal(versions.DeleteMarkers?.[0]?.IsLatest, true);
});

test('presigned GET and PUT (PUT URL embeds the empty-body CRC32)', async () => {
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'presigned' }), { expiresIn: 300 });
  const put = await fetch(putUrl, { method: 'PUT', body: 'presigned body' });
  assert.equal(put.status, 200, await put.text());
  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'presigned' }), { expiresIn: 300 });
  const get = await fetch(getUrl);
  assert.equal(await get.text(), 'presigned body');
});
