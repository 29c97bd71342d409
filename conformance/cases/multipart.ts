/**
 * Multipart upload: create, upload parts, complete (ETag, size rules, order, errors), abort,
 * ListParts, ListMultipartUploads, UploadPartCopy, and `partNumber` reads of the result.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand,
  HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand, PutBucketVersioningCommand, PutObjectCommand,
  UploadPartCommand, UploadPartCopyCommand, type CompletedPart,
} from '@aws-sdk/client-s3';
import { asList, bodyBytes, bodyText, bytes, expectError, expectRawError, md5Etag, parseXml } from '../lib/check.js';
import type { Case, Ctx } from '../lib/types.js';

const API = 'https://docs.aws.amazon.com/AmazonS3/latest/API';
const LIMITS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html';
const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MiB = 1024 * 1024;

let big: Buffer | undefined;
/** A 5 MiB part (the smallest a non-last part may be), built once. */
const fiveMiB = (): Buffer => (big ??= bytes(5 * MiB, 3));

/** The ETag of a completed upload: MD5 of the parts' binary MD5s, then `-N`. */
function multipartEtag(parts: Buffer[]): string {
  const md5s = parts.map((p) => createHash('md5').update(p).digest());
  return `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${parts.length}"`;
}

async function create(ctx: Ctx, b: string, key = 'mp', extra: Record<string, unknown> = {}): Promise<string> {
  return (await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key, ...extra }))).UploadId!;
}

async function part(ctx: Ctx, b: string, key: string, uploadId: string, n: number, body: Buffer | string): Promise<CompletedPart> {
  const out = await ctx.s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: uploadId, PartNumber: n, Body: body }));
  return { PartNumber: n, ETag: out.ETag };
}

async function complete(ctx: Ctx, b: string, key: string, uploadId: string, parts: CompletedPart[]): Promise<{ ETag?: string; VersionId?: string }> {
  return ctx.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
}

/** The Complete body for these parts, as a client writes it. */
function completeXml(parts: Array<{ n: number; etag: string }>): string {
  return `<CompleteMultipartUpload xmlns="${NS}">${parts.map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>${p.etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
}

/** An object `mp` uploaded as two parts: 5 MiB and 1 KiB. */
async function twoPartObject(ctx: Ctx, prefix: string): Promise<{ b: string; p1: Buffer; p2: Buffer; etag: string }> {
  const b = await ctx.bucket(prefix);
  const id = await create(ctx, b);
  const p1 = fiveMiB();
  const p2 = bytes(1024, 9);
  const parts = [await part(ctx, b, 'mp', id, 1, p1), await part(ctx, b, 'mp', id, 2, p2)];
  const out = await complete(ctx, b, 'mp', id, parts);
  return { b, p1, p2, etag: out.ETag! };
}

export const cases: Case[] = [
  {
    name: 'create: InitiateMultipartUploadResult with Bucket, Key and an UploadId',
    ref: `${API}/API_CreateMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-create');
      const res = await ctx.raw({ method: 'POST', path: `/${b}/dir/obj?uploads` });
      assert.equal(res.status, 200, res.text);
      const r = parseXml(res.text).InitiateMultipartUploadResult;
      assert.equal(r['@_xmlns'], NS);
      assert.equal(r.Bucket, b);
      assert.equal(r.Key, 'dir/obj');
      assert.ok(typeof r.UploadId === 'string' && r.UploadId.length > 0);
    },
  },
  {
    name: 'UploadPart answers the part\'s quoted MD5 as ETag',
    ref: `${API}/API_UploadPart.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-part');
      const id = await create(ctx, b);
      const body = bytes(777);
      const p = await part(ctx, b, 'mp', id, 1, body);
      assert.equal(p.ETag, md5Etag(body));
    },
  },
  {
    name: 'two parts completed: ETag is MD5-of-MD5s-2, the object is the parts concatenated',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const { b, p1, p2, etag } = await twoPartObject(ctx, 'mp-two');
      assert.equal(etag, multipartEtag([p1, p2]));
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }));
      assert.equal(g.ETag, etag);
      assert.equal(g.ContentLength, p1.length + p2.length);
      assert.ok((await bodyBytes(g.Body)).equals(Buffer.concat([p1, p2])));
    },
  },
  {
    name: 'CompleteMultipartUploadResult: Location, Bucket, Key, ETag',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-result');
      const id = await create(ctx, b);
      const p = await part(ctx, b, 'mp', id, 1, 'only part');
      const res = await ctx.raw({ method: 'POST', path: `/${b}/mp?uploadId=${id}`, body: completeXml([{ n: 1, etag: p.ETag! }]) });
      assert.equal(res.status, 200, res.text);
      const r = parseXml(res.text).CompleteMultipartUploadResult;
      assert.equal(r.Bucket, b);
      assert.equal(r.Key, 'mp');
      assert.equal(r.ETag, multipartEtag([Buffer.from('only part')]));
      assert.ok(typeof r.Location === 'string' && r.Location.includes(`${b}/mp`), `Location: ${r.Location}`);
    },
  },
  {
    name: 'one small part is a valid upload (the last part has no minimum): ETag ends in -1',
    ref: LIMITS,
    async run(ctx) {
      const b = await ctx.bucket('mp-one');
      const id = await create(ctx, b);
      const out = await complete(ctx, b, 'mp', id, [await part(ctx, b, 'mp', id, 1, 'tiny')]);
      assert.match(out.ETag ?? '', /^"[0-9a-f]{32}-1"$/);
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }))).Body), 'tiny');
    },
  },
  {
    name: 'a non-last part under 5 MiB: 400 EntityTooSmall',
    ref: LIMITS,
    async run(ctx) {
      const b = await ctx.bucket('mp-small');
      const id = await create(ctx, b);
      const parts = [await part(ctx, b, 'mp', id, 1, 'small'), await part(ctx, b, 'mp', id, 2, 'last')];
      await expectError(complete(ctx, b, 'mp', id, parts), { status: 400, code: 'EntityTooSmall' });
    },
  },
  {
    name: 'Complete naming a wrong ETag: 400 InvalidPart',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-etag');
      const id = await create(ctx, b);
      await part(ctx, b, 'mp', id, 1, 'x');
      await expectError(complete(ctx, b, 'mp', id, [{ PartNumber: 1, ETag: md5Etag('not x') }]), { status: 400, code: 'InvalidPart' });
    },
  },
  {
    name: 'Complete naming a part never uploaded: 400 InvalidPart',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-missing');
      const id = await create(ctx, b);
      const p1 = await part(ctx, b, 'mp', id, 1, 'x');
      await expectError(complete(ctx, b, 'mp', id, [p1, { PartNumber: 2, ETag: md5Etag('y') }]), { status: 400, code: 'InvalidPart' });
    },
  },
  {
    name: 'Complete with parts out of order: 400 InvalidPartOrder',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-order');
      const id = await create(ctx, b);
      const p1 = await part(ctx, b, 'mp', id, 1, fiveMiB());
      const p2 = await part(ctx, b, 'mp', id, 2, 'x');
      await expectError(complete(ctx, b, 'mp', id, [p2, p1]), { status: 400, code: 'InvalidPartOrder' });
    },
  },
  {
    name: 'Complete listing a part number twice: 400 InvalidPartOrder',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-dup');
      const id = await create(ctx, b);
      const p1 = await part(ctx, b, 'mp', id, 1, fiveMiB());
      await expectError(complete(ctx, b, 'mp', id, [p1, p1]), { status: 400, code: 'InvalidPartOrder' });
    },
  },
  {
    name: 'UploadPart with a Content-MD5 of other bytes: 400 BadDigest, no part stored',
    ref: `${API}/API_UploadPart.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-md5');
      const id = await create(ctx, b);
      const md5 = createHash('md5').update('other').digest('base64');
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}/mp?partNumber=1&uploadId=${id}`, body: 'part', headers: { 'content-md5': md5 } }), 400, 'BadDigest');
      const lp = await ctx.s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: id }));
      assert.equal((lp.Parts ?? []).length, 0);
    },
  },
  {
    name: 'Complete with an empty part list: 400 MalformedXML',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-empty');
      const id = await create(ctx, b);
      await part(ctx, b, 'mp', id, 1, 'x');
      expectRawError(await ctx.raw({ method: 'POST', path: `/${b}/mp?uploadId=${id}`, body: completeXml([]) }), 400, 'MalformedXML');
    },
  },
  {
    name: 'Complete with a body that is not XML: 400 MalformedXML',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-badxml');
      const id = await create(ctx, b);
      expectRawError(await ctx.raw({ method: 'POST', path: `/${b}/mp?uploadId=${id}`, body: '<CompleteMultipartUpload><Part>' }), 400, 'MalformedXML');
    },
  },
  {
    name: 'parts uploaded but not listed in Complete are left out of the object',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-subset');
      const id = await create(ctx, b);
      const p1 = await part(ctx, b, 'mp', id, 1, fiveMiB());
      await part(ctx, b, 'mp', id, 2, 'skipped');
      const p3 = await part(ctx, b, 'mp', id, 3, 'third');
      await complete(ctx, b, 'mp', id, [p1, p3]);
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }));
      assert.equal(g.ContentLength, 5 * MiB + 5);
      assert.equal((await bodyBytes(g.Body)).subarray(5 * MiB).toString(), 'third');
    },
  },
  {
    name: 're-uploading a part number replaces it',
    ref: `${API}/API_UploadPart.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-again');
      const id = await create(ctx, b);
      await part(ctx, b, 'mp', id, 1, 'first version');
      const p = await part(ctx, b, 'mp', id, 1, 'second');
      const lp = await ctx.s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: id }));
      assert.deepEqual((lp.Parts ?? []).map((x) => [x.PartNumber, x.ETag, x.Size]), [[1, md5Etag('second'), 6]]);
      await complete(ctx, b, 'mp', id, [p]);
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }))).Body), 'second');
    },
  },
  {
    name: 'part numbers outside 1–10000: 400 InvalidArgument',
    ref: `${API}/API_UploadPart.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-partno');
      const id = await create(ctx, b);
      for (const n of ['0', '10001']) {
        expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}/mp?partNumber=${n}&uploadId=${id}`, body: 'x' }), 400, 'InvalidArgument');
      }
    },
  },
  {
    name: 'UploadPart and Complete with an unknown upload id: 404 NoSuchUpload',
    ref: `${API}/API_UploadPart.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-noupload');
      const id = 'VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA';
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}/mp?partNumber=1&uploadId=${id}`, body: 'x' }), 404, 'NoSuchUpload');
      expectRawError(await ctx.raw({ method: 'POST', path: `/${b}/mp?uploadId=${id}`, body: completeXml([{ n: 1, etag: md5Etag('x') }]) }), 404, 'NoSuchUpload');
    },
  },
  {
    name: 'an upload id used with another key: 404 NoSuchUpload',
    ref: `${API}/API_UploadPart.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-otherkey');
      const id = await create(ctx, b, 'right');
      expectRawError(await ctx.raw({ method: 'PUT', path: `/${b}/wrong?partNumber=1&uploadId=${id}`, body: 'x' }), 404, 'NoSuchUpload');
    },
  },
  {
    name: 'abort: 204; the upload is gone from ListParts and ListMultipartUploads',
    ref: `${API}/API_AbortMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-abort');
      const id = await create(ctx, b);
      await part(ctx, b, 'mp', id, 1, 'x');
      const res = await ctx.raw({ method: 'DELETE', path: `/${b}/mp?uploadId=${id}` });
      assert.equal(res.status, 204);
      await expectError(ctx.s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: id })), { status: 404, code: 'NoSuchUpload' });
      const list = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
      assert.equal((list.Uploads ?? []).length, 0);
    },
  },
  {
    name: 'abort an unknown upload id: 404 NoSuchUpload',
    ref: `${API}/API_AbortMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-abort-none');
      await expectError(ctx.s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId: 'b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8' })), { status: 404, code: 'NoSuchUpload' });
    },
  },
  {
    name: 'a completed upload is no longer listed, and its id is unknown to ListParts',
    ref: `${API}/API_ListMultipartUploads.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-done');
      const id = await create(ctx, b);
      await complete(ctx, b, 'mp', id, [await part(ctx, b, 'mp', id, 1, 'x')]);
      const list = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
      assert.equal((list.Uploads ?? []).length, 0);
      await expectError(ctx.s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: id })), { status: 404, code: 'NoSuchUpload' });
    },
  },
  {
    name: 'ListParts: Bucket, Key, UploadId, MaxParts, IsTruncated and each part\'s number, ETag, Size, LastModified',
    ref: `${API}/API_ListParts.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-listparts');
      const id = await create(ctx, b);
      await part(ctx, b, 'mp', id, 2, 'bb');
      await part(ctx, b, 'mp', id, 1, 'a');
      const res = await ctx.raw({ method: 'GET', path: `/${b}/mp?uploadId=${id}` });
      assert.equal(res.status, 200, res.text);
      const r = parseXml(res.text).ListPartsResult;
      assert.equal(r.Bucket, b);
      assert.equal(r.Key, 'mp');
      assert.equal(r.UploadId, id);
      assert.equal(r.MaxParts, '1000');
      assert.equal(r.IsTruncated, 'false');
      const parts = asList(r.Part);
      assert.deepEqual(parts.map((p) => [p.PartNumber, p.ETag, p.Size]), [['1', md5Etag('a'), '1'], ['2', md5Etag('bb'), '2']]);
      assert.match(parts[0].LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    },
  },
  {
    name: 'ListParts paging: max-parts, NextPartNumberMarker, part-number-marker',
    ref: `${API}/API_ListParts.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-partpages');
      const id = await create(ctx, b);
      for (const n of [1, 2, 3]) await part(ctx, b, 'mp', id, n, `p${n}`);
      const p1 = await ctx.s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: id, MaxParts: 2 }));
      assert.deepEqual((p1.Parts ?? []).map((p) => p.PartNumber), [1, 2]);
      assert.equal(p1.IsTruncated, true);
      assert.equal(p1.NextPartNumberMarker, '2');
      const p2 = await ctx.s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: id, MaxParts: 2, PartNumberMarker: p1.NextPartNumberMarker }));
      assert.deepEqual((p2.Parts ?? []).map((p) => p.PartNumber), [3]);
      assert.equal(p2.IsTruncated, false);
    },
  },
  {
    name: 'ListMultipartUploads of a bucket without uploads: Bucket, markers, MaxUploads 1000, IsTruncated false',
    ref: `${API}/API_ListMultipartUploads.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-list-empty');
      const res = await ctx.raw({ method: 'GET', path: `/${b}?uploads` });
      assert.equal(res.status, 200, res.text);
      const r = parseXml(res.text).ListMultipartUploadsResult;
      assert.equal(r.Bucket, b);
      assert.equal(r.KeyMarker, '');
      assert.equal(r.UploadIdMarker, '');
      assert.equal(r.MaxUploads, '1000');
      assert.equal(r.IsTruncated, 'false');
      assert.equal(r.Upload, undefined);
    },
  },
  {
    name: 'ListMultipartUploads: each upload\'s Key, UploadId, Initiated; prefix filters',
    ref: `${API}/API_ListMultipartUploads.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-list');
      const a = await create(ctx, b, 'docs/a');
      await create(ctx, b, 'img/b');
      const res = await ctx.raw({ method: 'GET', path: `/${b}?uploads&prefix=docs%2F` });
      assert.equal(res.status, 200, res.text);
      const r = parseXml(res.text).ListMultipartUploadsResult;
      assert.equal(r.Bucket, b);
      assert.equal(r.Prefix, 'docs/');
      const ups = asList(r.Upload);
      assert.deepEqual(ups.map((u) => [u.Key, u.UploadId]), [['docs/a', a]]);
      assert.match(ups[0].Initiated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    },
  },
  {
    name: 'ListMultipartUploads with a delimiter: CommonPrefixes',
    ref: `${API}/API_ListMultipartUploads.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-list-delim');
      await create(ctx, b, 'd1/a');
      await create(ctx, b, 'd1/b');
      await create(ctx, b, 'top');
      const out = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: b, Delimiter: '/' }));
      assert.deepEqual((out.Uploads ?? []).map((u) => u.Key), ['top']);
      assert.deepEqual((out.CommonPrefixes ?? []).map((p) => p.Prefix), ['d1/']);
    },
  },
  {
    name: 'ListMultipartUploads paging: max-uploads, NextKeyMarker, NextUploadIdMarker',
    ref: `${API}/API_ListMultipartUploads.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-list-page');
      const ids = [await create(ctx, b, 'a'), await create(ctx, b, 'b'), await create(ctx, b, 'c')];
      const seen: string[] = [];
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      for (let i = 0; i < 5; i++) {
        const out = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: b, MaxUploads: 2, KeyMarker, UploadIdMarker }));
        seen.push(...(out.Uploads ?? []).map((u) => u.UploadId!));
        if (!out.IsTruncated) break;
        assert.ok(out.NextKeyMarker && out.NextUploadIdMarker, 'a truncated page names its markers');
        KeyMarker = out.NextKeyMarker;
        UploadIdMarker = out.NextUploadIdMarker;
      }
      assert.deepEqual(seen, ids);
    },
  },
  {
    name: 'content type and metadata given at create end up on the object',
    ref: `${API}/API_CreateMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-meta');
      const id = await create(ctx, b, 'mp', { ContentType: 'video/mp4', Metadata: { origin: 'camera' } });
      await complete(ctx, b, 'mp', id, [await part(ctx, b, 'mp', id, 1, 'frames')]);
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mp' }));
      assert.equal(h.ContentType, 'video/mp4');
      assert.deepEqual(h.Metadata, { origin: 'camera' });
    },
  },
  {
    name: 'complete in a versioned bucket answers the new x-amz-version-id',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-ver');
      await ctx.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
      const id = await create(ctx, b);
      const out = await complete(ctx, b, 'mp', id, [await part(ctx, b, 'mp', id, 1, 'v')]);
      assert.ok(out.VersionId && out.VersionId !== 'null');
      const h = await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mp' }));
      assert.equal(h.VersionId, out.VersionId);
    },
  },
  {
    name: 'complete with If-None-Match: * over an existing key: 412',
    ref: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html',
    async run(ctx) {
      const b = await ctx.bucket('mp-cond');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'mp', Body: 'exists' }));
      const id = await create(ctx, b);
      const p = await part(ctx, b, 'mp', id, 1, 'new');
      const res = await ctx.raw({ method: 'POST', path: `/${b}/mp?uploadId=${id}`, body: completeXml([{ n: 1, etag: p.ETag! }]), headers: { 'if-none-match': '*' } });
      expectRawError(res, 412, 'PreconditionFailed');
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }))).Body), 'exists');
    },
  },
  {
    name: 'HEAD partNumber=1 of a two-part object: 206, the part\'s length, x-amz-mp-parts-count 2',
    ref: `${API}/API_HeadObject.html`,
    async run(ctx) {
      const { b } = await twoPartObject(ctx, 'mp-headpart');
      const res = await ctx.raw({ method: 'HEAD', path: `/${b}/mp?partNumber=1` });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-length'], String(5 * MiB));
      assert.equal(res.headers['x-amz-mp-parts-count'], '2');
    },
  },
  {
    name: 'GET partNumber=2 of a two-part object: 206 with that part\'s bytes and Content-Range',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const { b, p2 } = await twoPartObject(ctx, 'mp-getpart');
      const res = await ctx.raw({ method: 'GET', path: `/${b}/mp?partNumber=2` });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `bytes ${5 * MiB}-${5 * MiB + 1023}/${5 * MiB + 1024}`);
      assert.equal(res.headers['x-amz-mp-parts-count'], '2');
      assert.ok(res.body.equals(p2));
    },
  },
  {
    name: 'a Range across the boundary of two parts returns exactly those bytes',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const { b, p1, p2 } = await twoPartObject(ctx, 'mp-range');
      const first = 5 * MiB - 10;
      const last = 5 * MiB + 9;
      const res = await ctx.raw({ method: 'GET', path: `/${b}/mp`, headers: { range: `bytes=${first}-${last}` } });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-range'], `bytes ${first}-${last}/${p1.length + p2.length}`);
      assert.ok(res.body.equals(Buffer.concat([p1.subarray(first), p2.subarray(0, 10)])));
    },
  },
  {
    name: 'GET partNumber=3 of a two-part object: 416 InvalidPartNumber',
    ref: `${API}/ErrorResponses.html`,
    async run(ctx) {
      const { b } = await twoPartObject(ctx, 'mp-nopart');
      expectRawError(await ctx.raw({ method: 'GET', path: `/${b}/mp?partNumber=3` }), 416, 'InvalidPartNumber');
    },
  },
  {
    name: 'GET of a multipart object without partNumber: no x-amz-mp-parts-count',
    ref: `${API}/API_GetObject.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-nocount');
      const id = await create(ctx, b);
      await complete(ctx, b, 'mp', id, [await part(ctx, b, 'mp', id, 1, 'one part')]);
      const res = await ctx.raw({ method: 'GET', path: `/${b}/mp` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-amz-mp-parts-count'], undefined);
    },
  },
  {
    name: 'Complete accepts part ETags without quotes',
    ref: `${API}/API_CompleteMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-unquoted');
      const id = await create(ctx, b);
      const p = await part(ctx, b, 'mp', id, 1, 'bare');
      const res = await ctx.raw({ method: 'POST', path: `/${b}/mp?uploadId=${id}`, body: completeXml([{ n: 1, etag: p.ETag!.replace(/"/g, '') }]) });
      assert.equal(res.status, 200, res.text);
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }))).Body), 'bare');
    },
  },
  {
    name: 'a storage class given at create is listed with the upload and kept by the object',
    ref: `${API}/API_CreateMultipartUpload.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-class');
      const id = await create(ctx, b, 'mp', { StorageClass: 'STANDARD_IA' });
      const list = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
      assert.equal(list.Uploads?.[0]?.StorageClass, 'STANDARD_IA');
      await complete(ctx, b, 'mp', id, [await part(ctx, b, 'mp', id, 1, 'x')]);
      assert.equal((await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mp' }))).StorageClass, 'STANDARD_IA');
    },
  },
  {
    // Eight uploads: an order that only looks right by chance (random ids) shows up 1 time in 40 320.
    name: 'eight uploads of one key are all listed, in the order they were created',
    ref: `${API}/API_ListMultipartUploads.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-twice');
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await create(ctx, b, 'same'));
      const list = await ctx.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
      assert.deepEqual((list.Uploads ?? []).map((u) => u.UploadId), ids);
    },
  },
  {
    name: 'UploadPartCopy with a malformed x-amz-copy-source-range: 400 InvalidArgument',
    ref: `${API}/API_UploadPartCopy.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-copy-badrange');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'source bytes' }));
      const id = await create(ctx, b);
      const res = await ctx.raw({ method: 'PUT', path: `/${b}/mp?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': `/${b}/src`, 'x-amz-copy-source-range': 'bytes=abc' } });
      expectRawError(res, 400, 'InvalidArgument');
    },
  },
  {
    name: 'UploadPartCopy of a byte range: CopyPartResult ETag, the object holds those bytes',
    ref: `${API}/API_UploadPartCopy.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-copy');
      const src = bytes(4096, 5);
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: src }));
      const id = await create(ctx, b);
      const out = await ctx.s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'mp', UploadId: id, PartNumber: 1, CopySource: `${b}/src`, CopySourceRange: 'bytes=100-1099' }));
      assert.equal(out.CopyPartResult?.ETag, md5Etag(src.subarray(100, 1100)));
      assert.ok(out.CopyPartResult?.LastModified);
      await complete(ctx, b, 'mp', id, [{ PartNumber: 1, ETag: out.CopyPartResult?.ETag }]);
      const g = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }));
      assert.ok((await bodyBytes(g.Body)).equals(src.subarray(100, 1100)));
    },
  },
  {
    name: 'UploadPartCopy without a range copies the whole source',
    ref: `${API}/API_UploadPartCopy.html`,
    async run(ctx) {
      const b = await ctx.bucket('mp-copyall');
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'whole source' }));
      const id = await create(ctx, b);
      const out = await ctx.s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'mp', UploadId: id, PartNumber: 1, CopySource: `${b}/src` }));
      assert.equal(out.CopyPartResult?.ETag, md5Etag('whole source'));
      await complete(ctx, b, 'mp', id, [{ PartNumber: 1, ETag: out.CopyPartResult?.ETag }]);
      assert.equal(await bodyText((await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp' }))).Body), 'whole source');
    },
  },
];
