/**
 * Issue #4 (versitygw audit, PostObject_invalid_checksum_algorithm): a checksum header naming no
 * algorithm S3 has (`x-amz-checksum-sha256a`, `x-amz-checksum-invalid`) was ignored, and PutObject,
 * UploadPart or a form's field of that name stored the body unverified with 200. S3 refuses it:
 * 400 InvalidRequest "The algorithm type you specified in x-amz-checksum- header is invalid." (S3's
 * answer quoted in versitygw#1104). The non-value headers x-amz-checksum-algorithm / -type / -mode
 * are unaffected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

const MESSAGE = /<Message>The algorithm type you specified in x-amz-checksum- header is invalid\.<\/Message>/;

test('an x-amz-checksum- header of no known algorithm: 400 InvalidRequest, nothing stored', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/cksum' })).status, 200);
  for (const name of ['x-amz-checksum-sha256a', 'x-amz-checksum-invalid']) {
    const put = await f.send({ method: 'PUT', path: '/cksum/k', body: 'data', headers: { [name]: 'dummy' } });
    assert.equal(put.status, 400, `${name}: ${put.text}`);
    assert.equal(put.code, 'InvalidRequest', name);
    assert.match(put.text, MESSAGE, name);
  }
  assert.equal((await f.send({ method: 'HEAD', path: '/cksum/k' })).status, 404, 'nothing stored');
  const create = await f.send({ method: 'POST', path: '/cksum/m?uploads' });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.text)![1]!;
  const part = await f.send({ method: 'PUT', path: `/cksum/m?partNumber=1&uploadId=${uploadId}`, body: 'data', headers: { 'x-amz-checksum-invalid': 'dummy' } });
  assert.equal(part.status, 400, part.text);
  assert.match(part.text, MESSAGE);
  // Known checksum headers and the non-value ones still work.
  const ok = await f.send({ method: 'PUT', path: '/cksum/k', body: 'data', headers: { 'x-amz-checksum-crc32': 'rfPzYw==' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await f.send({ method: 'GET', path: '/cksum/k', headers: { 'x-amz-checksum-mode': 'ENABLED' } })).headers['x-amz-checksum-crc32'], 'rfPzYw==');
});
