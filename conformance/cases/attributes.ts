/**
 * GetObjectAttributes (`GET /{b}/{k}?attributes` with `x-amz-object-attributes`): ETag, Checksum,
 * ObjectParts (with paging), StorageClass, ObjectSize; versions, delete markers and errors.
 * AWS: API_GetObjectAttributes.html; shared/spec/s3-surface.md §5.4.
 */
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectAttributesCommand, PutBucketVersioningCommand,
  PutObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, bytes, checksum, md5hex, otherOf, xmlAll, xmlText } from '../lib/wire.js';

const REF = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html';
const DATA = bytes(1234, 101);
const ALL = 'ETag,Checksum,ObjectParts,StorageClass,ObjectSize';

async function attrs(ctx: Ctx, b: string, key: string, which: string, query = '', extra: Record<string, string> = {}): Promise<RawResponse> {
  return ctx.raw({ method: 'GET', path: `${objectPath(b, key)}?attributes${query}`, headers: { 'x-amz-object-attributes': which, ...extra } });
}

async function seeded(ctx: Ctx, prefix: string, headers: Record<string, string> = {}): Promise<string> {
  const b = await ctx.bucket(prefix);
  assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'k'), body: DATA, headers }), 200, 'PutObject');
  return b;
}

/** A two-part CRC32 multipart object (5 MiB + 1 KiB); returns the bucket and the parts. */
async function multipart(ctx: Ctx, prefix: string): Promise<{ b: string; parts: Buffer[] }> {
  const b = await ctx.bucket(prefix);
  const parts = [bytes(5 * 1024 * 1024, 102), bytes(1024, 103)];
  const up = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'k', ChecksumAlgorithm: 'CRC32' }));
  const done = [];
  for (const [i, p] of parts.entries()) {
    const r = await ctx.s3.send(new UploadPartCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, PartNumber: i + 1, Body: p, ChecksumAlgorithm: 'CRC32' }));
    done.push({ PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 });
  }
  await ctx.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'k', UploadId: up.UploadId, MultipartUpload: { Parts: done } }));
  return { b, parts };
}

export const cases: Case[] = [
  {
    name: 'all attributes of a simple object: ETag unquoted, ObjectSize, StorageClass STANDARD, no ObjectParts',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-all');
      const res = await attrs(ctx, b, 'k', ALL);
      assertOk(res);
      assert.match(res.text, /<GetObjectAttributesResponse[\s>]/);
      assert.equal(xmlText(res.text, 'ETag'), md5hex(DATA));
      assert.equal(xmlText(res.text, 'ObjectSize'), String(DATA.length));
      assert.equal(xmlText(res.text, 'StorageClass'), 'STANDARD');
      assert.equal(xmlText(res.text, 'ObjectParts'), undefined);
    },
  },
  {
    name: 'only the requested attributes come back (ObjectSize alone)',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-one');
      const res = await attrs(ctx, b, 'k', 'ObjectSize');
      assertOk(res);
      assert.equal(xmlText(res.text, 'ObjectSize'), String(DATA.length));
      for (const t of ['ETag', 'StorageClass', 'Checksum', 'ObjectParts']) assert.equal(xmlText(res.text, t), undefined, `${t} not requested`);
    },
  },
  {
    name: 'Last-Modified header (RFC 1123) on the answer',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-lm');
      const res = await attrs(ctx, b, 'k', 'ETag');
      assertOk(res);
      const lm = res.headers['last-modified'];
      assert.ok(lm && /GMT$/.test(lm) && Math.abs(Date.parse(lm) - Date.now()) < 10 * 60 * 1000, `Last-Modified: ${lm}`);
    },
  },
  ...(['CRC32', 'SHA256'] as const).map((alg): Case => ({
    name: `Checksum of a ${alg} object: Checksum${alg} and ChecksumType FULL_OBJECT`,
    ref: REF,
    async run(ctx) {
      const value = await checksum(alg, DATA);
      const b = await seeded(ctx, `attr-${alg.toLowerCase()}`, { [`x-amz-checksum-${alg.toLowerCase()}`]: value });
      const res = await attrs(ctx, b, 'k', 'Checksum');
      assertOk(res);
      assert.equal(xmlText(res.text, `Checksum${alg}`), value);
      assert.equal(xmlText(res.text, 'ChecksumType'), 'FULL_OBJECT');
    },
  })),
  {
    name: 'StorageClass STANDARD_IA is reported',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-ia', { 'x-amz-storage-class': 'STANDARD_IA' });
      assert.equal(xmlText((await attrs(ctx, b, 'k', 'StorageClass')).text, 'StorageClass'), 'STANDARD_IA');
    },
  },
  {
    name: 'SDK GetObjectAttributes: ETag, ObjectSize',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-sdk');
      const out = await ctx.s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'k', ObjectAttributes: ['ETag', 'ObjectSize'] }));
      assert.equal(out.ETag, md5hex(DATA));
      assert.equal(out.ObjectSize, DATA.length);
    },
  },
  {
    name: 'multipart object: ETag "<md5>-2", ObjectParts PartsCount 2 (TotalPartsCount) with part sizes and part CRC32s',
    ref: REF,
    async run(ctx) {
      const { b, parts } = await multipart(ctx, 'attr-mpu');
      const res = await attrs(ctx, b, 'k', ALL);
      assertOk(res);
      assert.match(xmlText(res.text, 'ETag') ?? '', /^[0-9a-f]{32}-2$/);
      const op = xmlText(res.text, 'ObjectParts') ?? '';
      assert.equal(xmlText(op, 'PartsCount'), '2');
      assert.deepEqual(xmlAll(op, 'PartNumber'), ['1', '2']);
      assert.deepEqual(xmlAll(op, 'Size'), parts.map((p) => String(p.length)));
      assert.deepEqual(xmlAll(op, 'ChecksumCRC32'), await Promise.all(parts.map((p) => checksum('CRC32', p))));
      assert.equal(xmlText(res.text, 'ObjectSize'), String(parts[0]!.length + parts[1]!.length));
    },
  },
  {
    name: 'ObjectParts paging: x-amz-max-parts 1 → IsTruncated, NextPartNumberMarker 1; x-amz-part-number-marker 1 → part 2',
    ref: REF,
    async run(ctx) {
      const { b } = await multipart(ctx, 'attr-page');
      const first = xmlText((await attrs(ctx, b, 'k', 'ObjectParts', '', { 'x-amz-max-parts': '1' })).text, 'ObjectParts') ?? '';
      assert.equal(xmlText(first, 'IsTruncated'), 'true');
      assert.equal(xmlText(first, 'MaxParts'), '1');
      assert.equal(xmlText(first, 'NextPartNumberMarker'), '1');
      assert.deepEqual(xmlAll(first, 'PartNumber'), ['1']);
      const second = xmlText((await attrs(ctx, b, 'k', 'ObjectParts', '', { 'x-amz-max-parts': '1', 'x-amz-part-number-marker': '1' })).text, 'ObjectParts') ?? '';
      assert.equal(xmlText(second, 'IsTruncated'), 'false');
      assert.equal(xmlText(second, 'PartNumberMarker'), '1');
      assert.deepEqual(xmlAll(second, 'PartNumber'), ['2']);
    },
  },
  {
    name: 'versionId: attributes of an older version, with its x-amz-version-id',
    ref: REF,
    async run(ctx) {
      const b = await ctx.bucket('attr-ver');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const v1 = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }))).VersionId!;
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'newer' }));
      const res = await attrs(ctx, b, 'k', 'ObjectSize,ETag', `&versionId=${encodeURIComponent(v1)}`);
      assertOk(res);
      assert.equal(res.headers['x-amz-version-id'], v1);
      assert.equal(xmlText(res.text, 'ObjectSize'), String(DATA.length));
      assert.equal(xmlText(res.text, 'ETag'), md5hex(DATA));
    },
  },
  {
    name: 'current version is a delete marker: 404 NoSuchKey with x-amz-delete-marker: true',
    ref: REF,
    async run(ctx) {
      const b = await ctx.bucket('attr-dm');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
      const res = await attrs(ctx, b, 'k', 'ObjectSize');
      assertError(res, 404, 'NoSuchKey');
      assert.equal(res.headers['x-amz-delete-marker'], 'true');
    },
  },
  {
    name: 'missing key: 404 NoSuchKey',
    ref: REF,
    async run(ctx) {
      const b = await ctx.bucket('attr-miss');
      assertError(await attrs(ctx, b, 'nope', 'ETag'), 404, 'NoSuchKey');
    },
  },
  {
    name: 'a well-formed versionId of another key: 404 NoSuchVersion',
    ref: REF,
    async run(ctx) {
      const b = await ctx.bucket('attr-nover');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: DATA }));
      const other = (await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'other', Body: DATA }))).VersionId!;
      assertError(await attrs(ctx, b, 'k', 'ETag', `&versionId=${encodeURIComponent(other)}`), 404, 'NoSuchVersion');
    },
  },
  {
    name: 'a malformed versionId: 400 InvalidArgument',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-badver');
      assertError(await attrs(ctx, b, 'k', 'ETag', '&versionId=not-a-version-%21'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'no x-amz-object-attributes header: 400 InvalidRequest (S3\'s answer, quoted in versitygw#915)',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-nohdr');
      assertError(await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?attributes` }), 400, 'InvalidRequest');
    },
  },
  {
    name: 'an unknown attribute name: 400 InvalidArgument',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-unknown');
      assertError(await attrs(ctx, b, 'k', 'ETag,Colour'), 400, 'InvalidArgument');
    },
  },
  {
    name: 'the other user on my private object: 403 AccessDenied',
    ref: REF,
    async run(ctx) {
      const b = await seeded(ctx, 'attr-other');
      const res = await ctx.raw({ method: 'GET', path: `${objectPath(b, 'k')}?attributes`, headers: { 'x-amz-object-attributes': 'ETag' }, credentials: otherOf(ctx).keys });
      assertError(res, 403, 'AccessDenied');
    },
  },
];
