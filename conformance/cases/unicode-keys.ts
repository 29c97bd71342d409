/**
 * Object keys with every awkward character class: reserved and sub-delimiter characters, XML
 * specials, control characters, every UTF-8 length, combining marks, dot segments and slashes,
 * length limits, byte-order listing, and the operations that carry keys elsewhere (copy source,
 * multipart, DeleteObjects XML, presigned URLs). AWS: object-keys.html ("Creating object key
 * names"), API_ListObjectsV2.html (encoding-type); shared/spec/s3-surface.md §1, §2, §4.1.
 */
import assert from 'node:assert/strict';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { objectPath } from '../lib/sign.js';
import type { Case, Ctx } from '../lib/types.js';
import { assertError, assertOk, bodyBytes, bytes, sendV4, xmlAll, xmlText } from '../lib/wire.js';

const KEYS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html';
const LIST_V2 = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html';
const VERSIONS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html';
const COPY = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html';
const UPLOADS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html';
const DELETE_OBJECTS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html';
const ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';

const DATA = bytes(321, 111);

/** One key class: a readable name and a key exercising it; `sdk: false` when an SDK may rewrite the path. */
interface Row {
  name: string;
  key: string;
  sdk?: boolean;
}

const ROWS: Row[] = [
  { name: 'spaces (single and double)', key: 'a b  c' },
  { name: 'plus (not a space)', key: 'a+b+' },
  { name: 'percent signs (literal, not escapes)', key: '100% sure %41%2' },
  { name: 'question mark and hash (not query or fragment)', key: 'what?#anchor' },
  { name: 'ampersand, equals, semicolon', key: 'a&b=c;d' },
  { name: 'at, dollar, comma, colon', key: 'user@host:$1,2' },
  { name: "sub-delimiters ! ' ( ) *", key: "it's (really) *bold*!" },
  { name: 'brackets, braces, pipe, caret, backtick', key: '[x]{y}|^`' },
  { name: 'XML specials < > & " \'', key: '<tag attr="v">&amp;\'</tag>' },
  { name: 'backslash', key: 'dir\\file' },
  { name: 'unreserved ~ _ . -', key: '~user_name.ext-1' },
  { name: 'Latin-1 letters (2-byte UTF-8)', key: 'héllo wörld ñ ß' },
  { name: 'CJK (3-byte UTF-8)', key: '日本語/ファイル名.txt' },
  { name: 'Cyrillic and Greek', key: 'Привет κόσμε' },
  { name: 'right-to-left Arabic and Hebrew', key: 'مرحبا שלום' },
  { name: 'emoji (astral plane, 4-byte UTF-8)', key: '📦🚀/🦄.bin' },
  { name: 'combining acute accent (NFD)', key: 'cafe\u0301' },
  { name: 'zero-width joiner and BOM', key: 'a\u200db\ufeffc' },
  { name: 'a leading slash', key: '/leading' },
  { name: 'a double slash', key: 'a//b' },
  { name: 'a trailing slash', key: 'dir/' },
  { name: 'dot segments (not normalised)', key: 'a/./b/../c', sdk: false },
  { name: 'tab and newline', key: 'line1\nline2\tend' },
  { name: 'carriage return', key: 'a\rb' },
  { name: 'control characters U+0001 and DEL', key: 'x\u0001y\u007fz' },
  { name: 'only spaces', key: '   ' },
  { name: 'a literal %2F (not a slash)', key: 'a%2Fb' },
  { name: 'U+FFFD and a noncharacter-free private-use char', key: '\ufffd\ue000' },
];

/** Keys of a bucket from ListObjectsV2 with encoding-type=url, decoded. */
async function listKeys(ctx: Ctx, b: string, query = ''): Promise<string[]> {
  const res = await ctx.raw({ method: 'GET', path: `/${b}?list-type=2&encoding-type=url${query}` });
  assertOk(res, 200, 'ListObjectsV2');
  assert.equal(xmlText(res.text, 'EncodingType'), 'url');
  return xmlAll(res.text, 'Key').map((k) => decodeURIComponent(k));
}

function roundTrip(r: Row): Case {
  return {
    name: `key with ${r.name}: PUT, GET, HEAD and ListObjectsV2 (encoding-type=url) round-trip${r.sdk === false ? '' : ', also through the SDK'}`,
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('uk');
      const path = objectPath(b, r.key);
      assertOk(await ctx.raw({ method: 'PUT', path, body: DATA }), 200, 'PUT');
      const got = await ctx.raw({ method: 'GET', path });
      assertOk(got, 200, 'GET');
      assert.ok(got.body.equals(DATA));
      assert.equal((await ctx.raw({ method: 'HEAD', path })).headers['content-length'], String(DATA.length));
      assert.deepEqual(await listKeys(ctx, b), [r.key]);
      if (r.sdk === false) return;
      const k2 = `${r.key}.sdk`;
      await ctx.s3.send(new PutObjectCommand({ Bucket: b, Key: k2, Body: DATA }));
      const out = await ctx.s3.send(new GetObjectCommand({ Bucket: b, Key: k2 }));
      assert.ok((await bodyBytes(out.Body)).equals(DATA));
      assert.equal((await ctx.s3.send(new HeadObjectCommand({ Bucket: b, Key: r.key }))).ContentLength, DATA.length);
      assert.deepEqual((await listKeys(ctx, b)).sort(), [r.key, k2].sort());
    },
  };
}

/** UTF-8 byte order of strings (what S3 listings use). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const special: Case[] = [
  {
    name: 'a key of exactly 1024 bytes is accepted',
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('uk-1024');
      const key = 'k'.repeat(1024);
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, key), body: DATA }));
      assert.deepEqual(await listKeys(ctx, b), [key]);
    },
  },
  {
    name: 'a key of 1025 bytes: 400 KeyTooLongError',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('uk-1025');
      assertError(await ctx.raw({ method: 'PUT', path: objectPath(b, 'k'.repeat(1025)), body: DATA }), 400, 'KeyTooLongError');
    },
  },
  {
    name: 'the limit counts UTF-8 bytes: 341 three-byte characters + 1 byte = 1024 accepted, one more byte refused',
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('uk-bytes');
      const ok = '€'.repeat(341) + 'a';
      assert.equal(Buffer.byteLength(ok), 1024);
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, ok), body: DATA }));
      assertError(await ctx.raw({ method: 'PUT', path: objectPath(b, ok + 'b'), body: DATA }), 400, 'KeyTooLongError');
    },
  },
  {
    name: 'NFC "café" and NFD "cafe\\u0301" are two different keys (no Unicode normalisation)',
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('uk-nfc');
      const nfc = 'caf\u00e9';
      const nfd = 'cafe\u0301';
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, nfc), body: 'nfc' }));
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, nfd), body: 'nfd' }));
      assert.equal((await ctx.raw({ method: 'GET', path: objectPath(b, nfc) })).text, 'nfc');
      assert.equal((await ctx.raw({ method: 'GET', path: objectPath(b, nfd) })).text, 'nfd');
      assert.deepEqual(await listKeys(ctx, b), [nfd, nfc].sort(byteOrder));
    },
  },
  {
    name: 'listing is in UTF-8 byte order, not UTF-16 order (U+FFFD sorts before an emoji)',
    ref: LIST_V2,
    async run(ctx) {
      const b = await ctx.bucket('uk-order');
      const keys = ['😀', '\ufffd', '日', 'é', 'b', 'a', 'Z', '~'];
      for (const k of keys) assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, k), body: DATA }));
      const want = [...keys].sort(byteOrder);
      assert.deepEqual(want, ['Z', 'a', 'b', '~', 'é', '日', '\ufffd', '😀']);
      assert.deepEqual(await listKeys(ctx, b), want);
    },
  },
  {
    name: 'a multi-byte delimiter (→) rolls keys up into common prefixes',
    ref: LIST_V2,
    async run(ctx) {
      const b = await ctx.bucket('uk-delim');
      for (const k of ['x→y→1', 'x→y→2', 'x→w', 'q']) assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, k), body: DATA }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}?list-type=2&encoding-type=url&prefix=${encodeURIComponent('x→')}&delimiter=${encodeURIComponent('→')}` });
      assertOk(res);
      assert.deepEqual(xmlAll(res.text, 'Key').map(decodeURIComponent), ['x→w']);
      const prefixes = xmlAll(res.text, 'CommonPrefixes').map((p) => decodeURIComponent(xmlText(p, 'Prefix') ?? ''));
      assert.deepEqual(prefixes, ['x→y→']);
    },
  },
  {
    name: 'encoding-type=url writes a space as %20, + as %2B and keeps /',
    ref: 'shared/spec/s3-surface.md §4.1',
    async run(ctx) {
      const b = await ctx.bucket('uk-enc');
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'a b+c/ü'), body: DATA }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}?list-type=2&encoding-type=url` });
      assert.deepEqual(xmlAll(res.text, 'Key'), ['a%20b%2Bc/%C3%BC']);
    },
  },
  {
    name: 'without encoding-type a carriage return in a key is written as &#13; (an XML parser would turn a raw CR into LF)',
    ref: 'shared/spec/s3-surface.md §4.1',
    async run(ctx) {
      const b = await ctx.bucket('uk-cr');
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'a\rb'), body: DATA }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}?list-type=2` });
      assertOk(res);
      assert.match(res.text, /<Key>a&#13;b<\/Key>/);
    },
  },
  {
    name: 'without encoding-type XML specials in keys are escaped (&lt; &amp;)',
    ref: LIST_V2,
    async run(ctx) {
      const b = await ctx.bucket('uk-xmlesc');
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, 'a<b&c'), body: DATA }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}?list-type=2` });
      assert.match(res.text, /<Key>a&lt;b&amp;c<\/Key>/);
    },
  },
  {
    name: 'dot-segment keys "." , ".." and "a/../b" are stored as sent (the path is not normalised)',
    ref: 'shared/spec/s3-surface.md §2',
    async run(ctx) {
      const b = await ctx.bucket('uk-dots');
      for (const k of ['.', '..', 'a/../b']) assertOk(await ctx.raw({ method: 'PUT', path: `/${b}/${k}`, body: k }), 200, `PUT ${k}`);
      assert.deepEqual(await listKeys(ctx, b), ['.', '..', 'a/../b']);
      assert.equal((await ctx.raw({ method: 'GET', path: `/${b}/a/../b` })).text, 'a/../b');
      assert.equal((await ctx.raw({ method: 'HEAD', path: `/${b}/b` })).status, 404);
    },
  },
  {
    name: 'a path that is not valid percent-encoded UTF-8 (%FF): 400 InvalidURI',
    ref: ERRORS,
    async run(ctx) {
      const b = await ctx.bucket('uk-baduri');
      // Signed by lib/sign.ts: it takes the path as sent (aws4 would try to decode it).
      assertError(await sendV4(ctx, { method: 'PUT', path: `/${b}/bad%FFkey`, body: DATA }), 400, 'InvalidURI');
    },
  },
  {
    name: 'CopyObject from a key with spaces, unicode and + (URL-encoded x-amz-copy-source)',
    ref: COPY,
    async run(ctx) {
      const b = await ctx.bucket('uk-copy');
      const src = 'src dir/ünï+côde ✓.txt';
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, src), body: DATA }));
      await ctx.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst ✓', CopySource: `${b}/${encodeURIComponent(src)}` }));
      assert.ok((await ctx.raw({ method: 'GET', path: objectPath(b, 'dst ✓') })).body.equals(DATA));
    },
  },
  {
    name: 'multipart upload of a unicode key: ListMultipartUploads (encoding-type=url) names it, Complete stores it',
    ref: UPLOADS,
    async run(ctx) {
      const b = await ctx.bucket('uk-mpu');
      const key = 'uploads/日本 #1?.bin';
      const up = await ctx.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }));
      const list = await ctx.raw({ method: 'GET', path: `/${b}?uploads&encoding-type=url` });
      assertOk(list);
      assert.deepEqual(xmlAll(list.text, 'Key').map(decodeURIComponent), [key]);
      const part = await ctx.s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: up.UploadId, PartNumber: 1, Body: DATA }));
      await ctx.s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] } }));
      assert.deepEqual(await listKeys(ctx, b), [key]);
    },
  },
  {
    name: 'DeleteObjects with XML-special and unicode keys in the body deletes exactly those',
    ref: DELETE_OBJECTS,
    async run(ctx) {
      const b = await ctx.bucket('uk-delxml');
      const keys = ['<a & "b">', 'ü/ö\'', 'keep me'];
      for (const k of keys) assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, k), body: DATA }));
      const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
      const xml = `<Delete>${keys.slice(0, 2).map((k) => `<Object><Key>${esc(k)}</Key></Object>`).join('')}</Delete>`;
      const res = await ctx.raw({ method: 'POST', path: `/${b}?delete`, body: xml, headers: { 'content-type': 'application/xml' } });
      assertOk(res);
      assert.deepEqual(xmlAll(res.text, 'Key').sort(), keys.slice(0, 2).sort());
      assert.deepEqual(await listKeys(ctx, b), ['keep me']);
    },
  },
  {
    name: 'presigned GET of a key with spaces and unicode (SDK presigner)',
    ref: KEYS,
    async run(ctx) {
      const b = await ctx.bucket('uk-presign');
      const key = 'presigned dir/ça va? ✓ (1).txt';
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, key), body: DATA }));
      const url = new URL(await getSignedUrl(ctx.s3, new GetObjectCommand({ Bucket: b, Key: key }), { expiresIn: 300 }));
      const res = await ctx.raw({ method: 'GET', path: url.pathname + url.search, sign: 'none' });
      assertOk(res);
      assert.ok(res.body.equals(DATA));
    },
  },
  {
    name: 'ListObjectVersions with encoding-type=url names unicode keys exactly',
    ref: VERSIONS,
    async run(ctx) {
      const b = await ctx.bucket('uk-vers');
      const key = 'ver/ß & 😀';
      assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, key), body: DATA }));
      const res = await ctx.raw({ method: 'GET', path: `/${b}?versions&encoding-type=url` });
      assertOk(res);
      assert.deepEqual(xmlAll(res.text, 'Key').map(decodeURIComponent), [key]);
    },
  },
  {
    name: 'a unicode prefix and start-after select by bytes',
    ref: LIST_V2,
    async run(ctx) {
      const b = await ctx.bucket('uk-prefix');
      for (const k of ['é/1', 'é/2', 'é/3', 'e/1']) assertOk(await ctx.raw({ method: 'PUT', path: objectPath(b, k), body: DATA }));
      assert.deepEqual(await listKeys(ctx, b, `&prefix=${encodeURIComponent('é/')}&start-after=${encodeURIComponent('é/1')}`), ['é/2', 'é/3']);
    },
  },
];

export const cases: Case[] = [...ROWS.map(roundTrip), ...special];
