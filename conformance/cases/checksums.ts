/**
 * Flexible checksums (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) and Content-MD5: header and
 * aws-chunked trailer, right and wrong values, download with checksum mode, multipart COMPOSITE and
 * FULL_OBJECT, and the operations that formerly required Content-MD5.
 * AWS: "Checking object integrity in Amazon S3"; shared/spec/s3-surface.md §5, §6.
 */
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  PutObjectCommand, type ChecksumType,
} from '@aws-sdk/client-s3';
import { awsChunked, objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import {
  ALGORITHMS, assertError, assertOk, bodyBytes, bytes, checksum, checksumHeader, digest, md5b64, sendV4, type Algorithm,
} from '../lib/wire.js';

const INTEGRITY = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html';
const PUT = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html';
const GET = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html';
const HEAD = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html';
const UPLOAD_PART = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html';
const CREATE_MPU = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html';
const COMPLETE = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html';
const LIST_PARTS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html';
const COPY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html';
const DELETE_OBJECTS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html';
const CHUNKED_TRAILER = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html';

const MIB = 1024 * 1024;
const DATA = bytes(3000, 7);
const OTHER = bytes(3000, 8);

/** The SDK output member for an algorithm (ChecksumCRC32 …). */
function member(alg: Algorithm): `Checksum${Algorithm}` {
  return `Checksum${alg}`;
}

async function putRaw(ctx: Ctx, bucket: string, key: string, body: Buffer, headers: Record<string, string>): Promise<RawResponse> {
  return ctx.raw({ method: 'PUT', path: objectPath(bucket, key), headers, body });
}

async function headRaw(ctx: Ctx, bucket: string, key: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return ctx.raw({ method: 'HEAD', path: objectPath(bucket, key), headers });
}

async function assertAbsent(ctx: Ctx, bucket: string, key: string): Promise<void> {
  const h = await headRaw(ctx, bucket, key);
  assert.equal(h.status, 404, 'a failed upload must not create the object');
}

/** PutObject through the STREAMING-UNSIGNED-PAYLOAD-TRAILER form with one trailer. */
async function putTrailer(ctx: Ctx, bucket: string, key: string, data: Buffer, name: string, value: string): Promise<RawResponse> {
  const body = awsChunked({ mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', chunks: [data.subarray(0, 1000), data.subarray(1000)], trailers: { [name]: value } });
  return sendV4(ctx, {
    method: 'PUT', path: objectPath(bucket, key), body, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    headers: { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': name, 'content-length': String(body.length) },
  });
}

/** A multipart upload helper: create (SDK), parts (raw, exact headers), complete (SDK). */
async function createUpload(ctx: Ctx, bucket: string, key: string, alg?: Algorithm, type?: ChecksumType): Promise<string> {
  const out = await ctx.s3.send(new CreateMultipartUploadCommand({
    Bucket: bucket, Key: key, ...(alg ? { ChecksumAlgorithm: alg } : {}), ...(type ? { ChecksumType: type } : {}),
  }));
  assert.ok(out.UploadId);
  return out.UploadId;
}

async function uploadPart(ctx: Ctx, bucket: string, key: string, uploadId: string, n: number, data: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  return ctx.raw({ method: 'PUT', path: `${objectPath(bucket, key)}?partNumber=${n}&uploadId=${uploadId}`, headers, body: data });
}

/** Upload parts with their `alg` checksum and complete listing them; returns Complete's output. */
async function multipart(ctx: Ctx, alg: Algorithm, type: ChecksumType | undefined, parts: Buffer[]) {
  const bucket = await ctx.bucket('ck-mpu');
  const uploadId = await createUpload(ctx, bucket, 'obj', alg, type);
  const listed = [];
  for (const [i, p] of parts.entries()) {
    const value = await checksum(alg, p);
    const res = await uploadPart(ctx, bucket, 'obj', uploadId, i + 1, p, { [checksumHeader(alg)]: value });
    assertOk(res, 200, `UploadPart ${i + 1}`);
    assert.equal(res.headers[checksumHeader(alg)], value, 'UploadPart echoes the part checksum');
    listed.push({ PartNumber: i + 1, ETag: res.headers.etag, [member(alg)]: value });
  }
  const out = await ctx.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'obj', UploadId: uploadId, MultipartUpload: { Parts: listed } }));
  return { bucket, out };
}

/** Composite checksum: H(concat(binary part checksums)) + `-N`. */
async function composite(alg: Algorithm, parts: Buffer[]): Promise<string> {
  const ds = await Promise.all(parts.map((p) => digest(alg, p)));
  return `${(await digest(alg, Buffer.concat(ds))).toString('base64')}-${parts.length}`;
}

function perAlgorithm(alg: Algorithm): Case[] {
  const h = checksumHeader(alg);
  return [
    {
      name: `PutObject with a right ${h} header: 200, echoed with x-amz-checksum-type FULL_OBJECT`,
      ref: PUT,
      async run(ctx) {
        const b = await ctx.bucket('ck-put');
        const value = await checksum(alg, DATA);
        const res = await putRaw(ctx, b, 'k', DATA, { [h]: value, 'x-amz-sdk-checksum-algorithm': alg });
        assertOk(res);
        assert.equal(res.headers[h], value);
        assert.equal(res.headers['x-amz-checksum-type'], 'FULL_OBJECT');
      },
    },
    {
      name: `PutObject with a wrong ${h} header: 400 BadDigest, nothing stored`,
      ref: PUT,
      async run(ctx) {
        const b = await ctx.bucket('ck-put-bad');
        const res = await putRaw(ctx, b, 'k', DATA, { [h]: await checksum(alg, OTHER), 'x-amz-sdk-checksum-algorithm': alg });
        assertError(res, 400, 'BadDigest');
        await assertAbsent(ctx, b, 'k');
      },
    },
    {
      name: `PutObject with a right ${h} aws-chunked trailer: 200, echoed`,
      ref: CHUNKED_TRAILER,
      async run(ctx) {
        const b = await ctx.bucket('ck-trl');
        const value = await checksum(alg, DATA);
        const res = await putTrailer(ctx, b, 'k', DATA, h, value);
        assertOk(res);
        assert.equal(res.headers[h], value);
        const got = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
        assert.deepEqual(await bodyBytes(got.Body), DATA, 'stored bytes are the decoded payload');
      },
    },
    {
      name: `PutObject with a wrong ${h} aws-chunked trailer: 400 BadDigest, nothing stored`,
      ref: CHUNKED_TRAILER,
      async run(ctx) {
        const b = await ctx.bucket('ck-trl-bad');
        const res = await putTrailer(ctx, b, 'k', DATA, h, await checksum(alg, OTHER));
        assertError(res, 400, 'BadDigest');
        await assertAbsent(ctx, b, 'k');
      },
    },
    {
      name: `GetObject with checksum mode ENABLED returns the stored ${alg} (SDK validates it)`,
      ref: GET,
      async run(ctx) {
        const b = await ctx.bucket('ck-get');
        await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA, ChecksumAlgorithm: alg }));
        const out = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ChecksumMode: 'ENABLED' }));
        assert.deepEqual(await bodyBytes(out.Body), DATA);
        assert.equal(out[member(alg)], await checksum(alg, DATA));
        assert.equal(out.ChecksumType, 'FULL_OBJECT');
      },
    },
    {
      name: `HeadObject with checksum mode ENABLED returns the stored ${alg}`,
      ref: HEAD,
      async run(ctx) {
        const b = await ctx.bucket('ck-head');
        await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA, ChecksumAlgorithm: alg }));
        const res = await headRaw(ctx, b, 'k', { 'x-amz-checksum-mode': 'ENABLED' });
        assertOk(res);
        assert.equal(res.headers[h], await checksum(alg, DATA));
        assert.equal(res.headers['x-amz-checksum-type'], 'FULL_OBJECT');
      },
    },
    {
      name: `UploadPart with a wrong ${h}: 400 BadDigest`,
      ref: UPLOAD_PART,
      async run(ctx) {
        const b = await ctx.bucket('ck-part-bad');
        const id = await createUpload(ctx, b, 'k');
        const res = await uploadPart(ctx, b, 'k', id, 1, DATA, { [h]: await checksum(alg, OTHER) });
        assertError(res, 400, 'BadDigest');
      },
    },
    {
      name: `multipart declared ${alg} (default type): Complete returns the ${alg === 'CRC64NVME' ? 'full-object CRC' : 'composite checksum'}`,
      ref: INTEGRITY,
      async run(ctx) {
        const parts = [bytes(2048, 3)];
        const { bucket, out } = await multipart(ctx, alg, undefined, parts);
        const full = alg === 'CRC64NVME';
        const want = full ? await checksum(alg, parts[0]!) : await composite(alg, parts);
        assert.equal(out[member(alg)], want);
        assert.equal(out.ChecksumType, full ? 'FULL_OBJECT' : 'COMPOSITE');
        const head = await headRaw(ctx, bucket, 'obj', { 'x-amz-checksum-mode': 'ENABLED' });
        assert.equal(head.headers[h], want, 'HeadObject returns the object checksum');
        assert.equal(head.headers['x-amz-checksum-type'], full ? 'FULL_OBJECT' : 'COMPOSITE');
      },
    },
  ];
}

const general: Case[] = [
  {
    name: 'two different x-amz-checksum-* headers: 400 InvalidRequest',
    ref: INTEGRITY,
    async run(ctx) {
      const b = await ctx.bucket('ck-two');
      const res = await putRaw(ctx, b, 'k', DATA, { 'x-amz-checksum-crc32': await checksum('CRC32', DATA), 'x-amz-checksum-sha256': await checksum('SHA256', DATA) });
      assertError(res, 400, 'InvalidRequest');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'x-amz-sdk-checksum-algorithm naming another algorithm than the header sent: 400 InvalidRequest',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-mismatch');
      const res = await putRaw(ctx, b, 'k', DATA, { 'x-amz-checksum-crc32': await checksum('CRC32', DATA), 'x-amz-sdk-checksum-algorithm': 'SHA256' });
      assertError(res, 400, 'InvalidRequest');
    },
  },
  {
    name: 'a checksum value of the wrong length: 400 InvalidRequest',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-len');
      const res = await putRaw(ctx, b, 'k', DATA, { 'x-amz-checksum-crc32': Buffer.alloc(8).toString('base64') });
      assertError(res, 400, 'InvalidRequest');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'a checksum value that is not base64: 400 InvalidRequest',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-b64');
      const res = await putRaw(ctx, b, 'k', DATA, { 'x-amz-checksum-sha1': '!!!not-base64!!!' });
      assertError(res, 400, 'InvalidRequest');
    },
  },
  {
    name: 'Content-MD5 right: 200 and ETag = hex MD5',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-md5');
      const res = await putRaw(ctx, b, 'k', DATA, { 'content-md5': md5b64(DATA) });
      assertOk(res);
      assert.equal(res.headers.etag, `"${Buffer.from(md5b64(DATA), 'base64').toString('hex')}"`);
    },
  },
  {
    name: 'Content-MD5 wrong: 400 BadDigest, nothing stored',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-md5-bad');
      const res = await putRaw(ctx, b, 'k', DATA, { 'content-md5': md5b64(OTHER) });
      assertError(res, 400, 'BadDigest');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'Content-MD5 that is not a base64 MD5: 400 InvalidDigest',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-md5-inv');
      const res = await putRaw(ctx, b, 'k', DATA, { 'content-md5': 'bm90LW1kNQ==' });
      assertError(res, 400, 'InvalidDigest');
    },
  },
  {
    name: 'Content-MD5 and x-amz-checksum-crc32 together, both right: 200',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-both');
      const res = await putRaw(ctx, b, 'k', DATA, { 'content-md5': md5b64(DATA), 'x-amz-checksum-crc32': await checksum('CRC32', DATA) });
      assertOk(res);
    },
  },
  {
    name: 'Content-MD5 right but x-amz-checksum-crc32 wrong: 400 BadDigest',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-both-bad');
      const res = await putRaw(ctx, b, 'k', DATA, { 'content-md5': md5b64(DATA), 'x-amz-checksum-crc32': await checksum('CRC32', OTHER) });
      assertError(res, 400, 'BadDigest');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'empty body with the CRC32 of nothing (AAAAAA==): 200',
    ref: PUT,
    async run(ctx) {
      const b = await ctx.bucket('ck-empty');
      const res = await putRaw(ctx, b, 'k', Buffer.alloc(0), { 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-sdk-checksum-algorithm': 'CRC32' });
      assertOk(res);
      assert.equal(res.headers['x-amz-checksum-crc32'], 'AAAAAA==');
    },
  },
  {
    name: 'SDK defaults (WHEN_SUPPORTED) on a buffer PutObject: CRC32 sent, returned and matching',
    ref: INTEGRITY,
    async run(ctx) {
      const b = await ctx.bucket('ck-sdk');
      const out = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
      assert.equal(out.ChecksumCRC32, await checksum('CRC32', DATA));
    },
  },
  {
    name: 'GetObject without checksum mode returns no x-amz-checksum-* header',
    ref: GET,
    async run(ctx) {
      const b = await ctx.bucket('ck-nomode');
      await putRaw(ctx, b, 'k', DATA, { 'x-amz-checksum-sha256': await checksum('SHA256', DATA) });
      const res = await ctx.raw({ method: 'GET', path: objectPath(b, 'k') });
      assertOk(res);
      assert.deepEqual(Object.keys(res.headers).filter((k) => k.startsWith('x-amz-checksum-')), []);
    },
  },
  {
    name: 'a Range GET with checksum mode returns no object checksum (not the whole object)',
    ref: GET,
    async run(ctx) {
      const b = await ctx.bucket('ck-range');
      await putRaw(ctx, b, 'k', DATA, { 'x-amz-checksum-crc32c': await checksum('CRC32C', DATA) });
      const res = await ctx.raw({ method: 'GET', path: objectPath(b, 'k'), headers: { range: 'bytes=0-9', 'x-amz-checksum-mode': 'ENABLED' } });
      assertOk(res, 206);
      assert.equal(res.headers['x-amz-checksum-crc32c'], undefined);
    },
  },
  {
    name: 'CopyObject with x-amz-checksum-algorithm CRC32C computes the new checksum',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('ck-copy');
      await putRaw(ctx, b, 'src', DATA, { 'x-amz-checksum-sha1': await checksum('SHA1', DATA) });
      const out = await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, ChecksumAlgorithm: 'CRC32C' }));
      assert.equal(out.CopyObjectResult?.ChecksumCRC32C, await checksum('CRC32C', DATA));
      const head = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dst', ChecksumMode: 'ENABLED' }));
      assert.equal(head.ChecksumCRC32C, await checksum('CRC32C', DATA));
    },
  },
  {
    name: 'DeleteObjects with x-amz-checksum-crc32 and no Content-MD5 (SDK 2025 default): 200',
    ref: DELETE_OBJECTS,
    async run(ctx) {
      const b = await ctx.bucket('ck-del');
      await putRaw(ctx, b, 'k', DATA, {});
      const xml = '<Delete><Object><Key>k</Key></Object></Delete>';
      const res = await ctx.raw({ method: 'POST', path: `/${b}?delete`, headers: { 'content-type': 'application/xml', 'x-amz-checksum-crc32': await checksum('CRC32', xml), 'x-amz-sdk-checksum-algorithm': 'CRC32' }, body: xml });
      assertOk(res);
      assert.match(res.text, /<Deleted><Key>k<\/Key>/);
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'DeleteObjects with a wrong x-amz-checksum-crc32: 400 BadDigest, nothing deleted',
    ref: DELETE_OBJECTS,
    async run(ctx) {
      const b = await ctx.bucket('ck-del-bad');
      await putRaw(ctx, b, 'k', DATA, {});
      const xml = '<Delete><Object><Key>k</Key></Object></Delete>';
      const res = await ctx.raw({ method: 'POST', path: `/${b}?delete`, headers: { 'x-amz-checksum-crc32': await checksum('CRC32', 'other') }, body: xml });
      assertError(res, 400, 'BadDigest');
      assert.equal((await headRaw(ctx, b, 'k')).status, 200);
    },
  },
  {
    name: 'DeleteObjects with a wrong Content-MD5: 400 BadDigest',
    ref: DELETE_OBJECTS,
    async run(ctx) {
      const b = await ctx.bucket('ck-del-md5');
      const xml = '<Delete><Object><Key>k</Key></Object></Delete>';
      const res = await ctx.raw({ method: 'POST', path: `/${b}?delete`, headers: { 'content-md5': md5b64('other') }, body: xml });
      assertError(res, 400, 'BadDigest');
    },
  },
  {
    name: 'ListParts shows each part\'s ChecksumCRC32',
    ref: LIST_PARTS,
    async run(ctx) {
      const b = await ctx.bucket('ck-lp');
      const id = await createUpload(ctx, b, 'k', 'CRC32');
      const value = await checksum('CRC32', DATA);
      assertOk(await uploadPart(ctx, b, 'k', id, 1, DATA, { 'x-amz-checksum-crc32': value }));
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?uploadId=${id}` });
      assertOk(res);
      assert.match(res.text, new RegExp(`<ChecksumCRC32>${value.replace(/[+/]/g, (c) => `\\${c}`)}</ChecksumCRC32>`));
    },
  },
  ...(['SHA1', 'SHA256'] as const).map((alg): Case => ({
    name: `CreateMultipartUpload ${alg} with checksum type FULL_OBJECT: 400 InvalidRequest`,
    ref: CREATE_MPU,
    async run(ctx) {
      const b = await ctx.bucket('ck-type');
      const res = await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploads`, headers: { 'x-amz-checksum-algorithm': alg, 'x-amz-checksum-type': 'FULL_OBJECT' } });
      assertError(res, 400, 'InvalidRequest');
    },
  })),
  {
    name: 'CreateMultipartUpload CRC64NVME with checksum type COMPOSITE: 400 InvalidRequest',
    ref: CREATE_MPU,
    async run(ctx) {
      const b = await ctx.bucket('ck-type');
      const res = await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploads`, headers: { 'x-amz-checksum-algorithm': 'CRC64NVME', 'x-amz-checksum-type': 'COMPOSITE' } });
      assertError(res, 400, 'InvalidRequest');
    },
  },
  {
    name: 'declared CRC32 upload: UploadPart without a checksum: 400 InvalidRequest',
    ref: UPLOAD_PART,
    async run(ctx) {
      const b = await ctx.bucket('ck-req');
      const id = await createUpload(ctx, b, 'k', 'CRC32');
      assertError(await uploadPart(ctx, b, 'k', id, 1, DATA), 400, 'InvalidRequest');
    },
  },
  {
    name: 'declared SHA256 upload: UploadPart with a CRC32 checksum instead: 400 InvalidRequest',
    ref: UPLOAD_PART,
    async run(ctx) {
      const b = await ctx.bucket('ck-req');
      const id = await createUpload(ctx, b, 'k', 'SHA256');
      assertError(await uploadPart(ctx, b, 'k', id, 1, DATA, { 'x-amz-checksum-crc32': await checksum('CRC32', DATA) }), 400, 'InvalidRequest');
    },
  },
  {
    name: 'declared CRC32 upload: Complete listing a part without its ChecksumCRC32: 400 InvalidRequest',
    ref: COMPLETE,
    async run(ctx) {
      const b = await ctx.bucket('ck-cmp');
      const id = await createUpload(ctx, b, 'k', 'CRC32');
      const up = await uploadPart(ctx, b, 'k', id, 1, DATA, { 'x-amz-checksum-crc32': await checksum('CRC32', DATA) });
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${up.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      assertError(await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploadId=${id}`, body: xml }), 400, 'InvalidRequest');
    },
  },
  {
    name: 'declared CRC32 upload: Complete with a wrong part ChecksumCRC32: 400 InvalidPart',
    ref: COMPLETE,
    async run(ctx) {
      const b = await ctx.bucket('ck-cmp');
      const id = await createUpload(ctx, b, 'k', 'CRC32');
      const up = await uploadPart(ctx, b, 'k', id, 1, DATA, { 'x-amz-checksum-crc32': await checksum('CRC32', DATA) });
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${up.headers.etag}</ETag><ChecksumCRC32>${await checksum('CRC32', OTHER)}</ChecksumCRC32></Part></CompleteMultipartUpload>`;
      assertError(await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploadId=${id}`, body: xml }), 400, 'InvalidPart');
    },
  },
  {
    name: 'CRC32 COMPOSITE over two parts (5 MiB + 1 KiB): checksum of the part checksums, suffix -2',
    ref: INTEGRITY,
    async run(ctx) {
      const parts = [bytes(5 * MIB, 11), bytes(1024, 12)];
      const { out } = await multipart(ctx, 'CRC32', 'COMPOSITE', parts);
      assert.equal(out.ChecksumCRC32, await composite('CRC32', parts));
      assert.equal(out.ChecksumType, 'COMPOSITE');
    },
  },
  {
    name: 'CRC64NVME FULL_OBJECT over two parts (5 MiB + 1 KiB): the CRC of the whole object, readable with validation',
    ref: INTEGRITY,
    async run(ctx) {
      const parts = [bytes(5 * MIB, 13), bytes(1024, 14)];
      const { bucket, out } = await multipart(ctx, 'CRC64NVME', 'FULL_OBJECT', parts);
      const whole = Buffer.concat(parts);
      assert.equal(out.ChecksumCRC64NVME, await checksum('CRC64NVME', whole));
      assert.equal(out.ChecksumType, 'FULL_OBJECT');
      const got = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj', ChecksumMode: 'ENABLED' }));
      assert.equal(got.ChecksumCRC64NVME, await checksum('CRC64NVME', whole));
      assert.equal((await bodyBytes(got.Body)).length, whole.length);
    },
  },
  {
    name: 'CRC32C FULL_OBJECT over two parts (5 MiB + 1 KiB): the CRC of the whole object',
    ref: INTEGRITY,
    async run(ctx) {
      const parts = [bytes(5 * MIB, 15), bytes(1024, 16)];
      const { out } = await multipart(ctx, 'CRC32C', 'FULL_OBJECT', parts);
      assert.equal(out.ChecksumCRC32C, await checksum('CRC32C', Buffer.concat(parts)));
      assert.equal(out.ChecksumType, 'FULL_OBJECT');
    },
  },
  {
    name: 'FULL_OBJECT Complete with a wrong x-amz-checksum-crc32 header: 400 BadDigest',
    ref: COMPLETE,
    async run(ctx) {
      const b = await ctx.bucket('ck-full-bad');
      const id = await createUpload(ctx, b, 'k', 'CRC32', 'FULL_OBJECT');
      const value = await checksum('CRC32', DATA);
      const up = await uploadPart(ctx, b, 'k', id, 1, DATA, { 'x-amz-checksum-crc32': value });
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${up.headers.etag}</ETag><ChecksumCRC32>${value}</ChecksumCRC32></Part></CompleteMultipartUpload>`;
      const res = await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploadId=${id}`, headers: { 'x-amz-checksum-crc32': await checksum('CRC32', OTHER) }, body: xml });
      assertError(res, 400, 'BadDigest');
    },
  },
  {
    name: 'Complete with x-amz-checksum-crc32c: AAAAAA== on an upload without checksum (minio-go) is accepted',
    ref: COMPLETE,
    async run(ctx) {
      const b = await ctx.bucket('ck-minio');
      const id = await createUpload(ctx, b, 'k');
      const up = await uploadPart(ctx, b, 'k', id, 1, DATA);
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${up.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      const res = await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploadId=${id}`, headers: { 'x-amz-checksum-crc32c': 'AAAAAA==' }, body: xml });
      assertOk(res);
      assert.match(res.text, /<CompleteMultipartUploadResult/);
    },
  },
  {
    name: 'HeadObject partNumber=1 with checksum mode on a COMPOSITE upload returns that part\'s own checksum',
    ref: 'shared/spec/s3-surface.md §5.4',
    async run(ctx) {
      const parts = [bytes(4096, 17)];
      const { bucket } = await multipart(ctx, 'SHA256', 'COMPOSITE', parts);
      const res = await ctx.raw({ method: 'HEAD', path: `${objectPath(bucket, 'obj')}?partNumber=1`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      assertOk(res, 206);
      assert.equal(res.headers['x-amz-checksum-sha256'], await checksum('SHA256', parts[0]!));
    },
  },
  {
    name: 'GetObject partNumber=1 with checksum mode on a FULL_OBJECT upload returns no checksum (not the whole object)',
    ref: 'shared/spec/s3-surface.md §5.4',
    async run(ctx) {
      const parts = [bytes(4096, 18)];
      const { bucket } = await multipart(ctx, 'CRC64NVME', 'FULL_OBJECT', parts);
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(bucket, 'obj')}?partNumber=1`, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      assertOk(res, 206);
      assert.equal(res.headers['x-amz-checksum-crc64nvme'], undefined);
    },
  },
  {
    name: 'upload without a declared algorithm: the completed object has no object checksum',
    ref: INTEGRITY,
    async run(ctx) {
      const b = await ctx.bucket('ck-nodecl');
      const id = await createUpload(ctx, b, 'k');
      const up = await uploadPart(ctx, b, 'k', id, 1, DATA, { 'x-amz-checksum-crc32': await checksum('CRC32', DATA) });
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${up.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      assertOk(await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploadId=${id}`, body: xml }));
      const head = await headRaw(ctx, b, 'k', { 'x-amz-checksum-mode': 'ENABLED' });
      assertOk(head);
      assert.deepEqual(Object.keys(head.headers).filter((k) => k.startsWith('x-amz-checksum-')), []);
    },
  },
];

/** Every algorithm × (header, trailer) × (right, wrong), download, multipart; then the general rules. */
export const cases: Case[] = [...ALGORITHMS.flatMap(perAlgorithm), ...general];
