/**
 * Property-based fuzz of the headers and query values S3 parses (issue #4; project rule "bad input
 * gets a clear error and loses nothing"): Range, If-* dates and ETags, x-amz-copy-source(-range)
 * and its conditions, x-amz-checksum-* / x-amz-sdk-checksum-algorithm / Content-MD5,
 * x-amz-tagging, x-amz-meta-* with odd bytes, x-amz-object-attributes, x-amz-mp-object-size, and
 * partNumber / uploadId / versionId / max-keys / continuation-token / marker / encoding-type and the
 * other listing parameters — values drawn from the edge of each grammar (empty, negative, huge,
 * fractional, hex, whitespace, lists, non-ASCII, percent-encoded bytes), SigV4-signed and sent
 * through `fastify.inject`. Each answer is a 4xx with a catalog code (or 2xx/3xx when the value
 * happened to be valid), never a 5xx; a write that was refused stored nothing.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { presignV4, uriEncode } from '../../../conformance/lib/sign.js';
import { FC_PARAMS, RUNS, fuzzer, refused, type Fuzzer, type FuzzRequest } from './harness.js';

const B = 'fz-h';
const BODY = 'hello world 0123456789';

/** Numbers where integer parsing breaks. */
const ODD_NUMS = ['', ' ', '0', '1', '-1', '-0', '+1', '01', '1.0', '1.5', '1e3', '0x10', 'NaN', 'Infinity', '2147483647', '2147483648', '4294967296',
  '9007199254740991', '9007199254740993', '99999999999999999999999', '-99999999999999999999', '10000', '10001', '1000', '1001', ' 5', '5 ', '５', '1,2', 'abc'];
const num = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ODD_NUMS) }, { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) });
/** Printable Latin-1 (what can travel in an HTTP header value). */
const latin1 = (max: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0x20, max: 0xff }), { maxLength: max }).map((a) => String.fromCharCode(...a.filter((c) => c !== 0x7f)));
const oddText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', ' ', 'null', 'undefined', '*', '%', '%zz', '%00', '%2F', '/', '../', '?', '&', '=', ',', ';', '"', "'", '\\', 'ä', 'é', 'x'.repeat(1100), 'x'.repeat(9000)) },
  { weight: 2, arbitrary: latin1(40) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const DATES = ['', 'Thu, 01 Jan 1970 00:00:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT', 'Mon, 32 Jan 2024 00:00:00 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT',
  'Sun Nov  6 08:49:37 1994', '2024-01-01T00:00:00Z', '2024-01-01', '0', '-1', '1e20', 'Thu, 01 Jan 1970 00:00:00 PST', 'Wed, 31 Dec 1969 23:59:59 GMT', 'garbage', '275760-09-13', 'Sat, 01 Jan 0000 00:00:00 GMT'];
const date = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...DATES) }, { weight: 1, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()) }, { weight: 1, arbitrary: latin1(30) });
const etag = fc.oneof(fc.constantFrom('*', '"x"', 'W/"x"', '""', '"', '*, "x"', '"a", "b"', 'x', '"d41d8cd98f00b204e9800998ecf8427e"', ' , ', '"' + 'a'.repeat(500) + '"'), latin1(40));
const range = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('bytes=', 'bytes =', 'Bytes=', 'items=', 'bytes=-', ''), num, fc.constantFrom('-', '', '--', ' - '), num, fc.constantFrom('', ',0-1', ', 3-4', ',', ',-5'))
    .map(([u, a, d, b, more]) => `${u}${a}${d}${b}${more}`) },
  { weight: 1, arbitrary: fc.constantFrom('bytes=0-', 'bytes=-0', 'bytes=-1', 'bytes=0-0', 'bytes=21-21', 'bytes=22-', 'bytes=100-200', 'bytes=5-1', 'bytes=', 'bytes=-', '=0-1', 'bytes=0-1,2-3') },
  { weight: 1, arbitrary: latin1(30) },
);
const base64ish = fc.oneof(
  fc.constantFrom('', '=', '====', 'AAAA', 'AAAAAA==', 'AAAAAAAAAAA=', 'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', '!!!!', 'AA==AA==', ' AAAAAA== ', 'AAAAAA', 'xxxx'.repeat(100)),
  fc.uint8Array({ maxLength: 70 }).map((b) => Buffer.from(b).toString('base64')),
  latin1(20),
);
const CHECKSUM_HEADERS = ['x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-crc64nvme', 'x-amz-checksum-sha1', 'x-amz-checksum-sha256', 'x-amz-checksum-sha512', 'x-amz-checksum-md5', 'x-amz-checksum-foo'];
const ALGOS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256', 'crc32', 'MD5', 'SHA512', '', 'NONE', 'x'];
const tagging = fc.oneof(fc.constantFrom('', 'a', 'a=', '=b', 'a=b&a=c', 'a=b&', '&', '%zz=1', 'a=%E2%82', 'k='.concat('v'.repeat(300)), Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&'), 'aws:x=1', 'a+b=c+d', '%00=1'), latin1(40));
const objectAttributes = fc.array(fc.oneof(fc.constantFrom('ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize', 'etag', '', ' ', 'Foo'), latin1(8)), { maxLength: 6 }).map((a) => a.join(fc.sample(fc.constantFrom(',', ', ', ' , ', ';'), 1)[0]));

/** A query value, percent-encoded for the wire (valid encoding: the signer decodes it). */
const qv = fc.oneof({ weight: 2, arbitrary: num }, { weight: 2, arbitrary: oddText }).map((v) => uriEncode(v));

interface World {
  versionId: string;
  uploadId: string;
  etag: string;
}

/** Optional headers drawn from a table of generators. */
function someHeaders(gens: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Record<string, string>> {
  const names = Object.keys(gens);
  return fc.subarray(names, { minLength: 1, maxLength: 4 }).chain((chosen) =>
    fc.tuple(...chosen.map((n) => gens[n]!)).map((vals) => Object.fromEntries(chosen.map((n, i) => [n, vals[i]!]))));
}

/** Optional query parameters: a name present, valueless, or with a fuzzed value. */
function someQuery(names: string[]): fc.Arbitrary<string> {
  return fc.subarray(names, { minLength: 1, maxLength: names.length }).chain((chosen) =>
    fc.tuple(...chosen.map(() => fc.option(qv, { freq: 6 }))).map((vals) => chosen.map((n, i) => (vals[i] === null ? n : `${n}=${vals[i]}`)).join('&')));
}

const conditionHeaders = { 'if-modified-since': date, 'if-unmodified-since': date, 'if-match': etag, 'if-none-match': etag };

let run = 0;

interface Op {
  name: string;
  arb(w: World): fc.Arbitrary<FuzzRequest>;
  /** A write: after a refusal, `key` must not exist. */
  writes?: (r: FuzzRequest) => string;
  /** Send as a SigV4 presigned URL (the query's x-amz-* parameters are hoisted into headers). */
  presign?: boolean;
  /** Each run gets a fresh upload of two parts on `key`: UPLOADID, ETAG1 and ETAG2 in the path and body are replaced. */
  fresh?: boolean;
}

const OPS: Op[] = [
  {
    name: 'GetObject/HeadObject (Range, If-*, partNumber, versionId, response-*)',
    arb: (w) => fc.record({
      method: fc.constantFrom('GET', 'HEAD'),
      headers: someHeaders({ range, ...conditionHeaders }),
      q: fc.option(someQuery(['partNumber', 'versionId', 'response-content-type', 'response-expires', 'response-cache-control', 'response-content-disposition']), { freq: 2 }),
      realVersion: fc.boolean(),
      key: fc.constantFrom('obj', 'mobj'),
    }).map(({ method, headers, q, realVersion, key }) => ({ method, path: `/${B}/${key}${q ? `?${q}` : realVersion && key === 'obj' ? `?versionId=${encodeURIComponent(w.versionId)}` : ''}`, headers })),
  },
  {
    name: 'PutObject (checksums, Content-MD5, tagging, metadata, storage class)',
    arb: () => fc.record({
      headers: someHeaders({
        'content-md5': base64ish, 'x-amz-sdk-checksum-algorithm': fc.constantFrom(...ALGOS), 'x-amz-checksum-algorithm': fc.constantFrom(...ALGOS), 'x-amz-tagging': tagging,
        'x-amz-meta-a': latin1(30), 'x-amz-meta-a_b.c~!#': latin1(5), 'x-amz-storage-class': fc.constantFrom('STANDARD', 'GLACIER', 'x', ''), 'if-none-match': etag, 'if-match': etag,
        'x-amz-website-redirect-location': oddText, expires: date, 'x-amz-object-lock-retain-until-date': date, 'x-amz-object-lock-mode': oddText,
        'x-amz-grant-read': oddText, 'x-amz-acl': fc.constantFrom('private', 'public-read', 'x', ''), 'cache-control': latin1(20), 'content-type': latin1(30),
      }),
      checksum: fc.option(fc.tuple(fc.constantFrom(...CHECKSUM_HEADERS), base64ish)),
    }).map(({ headers, checksum }) => {
      const h = { ...headers, ...(checksum ? { [checksum[0]]: checksum[1] } : {}) };
      return { method: 'PUT', path: `/${B}/put-${++run}`, headers: h, body: BODY, noMd5: true };
    }),
    writes: (r) => r.path,
  },
  {
    name: 'presigned PutObject (x-amz-* headers hoisted into the query: metadata, tagging, ACL, redirect)',
    presign: true,
    arb: () => fc.array(fc.tuple(
      fc.oneof(fc.constantFrom('x-amz-meta-a', 'x-amz-meta-b_c', 'x-amz-tagging', 'x-amz-acl', 'x-amz-storage-class', 'x-amz-website-redirect-location', 'x-amz-grant-read', 'x-amz-meta-',
        'x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm', 'x-amz-server-side-encryption', 'x-amz-object-lock-mode', 'x-amz-meta-%C3%BC', 'x-amz-meta-a%20b', 'X-Amz-Meta-Up'), oddText.map((v) => `x-amz-meta-${uriEncode(v)}`)),
      qv,
    ), { minLength: 1, maxLength: 4 }).map((params) => ({ method: 'PUT', path: `/${B}/presigned-${++run}?${params.map(([k, v]) => `${k}=${v}`).join('&')}`, body: BODY, noMd5: true })),
    writes: (r) => r.path,
  },
  {
    name: 'CopyObject (x-amz-copy-source and its conditions, directives)',
    arb: (w) => fc.record({
      source: fc.oneof(
        fc.constantFrom(`/${B}/obj`, `${B}/obj`, `/${B}/obj?versionId=${encodeURIComponent(w.versionId)}`, `/${B}/obj?versionId=`, `/${B}/obj?versionId=null`, `/${B}/obj?versionId=zzz`,
          `/${B}/obj?partNumber=1`, `/${B}`, `/${B}/`, '/', '', `/${B}/nope`, `/nosuch-bkt/obj`, `arn:aws:s3:::${B}/object/obj`, `arn:aws:s3:us-east-1:123:accesspoint/x/object/obj`,
          `/${B}/%6Fbj`, `/${B}/%zz`, `/${B}/%`, `/${B}/obj%00`, `/${B}/obj?versionId=${encodeURIComponent(w.versionId)}&x=1`, `/${B}/${'o'.repeat(1100)}`),
        latin1(40).map((s) => `/${B}/${s}`),
      ),
      headers: someHeaders({
        'x-amz-copy-source-if-match': etag, 'x-amz-copy-source-if-none-match': etag, 'x-amz-copy-source-if-modified-since': date, 'x-amz-copy-source-if-unmodified-since': date,
        'x-amz-metadata-directive': fc.constantFrom('COPY', 'REPLACE', 'copy', '', 'X'), 'x-amz-tagging-directive': fc.constantFrom('COPY', 'REPLACE', '', 'X'), 'x-amz-tagging': tagging,
        'x-amz-copy-source-range': range, 'x-amz-checksum-algorithm': fc.constantFrom(...ALGOS), 'x-amz-meta-b': latin1(20),
      }),
      self: fc.boolean(),
    }).map(({ source, headers, self }) => ({ method: 'PUT', path: self ? `/${B}/obj-self` : `/${B}/copy-${++run}`, headers: { ...headers, 'x-amz-copy-source': source } })),
    writes: (r) => (r.path.endsWith('obj-self') ? '' : r.path),
  },
  {
    name: 'UploadPart / UploadPartCopy (partNumber, uploadId, copy-source-range, checksums)',
    arb: (w) => fc.record({
      partNumber: fc.oneof({ weight: 2, arbitrary: qv }, { weight: 1, arbitrary: fc.constant('1') }),
      uploadId: fc.oneof({ weight: 2, arbitrary: fc.constant(encodeURIComponent(w.uploadId)) }, { weight: 1, arbitrary: qv }),
      copy: fc.boolean(),
      headers: someHeaders({ 'x-amz-copy-source-range': range, 'content-md5': base64ish, 'x-amz-checksum-crc32': base64ish, 'x-amz-sdk-checksum-algorithm': fc.constantFrom(...ALGOS), 'x-amz-copy-source-if-match': etag }),
      source: fc.constantFrom('obj', 'mobj', 'mobj?partNumber=2'),
    }).map(({ partNumber, uploadId, copy, headers, source }) => ({
      method: 'PUT', path: `/${B}/mpu?partNumber=${partNumber}&uploadId=${uploadId}`, noMd5: true,
      headers: copy ? { ...headers, 'x-amz-copy-source': `/${B}/${source}` } : headers, body: copy ? undefined : BODY,
    })),
  },
  {
    name: 'GetObjectAttributes (x-amz-object-attributes, max-parts, part-number-marker)',
    arb: () => fc.record({
      headers: someHeaders({ 'x-amz-object-attributes': objectAttributes, 'x-amz-max-parts': num, 'x-amz-part-number-marker': num, ...conditionHeaders }),
      attrs: objectAttributes,
    }).map(({ headers, attrs }) => ({ method: 'GET', path: `/${B}/obj?attributes`, headers: { 'x-amz-object-attributes': attrs, ...headers } })),
  },
  {
    name: 'Listings (max-keys, continuation-token, marker, encoding-type, uploads, versions, parts)',
    arb: (w) => fc.oneof(
      someQuery(['max-keys', 'continuation-token', 'start-after', 'encoding-type', 'delimiter', 'prefix', 'fetch-owner']).map((q) => `/${B}?list-type=2&${q}`),
      someQuery(['max-keys', 'marker', 'encoding-type', 'delimiter', 'prefix']).map((q) => `/${B}?${q}`),
      someQuery(['max-keys', 'key-marker', 'version-id-marker', 'encoding-type', 'delimiter', 'prefix']).map((q) => `/${B}?versions&${q}`),
      someQuery(['max-uploads', 'key-marker', 'upload-id-marker', 'encoding-type', 'delimiter', 'prefix']).map((q) => `/${B}?uploads&${q}`),
      someQuery(['max-parts', 'part-number-marker', 'encoding-type']).map((q) => `/${B}/mpu?uploadId=${encodeURIComponent(w.uploadId)}&${q}`),
      someQuery(['max-buckets', 'continuation-token', 'prefix', 'bucket-region']).map((q) => `/?${q}`),
      fc.tuple(fc.constantFrom('list-type', 'x-id', 'uploadId'), qv).map(([k, v]) => `/${B}?${k}=${v}`),
      // Continuation tokens of the gateway's own shape (base64url JSON) with odd members.
      fc.tuple(fc.record({ v: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })), k: fc.oneof(oddText, fc.constantFrom('obj', 'mobj', '\uFFFF', '\u0000', 'z'.repeat(5000), '')), p: fc.constantFrom(0, 1, 2, '1', null) }),
        fc.option(someQuery(['max-keys', 'delimiter', 'prefix', 'start-after', 'encoding-type', 'fetch-owner'])))
        .map(([tok, q]) => `/${B}?list-type=2&continuation-token=${Buffer.from(JSON.stringify(tok)).toString('base64url')}${q ? `&${q}` : ''}`),
    ).map((path) => ({ method: 'GET', path })),
  },
  {
    name: 'CompleteMultipartUpload (x-amz-mp-object-size, x-amz-checksum-type, checksums, If-*)',
    fresh: true,
    arb: () => fc.record({
      headers: someHeaders({
        'x-amz-mp-object-size': num, 'x-amz-checksum-type': fc.constantFrom('COMPOSITE', 'FULL_OBJECT', 'composite', '', 'X'), 'x-amz-checksum-crc32': base64ish,
        'x-amz-checksum-sha256': base64ish, 'if-none-match': etag, 'if-match': etag, 'x-amz-sdk-checksum-algorithm': fc.constantFrom(...ALGOS),
      }),
    }).map(({ headers }) => ({
      method: 'POST', path: `/${B}/cmpl-${++run}?uploadId=UPLOADID`, headers,
      body: '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>ETAG1</ETag></Part><Part><PartNumber>2</PartNumber><ETag>ETAG2</ETag></Part></CompleteMultipartUpload>',
    })),
    writes: (r) => r.path,
  },
  {
    name: 'any operation with odd values in any S3 request header',
    arb: () => fc.record({
      op: fc.constantFrom<[string, string, string | undefined]>(['GET', 'obj', undefined], ['HEAD', 'obj', undefined], ['PUT', 'any-KEY', BODY], ['HEAD', '', undefined], ['GET', '?acl', undefined],
        ['GET', 'obj?acl', undefined], ['PUT', 'obj?tagging', '<Tagging><TagSet/></Tagging>'], ['POST', 'up-KEY?uploads', undefined], ['GET', '?list-type=2', undefined], ['GET', '?versions', undefined],
        ['DELETE', 'del-KEY', undefined], ['PUT', 'copy-KEY', undefined], ['GET', 'obj?attributes', undefined], ['PUT', 'obj?acl', undefined], ['PUT', 'bkt-KEY', undefined], ['GET', '', undefined]),
      headers: fc.array(fc.tuple(fc.constantFrom(
        'x-amz-expected-bucket-owner', 'x-amz-source-expected-bucket-owner', 'x-amz-request-payer', 'x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id',
        'x-amz-server-side-encryption-customer-algorithm', 'x-amz-server-side-encryption-customer-key', 'x-amz-server-side-encryption-customer-key-md5', 'x-amz-server-side-encryption-bucket-key-enabled',
        'x-amz-bucket-object-lock-enabled', 'x-amz-object-ownership', 'x-amz-acl', 'x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-full-control', 'x-amz-grant-read-acp', 'x-amz-write-offset-bytes',
        'x-amz-bypass-governance-retention', 'x-amz-mfa', 'x-amz-optional-object-attributes', 'x-amz-checksum-mode', 'x-amz-tagging-directive', 'x-amz-metadata-directive', 'content-type',
        'content-encoding', 'content-language', 'content-disposition', 'cache-control', 'expires', 'x-amz-storage-class', 'x-amz-if-match-initiated-time', 'x-amz-if-match-size',
        'x-amz-if-match-last-modified-time', 'if-match', 'if-none-match', 'if-modified-since', 'range', 'x-amz-copy-source', 'x-amz-object-attributes', 'x-amz-max-parts', 'x-amz-tagging',
        'x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold', 'x-amz-website-redirect-location', 'x-amz-checksum-algorithm', 'x-amz-checksum-type',
        'x-amz-sdk-checksum-algorithm', 'x-amz-checksum-sha256', 'content-md5', 'x-amz-meta-x', 'x-amz-grant-write-acp', 'x-amz-copy-source-range', 'x-amz-mp-object-size', 'x-amz-part-number-marker',
      ), fc.oneof(oddText, num, date, etag, base64ish, fc.constantFrom('true', 'false', 'GLACIER', 'AES256', 'aws:kms', 'COMPOSITE', 'FULL_OBJECT', 'ENABLED', 'REPLACE', 'COPY', 'ON', 'GOVERNANCE', 'private', 'public-read-write', 'id="x"', 'uri="http://acs.amazonaws.com/groups/global/AllUsers"', 'emailAddress="a@b"', `/${B}/obj`, 'BucketOwnerEnforced', 'requester', '123456789012'))), { minLength: 1, maxLength: 5 }),
    }).map(({ op, headers }) => {
      const [method, target, body] = op;
      const path = target.startsWith('bkt-') ? `/fz-hb-${++run}` : `/${B}${target === '' || target.startsWith('?') ? '' : '/'}${target.replace('KEY', String(++run))}`;
      return { method, path, headers: Object.fromEntries(headers), body, noMd5: true };
    }),
  },
  {
    name: 'DeleteObject / AbortMultipartUpload (versionId, uploadId, If-Match)',
    arb: () => fc.record({
      q: fc.oneof(qv.map((v) => `versionId=${v}`), qv.map((v) => `uploadId=${v}`)),
      headers: fc.option(someHeaders({ 'if-match': etag, 'x-amz-if-match-size': num, 'x-amz-if-match-last-modified-time': date, 'x-amz-bypass-governance-retention': oddText })),
    }).map(({ q, headers }) => ({ method: 'DELETE', path: `/${B}/victim?${q}`, headers: headers ?? {} })),
  },
];

async function prepare(f: Fuzzer): Promise<World> {
  await f.send({ method: 'PUT', path: `/${B}` });
  await f.send({ method: 'PUT', path: `/${B}?versioning`, body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  const put = await f.send({ method: 'PUT', path: `/${B}/obj`, body: BODY });
  await f.send({ method: 'PUT', path: `/${B}/victim`, body: 'v' });
  // A two-part object (parts 'hello', 'world'), for partNumber reads and part copies.
  const m = await f.send({ method: 'POST', path: `/${B}/mobj?uploads` });
  const mid = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec(m.text)![1]!);
  const e1 = String((await f.send({ method: 'PUT', path: `/${B}/mobj?partNumber=1&uploadId=${mid}`, body: 'hello' })).headers.etag);
  const e2 = String((await f.send({ method: 'PUT', path: `/${B}/mobj?partNumber=2&uploadId=${mid}`, body: 'world' })).headers.etag);
  const done = await f.send({ method: 'POST', path: `/${B}/mobj?uploadId=${mid}`, body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${e1}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>${e2}</ETag></Part></CompleteMultipartUpload>` });
  if (done.status !== 200) throw new Error(`Complete mobj: ${done.status} ${done.text}`);
  const init = await f.send({ method: 'POST', path: `/${B}/mpu?uploads` });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)?.[1] ?? '';
  return { versionId: String(put.headers['x-amz-version-id']), uploadId, etag: String(put.headers.etag) };
}

for (const op of OPS) {
  test(`fuzzed ${op.name}: a 4xx with an AWS code or a 2xx/3xx, never a 5xx`, async (t) => {
    const f = await fuzzer(t);
    const w = await prepare(f);
    await fc.assert(fc.asyncProperty(op.arb(w), async (generated) => {
      let r = generated;
      if (op.fresh) {
        const key = r.path.slice(0, r.path.indexOf('?'));
        const init = await f.send({ method: 'POST', path: `${key}?uploads` });
        const uploadId = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec(init.text)![1]!);
        const e1 = String((await f.send({ method: 'PUT', path: `${key}?partNumber=1&uploadId=${uploadId}`, body: 'hello' })).headers.etag);
        const e2 = String((await f.send({ method: 'PUT', path: `${key}?partNumber=2&uploadId=${uploadId}`, body: 'world' })).headers.etag);
        r = { ...r, path: r.path.replace('UPLOADID', uploadId), body: String(r.body).replace('ETAG1', e1).replace('ETAG2', e2) };
      }
      if (op.presign) {
        const keys = { accessKeyId: f.gw.accessKey, secretAccessKey: f.gw.secretKey };
        r = { ...r, anonymous: true, path: presignV4({ method: r.method, path: r.path, host: 'localhost', keys, region: f.gw.region, date: new Date(), expires: 600 }) };
      }
      const a = await f.check(r, op.name);
      const key = op.writes?.(r);
      if (key && refused(a)) {
        const head = await f.send({ method: 'HEAD', path: key.split('?')[0]! });
        if (head.status !== 404) throw new Error(`refused write (${a.status} ${a.code}) left an object at ${key}: HEAD ${head.status}`);
      } else if (key) {
        // What was written reads back (metadata, tags, checksums in the answer headers).
        const path = key.split('?')[0]!;
        for (const method of ['HEAD', 'GET']) await f.check({ method, path, headers: { 'x-amz-checksum-mode': 'ENABLED' } }, `${method} after ${op.name}`);
        await f.check({ method: 'GET', path: `${path}?tagging` }, `GetObjectTagging after ${op.name}`);
        await f.check({ method: 'GET', path: `${path}?attributes`, headers: { 'x-amz-object-attributes': 'ETag,Checksum,ObjectParts,StorageClass,ObjectSize' } }, `GetObjectAttributes after ${op.name}`);
        await f.check({ method: 'PUT', path: `${path}-copy`, headers: { 'x-amz-copy-source': path } }, `CopyObject after ${op.name}`);
      }
    }), FC_PARAMS);
    const seen = f.outcomes();
    if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...seen].sort((a, b) => b[1] - a[1])));
    // Not vacuous: the requests got past authentication (the fuzzed part reached the parser).
    const authFailures = [...seen].filter(([k]) => /SignatureDoesNotMatch|AuthorizationHeaderMalformed|InvalidAccessKeyId/.test(k)).reduce((n, [, c]) => n + c, 0);
    if (authFailures > RUNS / 10) throw new Error(`${authFailures} of ${RUNS} requests failed authentication: ${JSON.stringify([...seen])}`);
    const obj = await f.send({ method: 'GET', path: `/${B}/obj` });
    if (obj.status !== 200 || obj.text !== BODY) throw new Error(`obj changed: ${obj.status} ${obj.text.slice(0, 100)}`);
    await f.alive(B);
  });
}
