/**
 * aws-chunked uploads: signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), signed chunks with a
 * signed trailer (…-TRAILER) and unsigned chunks with a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER,
 * the SDK v3 default for streams). Bodies are framed and signed by conformance/lib/sign.ts.
 * AWS: sigv4-streaming.html, sigv4-streaming-trailers.html; shared/spec/s3-surface.md §2.1.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { awsChunked, objectPath, signV4, type ChunkedBody, type ChunkedMode } from '../lib/sign.js';
import type { Case, Ctx, RawResponse } from '../lib/types.js';
import { assertError, assertOk, bodyBytes, bytes, checksum, hostOf, keysOf, md5b64, md5hex, withoutHost } from '../lib/wire.js';

const STREAMING = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html';
const TRAILERS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html';
const AUTH_HEADER = 'https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html';
const UPLOAD_PART = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html';
const INTEGRITY = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html';

const SIGNED: ChunkedMode = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
const SIGNED_TRAILER: ChunkedMode = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
const UNSIGNED_TRAILER: ChunkedMode = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/** One aws-chunked upload: framing options plus header overrides and a body tamper hook. */
interface Upload extends Omit<ChunkedBody, 'signing'> {
  path: string;
  /** Header overrides (undefined deletes a header). */
  headers?: Record<string, string | undefined>;
  /** Payload hash to sign and send; default: the mode. */
  payloadHash?: string;
  /** Change the framed body before sending. */
  tamper?: (body: Buffer) => Buffer;
}

async function send(ctx: Ctx, u: Upload): Promise<RawResponse> {
  const decoded = u.chunks.reduce((n, c) => n + c.length, 0);
  const base: Record<string, string | undefined> = {
    host: hostOf(ctx),
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decoded),
    ...(u.trailers ? { 'x-amz-trailer': Object.keys(u.trailers).join(',') } : {}),
    ...(u.headers ?? {}),
  };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) headers[k] = v;
  const hash = u.payloadHash ?? u.mode;
  const s = signV4({ method: 'PUT', path: u.path, headers, payloadHash: hash, keys: keysOf(ctx), region: ctx.region, date: new Date() });
  let body = awsChunked({ ...u, signing: { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: s.signature } });
  if (u.tamper) body = u.tamper(body);
  return ctx.raw({ method: 'PUT', path: u.path, headers: { ...withoutHost(s.headers), 'content-length': String(body.length) }, body, sign: 'none' });
}

async function read(ctx: Ctx, bucket: string, key: string): Promise<RawResponse> {
  return ctx.raw({ method: 'GET', path: objectPath(bucket, key) });
}

async function assertStored(ctx: Ctx, bucket: string, key: string, data: Buffer): Promise<RawResponse> {
  const res = await read(ctx, bucket, key);
  assertOk(res, 200, 'GET after upload');
  assert.equal(res.body.length, data.length, 'stored size = decoded size (no framing bytes)');
  assert.ok(res.body.equals(data), 'stored bytes = decoded payload');
  return res;
}

async function assertAbsent(ctx: Ctx, bucket: string, key: string): Promise<void> {
  assert.equal((await ctx.raw({ method: 'HEAD', path: objectPath(bucket, key) })).status, 404, 'a failed upload must not create the object');
}

const A = bytes(64 * 1024, 21);
const B = bytes(1024, 22);
const AB = Buffer.concat([A, B]);

/** Insert `extra` into the body right after the first chunk header line. */
function replaceFirst(body: Buffer, from: string, to: string): Buffer {
  const s = body.toString('latin1');
  const i = s.indexOf(from);
  assert.ok(i >= 0);
  return Buffer.from(s.slice(0, i) + to + s.slice(i + from.length), 'latin1');
}

export const cases: Case[] = [
  {
    name: 'signed chunks (64 KiB + 1 KiB, the AWS example shape): 200, stored bytes exact, ETag = MD5 of the payload',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-signed');
      const res = await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B] });
      assertOk(res);
      assert.equal(res.headers.etag, `"${md5hex(AB)}"`);
      await assertStored(ctx, b, 'k', AB);
    },
  },
  {
    name: 'signed chunks: an empty object is only the final zero-length chunk',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-empty');
      assertOk(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [] }));
      await assertStored(ctx, b, 'k', Buffer.alloc(0));
    },
  },
  {
    name: 'signed chunks: seventeen one-byte chunks',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-tiny');
      const data = bytes(17, 23);
      assertOk(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [...data].map((x) => Buffer.from([x])) }));
      await assertStored(ctx, b, 'k', data);
    },
  },
  {
    name: 'signed chunks: a 1 MiB chunk (botocore size) and a tail',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-mib');
      const big = bytes(1024 * 1024, 24);
      assertOk(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [big, B] }));
      await assertStored(ctx, b, 'k', Buffer.concat([big, B]));
    },
  },
  {
    name: 'signed chunks: a wrong signature on the first chunk: 403 SignatureDoesNotMatch, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-badsig');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B], badChunkSignature: 0 }), 403, 'SignatureDoesNotMatch');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'signed chunks: a wrong signature on the final zero-length chunk: 403 SignatureDoesNotMatch, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-badfinal');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B], badChunkSignature: 2 }), 403, 'SignatureDoesNotMatch');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'signed chunks: chunk data changed after signing: 403 SignatureDoesNotMatch, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-tamper');
      const res = await send(ctx, {
        mode: SIGNED, path: objectPath(b, 'k'), chunks: [Buffer.from('hello world')],
        tamper: (body) => replaceFirst(body, 'hello world', 'HELLO world'),
      });
      assertError(res, 403, 'SignatureDoesNotMatch');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'signed chunks: the chain is seeded by the request signature (chunks signed from another seed fail)',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-seed');
      const path = objectPath(b, 'k');
      const headers = { host: hostOf(ctx), 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(B.length) };
      const s = signV4({ method: 'PUT', path, headers, payloadHash: SIGNED, keys: keysOf(ctx), region: ctx.region, date: new Date() });
      const body = awsChunked({ mode: SIGNED, chunks: [B], signing: { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: '0'.repeat(64) } });
      assertError(await ctx.raw({ method: 'PUT', path, headers: withoutHost(s.headers), body, sign: 'none' }), 403, 'SignatureDoesNotMatch');
    },
  },
  {
    name: 'signed chunks without x-amz-decoded-content-length: 411 MissingContentLength',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-nolen');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], headers: { 'x-amz-decoded-content-length': undefined } }), 411, 'MissingContentLength');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'x-amz-decoded-content-length larger than the payload: 400 IncompleteBody, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-long');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], headers: { 'x-amz-decoded-content-length': String(B.length + 10) } }), 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'x-amz-decoded-content-length smaller than the payload: 400 IncompleteBody, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-short');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], headers: { 'x-amz-decoded-content-length': String(B.length - 10) } }), 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'a chunk size that is not hex: 400 IncompleteBody',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-hex');
      const res = await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], tamper: (body) => replaceFirst(body, '400;', 'zz0;') });
      assertError(res, 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'the body ends before the final zero-length chunk: 400 IncompleteBody, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-trunc');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B], omitFinal: true }), 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'a chunk cut short by the end of the body: 400 IncompleteBody',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-over');
      const res = await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], tamper: (body) => body.subarray(0, 200) });
      assertError(res, 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'chunk data not followed by CRLF: 400 IncompleteBody',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-crlf');
      const data = Buffer.from('0123456789');
      const res = await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [data], tamper: (body) => replaceFirst(body, '0123456789\r\n', '0123456789XX') });
      assertError(res, 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'a chunk header longer than 4 KiB is refused (bounded decoder): 400 IncompleteBody',
    ref: 'shared/spec/s3-surface.md §2.1',
    async run(ctx) {
      const b = await ctx.bucket('ch-hdr');
      const res = await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], tamper: (body) => replaceFirst(body, '400;', `400;x=${'y'.repeat(5000)};`) });
      assertError(res, 400, 'IncompleteBody');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'signed chunks + signed trailer (x-amz-checksum-crc32c): 200, checksum echoed, bytes exact',
    ref: TRAILERS,
    async run(ctx) {
      const b = await ctx.bucket('ch-st');
      const value = await checksum('CRC32C', AB);
      const res = await send(ctx, { mode: SIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [A, B], trailers: { 'x-amz-checksum-crc32c': value } });
      assertOk(res);
      assert.equal(res.headers['x-amz-checksum-crc32c'], value);
      await assertStored(ctx, b, 'k', AB);
    },
  },
  {
    name: 'signed trailer with a wrong x-amz-trailer-signature: 403 SignatureDoesNotMatch, nothing stored',
    ref: TRAILERS,
    async run(ctx) {
      const b = await ctx.bucket('ch-st-bad');
      const res = await send(ctx, { mode: SIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [B], trailers: { 'x-amz-checksum-crc32': await checksum('CRC32', B) }, badTrailerSignature: true });
      assertError(res, 403, 'SignatureDoesNotMatch');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'signed trailer carrying a wrong checksum (correctly signed): 400 BadDigest, nothing stored',
    ref: TRAILERS,
    async run(ctx) {
      const b = await ctx.bucket('ch-st-digest');
      const res = await send(ctx, { mode: SIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [B], trailers: { 'x-amz-checksum-crc32': await checksum('CRC32', A) } });
      assertError(res, 400, 'BadDigest');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'signed-trailer mode with the trailer left out: 400 MalformedTrailerError',
    ref: TRAILERS,
    async run(ctx) {
      const b = await ctx.bucket('ch-st-none');
      const res = await send(ctx, { mode: SIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [B], trailers: { 'x-amz-checksum-crc32': await checksum('CRC32', B) }, omitTrailers: true });
      assertError(res, 400, 'MalformedTrailerError');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'unsigned trailer declared by x-amz-trailer but not sent: 400 MalformedTrailerError',
    ref: TRAILERS,
    async run(ctx) {
      const b = await ctx.bucket('ch-ut-none');
      const res = await send(ctx, { mode: UNSIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [B], trailers: { 'x-amz-checksum-crc32': await checksum('CRC32', B) }, omitTrailers: true });
      assertError(res, 400, 'MalformedTrailerError');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'unsigned trailer lines ending in LF only (minio-go): 200',
    ref: 'shared/spec/s3-surface.md §2.1',
    async run(ctx) {
      const b = await ctx.bucket('ch-lf');
      const value = await checksum('CRC32C', AB);
      const res = await send(ctx, { mode: UNSIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [A, B], trailers: { 'x-amz-checksum-crc32c': value }, trailerLf: true });
      assertOk(res);
      assert.equal(res.headers['x-amz-checksum-crc32c'], value);
      await assertStored(ctx, b, 'k', AB);
    },
  },
  {
    name: 'unsigned trailer, 64 KiB pieces (JS SDK shape) with a CRC64NVME trailer: 200, bytes exact',
    ref: TRAILERS,
    async run(ctx) {
      const b = await ctx.bucket('ch-ut64');
      const data = bytes(200 * 1024 + 5, 25);
      const pieces = [];
      for (let i = 0; i < data.length; i += 65536) pieces.push(data.subarray(i, i + 65536));
      const value = await checksum('CRC64NVME', data);
      const res = await send(ctx, { mode: UNSIGNED_TRAILER, path: objectPath(b, 'k'), chunks: pieces, trailers: { 'x-amz-checksum-crc64nvme': value } });
      assertOk(res);
      assert.equal(res.headers['x-amz-checksum-crc64nvme'], value);
      await assertStored(ctx, b, 'k', data);
    },
  },
  {
    name: 'Content-Encoding "aws-chunked,gzip": the object keeps Content-Encoding gzip',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-gzip');
      const res = await send(ctx, {
        mode: UNSIGNED_TRAILER, path: objectPath(b, 'k'), chunks: [B], trailers: { 'x-amz-checksum-crc32': await checksum('CRC32', B) },
        headers: { 'content-encoding': 'aws-chunked,gzip' },
      });
      assertOk(res);
      const head = await ctx.raw({ method: 'HEAD', path: objectPath(b, 'k') });
      assert.equal(head.headers['content-encoding'], 'gzip');
      assert.equal(head.headers['content-length'], String(B.length));
    },
  },
  {
    name: 'Content-Encoding "aws-chunked" alone is not stored: GET has no Content-Encoding',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-ce');
      assertOk(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B] }));
      const res = await assertStored(ctx, b, 'k', B);
      assert.equal(res.headers['content-encoding'], undefined);
    },
  },
  {
    name: 'a STREAMING-* payload hash without Content-Encoding is still decoded',
    ref: 'shared/spec/s3-surface.md §2.1',
    async run(ctx) {
      const b = await ctx.bucket('ch-noce');
      assertOk(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B], headers: { 'content-encoding': undefined } }));
      await assertStored(ctx, b, 'k', AB);
    },
  },
  {
    name: 'signed chunks with a Content-MD5 of the decoded payload: 200',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-md5');
      assertOk(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B], headers: { 'content-md5': md5b64(AB) } }));
      await assertStored(ctx, b, 'k', AB);
    },
  },
  {
    name: 'signed chunks with a wrong Content-MD5: 400 BadDigest, nothing stored',
    ref: STREAMING,
    async run(ctx) {
      const b = await ctx.bucket('ch-md5bad');
      assertError(await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [A, B], headers: { 'content-md5': md5b64(A) } }), 400, 'BadDigest');
      await assertAbsent(ctx, b, 'k');
    },
  },
  {
    name: 'SigV4a streaming (STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD): 400 InvalidRequest',
    ref: AUTH_HEADER,
    async run(ctx) {
      const b = await ctx.bucket('ch-v4a');
      const res = await send(ctx, { mode: SIGNED, path: objectPath(b, 'k'), chunks: [B], payloadHash: 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' });
      assertError(res, 400, 'InvalidRequest');
    },
  },
  {
    name: 'UploadPart with signed chunks: part ETag = MD5 of the decoded part, completed object exact',
    ref: UPLOAD_PART,
    async run(ctx) {
      const b = await ctx.bucket('ch-part');
      const init = await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploads` });
      assertOk(init);
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1];
      assert.ok(id);
      const part = await send(ctx, { mode: SIGNED, path: `${objectPath(b, 'k')}?partNumber=1&uploadId=${id}`, chunks: [A, B] });
      assertOk(part);
      assert.equal(part.headers.etag, `"${md5hex(AB)}"`);
      const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag></Part></CompleteMultipartUpload>`;
      assertOk(await ctx.raw({ method: 'POST', path: `${objectPath(b, 'k')}?uploadId=${id}`, body: xml }));
      await assertStored(ctx, b, 'k', AB);
    },
  },
  {
    name: 'SDK v3 PutObject with a stream body (default aws-chunked + CRC32 trailer): stored exact, CRC32 returned',
    ref: INTEGRITY,
    async run(ctx) {
      const b = await ctx.bucket('ch-sdk');
      const data = bytes(300 * 1024, 26);
      const out = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: Readable.from([data.subarray(0, 100000), data.subarray(100000)]), ContentLength: data.length }));
      assert.equal(out.ChecksumCRC32, await checksum('CRC32', data));
      const got = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ChecksumMode: 'ENABLED' }));
      assert.ok((await bodyBytes(got.Body)).equals(data));
      assert.equal(got.ContentEncoding, undefined);
    },
  },
  {
    name: 'SDK v3 PutObject with a stream body and ChecksumAlgorithm SHA256: trailer verified, SHA256 returned',
    ref: INTEGRITY,
    async run(ctx) {
      const b = await ctx.bucket('ch-sdk256');
      const data = bytes(70 * 1024, 27);
      const out = await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: Readable.from([data]), ContentLength: data.length, ChecksumAlgorithm: 'SHA256' }));
      assert.equal(out.ChecksumSHA256, await checksum('SHA256', data));
      await assertStored(ctx, b, 'k', data);
    },
  },
];
