import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withHoistedHeaders } from '../../../../src/s3/auth/index.js';

const presigned: [string, string][] = [
  ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', 'AK/20260101/us-east-1/s3/aws4_request'], ['X-Amz-Date', '20260101T000000Z'],
  ['X-Amz-Expires', '60'], ['X-Amz-SignedHeaders', 'host'], ['X-Amz-Signature', 'ab'], ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
  ['x-amz-meta-a', '1'], ['X-Amz-Acl', 'public-read'], ['x-amz-checksum-crc32', 'AAAAAA=='], ['x-amz-sdk-checksum-algorithm', 'CRC32'], ['x-id', 'PutObject'],
];

test('presigned query: x-amz-* request parameters become headers; auth and checksum parameters do not', () => {
  const out = withHoistedHeaders({ host: 'h' }, presigned);
  assert.deepEqual(out, { host: 'h', 'x-amz-meta-a': '1', 'x-amz-acl': 'public-read' });
});

test('a header the request sends wins; other requests are left alone (same object)', () => {
  assert.equal(withHoistedHeaders({ 'x-amz-meta-a': 'hdr' }, presigned)['x-amz-meta-a'], 'hdr');
  const headers = { host: 'h' };
  assert.equal(withHoistedHeaders(headers, [['x-amz-meta-a', '1']]), headers, 'no X-Amz-Credential: not a presigned URL');
  assert.equal(withHoistedHeaders(headers, presigned.slice(0, 7)), headers, 'nothing to hoist: no copy');
});
