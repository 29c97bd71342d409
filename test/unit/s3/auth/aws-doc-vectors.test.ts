// Worked examples from the AWS S3 API reference, used as independent oracles:
// - "Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk"
//   (GET Object with Range, PUT Object, GET Bucket Lifecycle, Get Bucket (List Objects));
// - "Authenticating Requests: Using Query Parameters" (presigned GET);
// - "… Transferring Payload in Multiple Chunks" (seed, chunk signatures);
// - "… Including Trailing Headers" (trailer signature; values as also used by minio-go's tests);
// - "Signing and Authenticating REST Requests" (SigV2 examples).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  authenticate, awsChunkedOptions, canonicalRequest, createAwsChunkedDecoder, deriveSigningKey, PayloadHashCheck,
} from '../../../../src/s3/auth/index.js';
import type { SignableRequest } from '../../../../src/s3/auth/index.js';
import { parseTrailer } from '../../../../src/s3/auth/aws-chunked-trailer.js';

const AK = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const T0 = Date.UTC(2013, 4, 24);
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const opts = (now: number) => ({ lookupSecret: async (ak: string) => (ak === AK ? { secret: SECRET } : undefined), now: () => now });
const authz = (signed: string, sig: string) =>
  `AWS4-HMAC-SHA256 Credential=${AK}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${sig}`;

test('SigV4 doc example: GET Object with Range', async () => {
  const req: SignableRequest = {
    method: 'GET', url: '/test.txt',
    headers: {
      host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY, 'x-amz-date': '20130524T000000Z',
      authorization: authz('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
    },
  };
  const auth = await authenticate(req, opts(T0));
  assert.equal(auth.kind, 'signed');
  // The doc also prints the canonical request: check ours byte for byte.
  assert.equal(canonicalRequest({ method: 'GET', rawPath: '/test.txt', rawQuery: '', headers: req.headers,
    signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'], payloadHash: EMPTY }),
  `GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:${EMPTY}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY}`);
});

test('SigV4 doc example: PUT Object (test$file.text, Date + x-amz-storage-class signed)', async () => {
  const body = Buffer.from('Welcome to Amazon S3.');
  const hash = '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072';
  const req: SignableRequest = {
    method: 'PUT', url: '/test%24file.text',
    headers: {
      host: 'examplebucket.s3.amazonaws.com', date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'x-amz-content-sha256': hash,
      authorization: authz('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
    },
  };
  const auth = await authenticate(req, opts(T0));
  assert.ok(auth.kind === 'signed' && auth.payload.kind === 'sha256');
  const check = new PayloadHashCheck(auth.payload.expectedHex);
  check.update(body);
  check.verify();
});

test('SigV4 doc example: GET ?lifecycle (bare sub-resource becomes lifecycle=)', async () => {
  const req: SignableRequest = {
    method: 'GET', url: '/?lifecycle',
    headers: {
      host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY,
      authorization: authz('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
    },
  };
  assert.equal((await authenticate(req, opts(T0))).kind, 'signed');
});

test('SigV4 doc example: GET bucket (list objects) ?max-keys=2&prefix=J', async () => {
  const req: SignableRequest = {
    method: 'GET', url: '/?max-keys=2&prefix=J',
    headers: {
      host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-content-sha256': EMPTY,
      authorization: authz('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7'),
    },
  };
  assert.equal((await authenticate(req, opts(T0))).kind, 'signed');
});

test('SigV4 doc example: presigned GET (X-Amz-Expires=86400)', async () => {
  const url = '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
    '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
    '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
  const req: SignableRequest = { method: 'GET', url, headers: { host: 'examplebucket.s3.amazonaws.com' } };
  const auth = await authenticate(req, opts(T0 + 3_600_000));
  assert.ok(auth.kind === 'signed');
  assert.equal(auth.scheme, 'sigv4-presigned');
  assert.equal(auth.expiresAt?.getTime(), T0 + 86_400_000);
  await assert.rejects(authenticate(req, opts(T0 + 86_401_000)), { awsCode: 'AccessDenied', message: 'Request has expired' });
});

/** The multiple-chunks example: 65536 + 1024 bytes of 'a', signatures as published. */
export function awsChunkedExample(): { req: SignableRequest; body: Buffer } {
  const sigs = [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ];
  const chunks = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a'), Buffer.alloc(0)];
  const body = Buffer.concat(chunks.flatMap((c, i) => [Buffer.from(`${c.length.toString(16)};chunk-signature=${sigs[i]}\r\n`), c, Buffer.from('\r\n')]));
  const req: SignableRequest = {
    method: 'PUT', url: '/examplebucket/chunkObject.txt',
    headers: {
      host: 's3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560', 'content-length': '66824',
      authorization: authz('content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
        '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9'),
    },
  };
  return { req, body };
}

test('SigV4 doc example: multiple chunks (seed 4f232c43…, chunks ad80c730…, 0055627c…, b6c6ea8a…)', async () => {
  const { req, body } = awsChunkedExample();
  assert.equal(body.length, 66824); // the example's Content-Length
  const auth = await authenticate(req, opts(T0));
  assert.ok(auth.kind === 'signed' && auth.payload.kind === 'aws-chunked' && auth.payload.signing);
  assert.equal(auth.payload.signing.seedSignature, '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
  const decoder = createAwsChunkedDecoder(awsChunkedOptions(auth.payload, req.headers));
  const out: Buffer[] = [];
  for await (const b of Readable.from([body]).pipe(decoder)) out.push(b as Buffer);
  const decoded = Buffer.concat(out);
  assert.equal(decoded.length, 66560);
  assert.ok(decoded.equals(Buffer.alloc(66560, 'a')));
});

test('SigV4 doc example: trailer signature over "x-amz-checksum-crc32c:wdBDMA==\\n"', () => {
  const ctx = {
    signingKey: deriveSigningKey(SECRET, '20130524', 'us-east-1', 's3'), amzDate: '20130524T000000Z',
    scope: '20130524/us-east-1/s3/aws4_request', seedSignature: '',
  };
  const raw = Buffer.from('x-amz-checksum-crc32c:wdBDMA==\r\nx-amz-trailer-signature:41e14ac611e27a8bb3d66c3bad6856f209297767d5dd4fc87d8fa9e422e03faf\r\n\r\n');
  const trailers = parseTrailer(raw, {
    declared: ['x-amz-checksum-crc32c'],
    signing: { ctx, previousSignature: 'e05ab64fe1dfdbf0b5870abbaabdb063c371d4e96f2767e6934d90529c5ae850' },
  });
  assert.equal(trailers.get('x-amz-checksum-crc32c'), 'wdBDMA==');
});

// SigV2 ("Signing and Authenticating REST Requests", Authentication examples), virtual-hosted.
const v2Cases: { name: string; req: SignableRequest; date: string }[] = [
  { name: 'GET object (awsexamplebucket1)', date: 'Tue, 27 Mar 2007 19:36:42 +0000',
    req: { method: 'GET', url: '/photos/puppy.jpg', hostBucket: 'awsexamplebucket1',
      headers: { host: 'awsexamplebucket1.us-west-1.s3.amazonaws.com', authorization: `AWS ${AK}:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=` } } },
  { name: 'GET object (johnsmith)', date: 'Tue, 27 Mar 2007 19:36:42 +0000',
    req: { method: 'GET', url: '/photos/puppy.jpg', hostBucket: 'johnsmith',
      headers: { host: 'johnsmith.s3.amazonaws.com', authorization: `AWS ${AK}:bWq2s1WEIj+Ydj0vQ697zp+IXMU=` } } },
  { name: 'PUT object with Content-Type', date: 'Tue, 27 Mar 2007 21:15:45 +0000',
    req: { method: 'PUT', url: '/photos/puppy.jpg', hostBucket: 'johnsmith',
      headers: { host: 'johnsmith.s3.amazonaws.com', 'content-type': 'image/jpeg', 'content-length': '94328', authorization: `AWS ${AK}:MyyxeRY7whkBe+bq8fHCL/2kKUg=` } } },
  { name: 'list (query is not a sub-resource)', date: 'Tue, 27 Mar 2007 19:42:41 +0000',
    req: { method: 'GET', url: '/?prefix=photos&max-keys=50&marker=puppy', hostBucket: 'johnsmith',
      headers: { host: 'johnsmith.s3.amazonaws.com', 'user-agent': 'Mozilla/5.0', authorization: `AWS ${AK}:htDYFYduRNen8P9ZfE/s9SuKy0U=` } } },
  { name: 'GET ?acl (sub-resource)', date: 'Tue, 27 Mar 2007 19:44:46 +0000',
    req: { method: 'GET', url: '/?acl', hostBucket: 'johnsmith',
      headers: { host: 'johnsmith.s3.amazonaws.com', authorization: `AWS ${AK}:c2WLPFtWHVgbEmeEG93a4cG37dM=` } } },
];

for (const c of v2Cases) {
  test(`SigV2 doc example: ${c.name}`, async () => {
    const req = { ...c.req, headers: { ...c.req.headers, date: c.date } };
    const auth = await authenticate(req, opts(Date.parse(c.date)));
    assert.ok(auth.kind === 'signed' && auth.scheme === 'sigv2-header');
    const tampered = { ...req, headers: { ...req.headers, date: c.date.replace(/:\d\d /, ':00 ') } };
    await assert.rejects(authenticate(tampered, opts(Date.parse(c.date))), { awsCode: 'SignatureDoesNotMatch' });
  });
}

test('SigV2: a bucket-only path signed over `/bucket/` (botocore) verifies; an object path gets no extra slash', async () => {
  const date = 'Tue, 27 Mar 2007 19:42:41 +0000';
  const sign = (resource: string) => createHmac('sha1', SECRET).update(`GET\n\n\n${date}\n${resource}`).digest('base64');
  const req = (url: string, resource: string): SignableRequest => ({ method: 'GET', url, headers: { host: 'localhost', date, authorization: `AWS ${AK}:${sign(resource)}` } });
  for (const url of ['/bkt', '/bkt?list-type=2&prefix=a', '/bkt?versioning']) {
    const resource = url.endsWith('versioning') ? '/bkt/?versioning' : '/bkt/';
    const auth = await authenticate(req(url, resource), opts(Date.parse(date)));
    assert.ok(auth.kind === 'signed' && auth.scheme === 'sigv2-header', url);
    // The signature still covers the bucket name.
    await assert.rejects(authenticate(req(url.replace('/bkt', '/bkt2'), resource), opts(Date.parse(date))), { awsCode: 'SignatureDoesNotMatch' });
  }
  await assert.rejects(authenticate(req('/bkt/key', '/bkt/key/'), opts(Date.parse(date))), { awsCode: 'SignatureDoesNotMatch' });
  assert.ok((await authenticate(req('/bkt/key', '/bkt/key'), opts(Date.parse(date)))).kind === 'signed');
});

test('empty-body hash constant matches sha256("")', () => {
  assert.equal(createHash('sha256').update('').digest('hex'), EMPTY);
});
