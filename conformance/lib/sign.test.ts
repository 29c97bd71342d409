/**
 * The suite's own signing code (conformance/lib/sign.ts) against the worked examples AWS publishes,
 * so a case that expects SignatureDoesNotMatch fails because of the gateway, never because our
 * signer is wrong. Example keys and values are those of the AWS pages cited per test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsChunked, EMPTY_SHA256, presignV4, signV2, signV4, stringToSignV2 } from './sign.js';

const KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const DATE = new Date('2013-05-24T00:00:00Z');

test('SigV4 header auth: GET Object example (sig-v4-header-based-auth.html)', () => {
  const s = signV4({
    method: 'GET', path: '/test.txt', headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9' },
    payloadHash: EMPTY_SHA256, keys: KEYS, region: 'us-east-1', date: DATE,
  });
  assert.equal(s.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
});

test('SigV4 presigned URL example (sigv4-query-string-auth.html)', () => {
  const path = presignV4({ method: 'GET', path: '/test.txt', host: 'examplebucket.s3.amazonaws.com', keys: KEYS, region: 'us-east-1', date: DATE, expires: 86400 });
  assert.match(path, /&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404$/);
});

test('chunked upload example: seed and chunk signatures, encoded length (sigv4-streaming.html)', () => {
  const s = signV4({
    method: 'PUT', path: '/examplebucket/chunkObject.txt',
    headers: {
      host: 's3.amazonaws.com', 'x-amz-date': '20130524T000000Z', 'x-amz-storage-class': 'REDUCED_REDUNDANCY', 'content-encoding': 'aws-chunked',
      'content-length': '66824', 'x-amz-decoded-content-length': '66560', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    },
    payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', keys: KEYS, region: 'us-east-1', date: DATE,
  });
  assert.equal(s.signature, '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9');
  const body = awsChunked({
    mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', chunks: [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')],
    signing: { key: s.signingKey, date: s.amzDate, scope: s.scope, seed: s.signature },
  });
  assert.equal(body.length, 66824);
  assert.deepEqual(body.toString('latin1').match(/chunk-signature=[0-9a-f]{64}/g), [
    'chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    'chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ]);
});

test('SigV2 Object GET example (RESTAuthentication.html)', () => {
  const sts = stringToSignV2({ method: 'GET', dateOrExpires: 'Tue, 27 Mar 2007 19:36:42 +0000', resource: '/awsexamplebucket1/photos/puppy.jpg' });
  assert.equal(signV2(KEYS.secretAccessKey, sts), 'qgk2+6Sv9/oM7G3qLEjTH1a1l1g=');
});

test('unsigned trailer framing: chunks, zero chunk, trailer lines, final empty line', () => {
  const body = awsChunked({ mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', chunks: [Buffer.from('hello')], trailers: { 'x-amz-checksum-crc32': 'NhCmhg==' } });
  assert.equal(body.toString(), '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n');
});
