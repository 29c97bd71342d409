/**
 * Issue #4: UploadPartCopy with an `x-amz-copy-source-range` that starts past the source's last
 * byte answered 400 InvalidArgument "Range specified is not valid for source object of size: N".
 * S3 gives that answer only to a range that starts inside the source and ends past it; one that
 * starts past the end is 400 InvalidRequest "The specified copy range is invalid for the source
 * object size" (LocalStack's AWS-validated test_s3_api.py test_upload_part_copy_range, a 10-byte
 * source: bytes=0-100 InvalidArgument, bytes=100-200 InvalidRequest). No part is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('UploadPartCopy: a range starting past the source is 400 InvalidRequest', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/crng' });
  await send(service, { method: 'PUT', path: '/crng/src', body: '0123456789' });
  const id = xmlText((await send(service, { method: 'POST', path: '/crng/dst?uploads' })).text, 'UploadId')!;
  const copy = (range: string): ReturnType<typeof send> => send(service, { method: 'PUT', path: `/crng/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/crng/src', 'x-amz-copy-source-range': range } });
  for (const range of ['bytes=100-200', 'bytes=10-10']) {
    const r = await copy(range);
    assert.equal(r.status, 400, range);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidRequest', range);
    assert.equal(xmlText(r.text, 'Message'), 'The specified copy range is invalid for the source object size');
  }
  const r = await copy('bytes=0-100');
  assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
  assert.equal(xmlText(r.text, 'Message'), 'Range specified is not valid for source object of size: 10');
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: `/crng/dst?uploadId=${id}` })).text, 'PartNumber'), []);
  assert.equal((await copy('bytes=9-9')).status, 200);
});
