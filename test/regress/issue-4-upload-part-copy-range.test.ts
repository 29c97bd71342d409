/**
 * Issue #4: UploadPartCopy with an `x-amz-copy-source-range` past the source's end answered 416
 * InvalidRange (GetObject's answer); S3 answers 400 InvalidArgument "Range specified is not valid for
 * source object of size: N" (seen from S3 by versitygw#610). Nothing is stored for the part.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('UploadPartCopy: a range past the source is 400 InvalidArgument and stores no part', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/rng' });
  await send(service, { method: 'PUT', path: '/rng/src', body: 'x'.repeat(100) });
  const id = xmlText((await send(service, { method: 'POST', path: '/rng/dst?uploads' })).text, 'UploadId')!;
  for (const range of ['bytes=0-100', 'bytes=50-1000']) {
    const r = await send(service, { method: 'PUT', path: `/rng/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/rng/src', 'x-amz-copy-source-range': range } });
    assert.equal(r.status, 400, range);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
    assert.equal(xmlText(r.text, 'Message'), 'Range specified is not valid for source object of size: 100');
  }
  // A range that starts at or past the end is S3's 400 InvalidRequest instead (issue-4-copy-range-start-past-end).
  const past = await send(service, { method: 'PUT', path: `/rng/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/rng/src', 'x-amz-copy-source-range': 'bytes=100-100' } });
  assert.equal(past.status, 400);
  assert.equal(xmlText(past.text, 'Code'), 'InvalidRequest');
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: `/rng/dst?uploadId=${id}` })).text, 'PartNumber'), []);
  const ok = await send(service, { method: 'PUT', path: `/rng/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/rng/src', 'x-amz-copy-source-range': 'bytes=0-99' } });
  assert.equal(ok.status, 200, ok.text);
});
