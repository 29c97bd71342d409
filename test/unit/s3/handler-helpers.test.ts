/**
 * The pure parts of the handlers: continuation tokens (§4.1), copy-source parsing (§4.4), version
 * ids, bucket names (§1), the `encoding-type=url` key encoding (§4.1) and object header mapping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidBucketName } from '../../../src/s3/bucket-name.js';
import { S3Error } from '../../../src/s3/errors.js';
import { decodeToken, encodeToken, quoteEtag } from '../../../src/s3/handlers/common.js';
import { parseCopySource } from '../../../src/s3/handlers/copy.js';
import { objectHeaders, userMetaOf, versionAttrsOf } from '../../../src/s3/object-headers.js';
import { urlEncodeKey } from '../../../src/s3/xml/escape.js';

const code = (c: string) => (e: unknown): boolean => e instanceof S3Error && e.code === c;

test('continuation tokens: versioned, opaque, round-trip; garbage → InvalidArgument', () => {
  const t = encodeToken('a/b é', true);
  assert.match(t, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(JSON.parse(Buffer.from(t, 'base64url').toString()), { v: 1, k: 'a/b é', p: 1 });
  assert.deepEqual(decodeToken(t), { key: 'a/b é', isPrefix: true });
  for (const bad of ['', 'zzz', Buffer.from('{"v":2,"k":"a","p":0}').toString('base64url'), Buffer.from('{"v":1,"k":5,"p":0}').toString('base64url')]) {
    assert.throws(() => decodeToken(bad), code('InvalidArgument'), bad);
  }
});

test('x-amz-copy-source forms', () => {
  assert.deepEqual(parseCopySource('/src/a%20b/c'), { bucket: 'src', key: 'a b/c' });
  assert.deepEqual(parseCopySource('src/k?versionId=null'), { bucket: 'src', key: 'k' , versionId: 'null' });
  assert.deepEqual(parseCopySource('src/%3Fq'), { bucket: 'src', key: '?q' });
  // '+' is a space, as S3 decodes it; a literal plus is %2B.
  assert.deepEqual(parseCopySource('src%2Ftest+key.txt'), { bucket: 'src', key: 'test key.txt' });
  assert.deepEqual(parseCopySource('/src/a%2Bb'), { bucket: 'src', key: 'a+b' });
  for (const bad of ['src', '/src/', 'src/k?other=1', 'src/k?versionId=bad', '%E0%A4%A']) {
    assert.throws(() => parseCopySource(bad), code('InvalidArgument'), bad);
  }
});

test('bucket names (§1)', () => {
  for (const ok of ['abc', 'my-bucket.1', 'a'.repeat(63), '1bucket']) assert.equal(isValidBucketName(ok), true, ok);
  for (const bad of ['ab', 'a'.repeat(64), 'Abc', 'a_b', '-ab', 'ab-', 'a..b', '10.0.0.1', '_ccow', 'xn--abc', 'sthree-abc', 'amzn-s3-demo-abc', 'abc-s3alias', 'abc--ol-s3', 'abc.mrap', 'abc--x-s3', 'abc--table-s3']) assert.equal(isValidBucketName(bad), false, bad);
});

test('encoding-type=url: unreserved and / kept, everything else %XX of the UTF-8 bytes', () => {
  assert.equal(urlEncodeKey('a/b-c_d.e~f'), 'a/b-c_d.e~f');
  assert.equal(urlEncodeKey('a b+c'), 'a%20b%2Bc');
  assert.equal(urlEncodeKey('é\r'), '%C3%A9%0D');
  assert.equal(urlEncodeKey('😀'), '%F0%9F%98%80');
});

test('object headers in and out', () => {
  const attrs = versionAttrsOf({ 'content-type': 'text/plain', 'x-amz-meta-a': '1', 'cache-control': 'max-age=1', 'content-encoding': 'aws-chunked,gzip', 'x-amz-storage-class': 'ONEZONE_IA', 'x-amz-tagging': 'k=v' }, 'gzip');
  assert.deepEqual(attrs, { userMeta: { a: '1' }, sysMeta: { 'cache-control': 'max-age=1', 'content-encoding': 'gzip' }, contentType: 'text/plain', storageClass: 'ONEZONE_IA', tags: { k: 'v' } });
  assert.throws(() => userMetaOf({ 'x-amz-meta-x': 'y'.repeat(2048) }), code('MetadataTooLarge'));
  const h = objectHeaders({
    bucket: 'b', key: 'k', versionId: 'null', uvid: 'u', generation: 1, isLatest: true, deleteMarker: false, size: 1, etag: '"e"',
    lastModified: new Date('2024-05-01T10:00:00.000Z'), userMeta: { a: '1' }, sysMeta: { expires: 'x' }, storageClass: 'STANDARD',
    checksum: { algorithm: 'CRC32C', type: 'FULL_OBJECT', value: 'AAAAAA==' }, tags: { t: '1' },
  }, { includeChecksum: true, includeTagCount: true });
  assert.deepEqual(h, {
    etag: '"e"', 'last-modified': 'Wed, 01 May 2024 10:00:00 GMT', 'content-type': 'binary/octet-stream', 'accept-ranges': 'bytes',
    expires: 'x', 'x-amz-meta-a': '1', 'x-amz-tagging-count': '1', 'x-amz-checksum-crc32c': 'AAAAAA==', 'x-amz-checksum-type': 'FULL_OBJECT',
  });
  assert.equal(quoteEtag('abc'), '"abc"');
  assert.equal(quoteEtag('"abc"'), '"abc"');
});
