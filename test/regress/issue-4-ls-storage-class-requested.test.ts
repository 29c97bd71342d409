/**
 * Issue #4 (InvalidStorageClass, LocalStack's AWS recordings): a refused `x-amz-storage-class`
 * answered 400 InvalidStorageClass without saying which class. S3 names it in
 * `<StorageClassRequested>` (LocalStack's tests/aws/services/s3/test_s3.snapshot.json, recorded
 * against AWS: test_put_object_storage_class_outposts — OUTPOSTS on PutObject and
 * CreateMultipartUpload; test_post_object_with_storage_class — FakeClass). Which classes are refused
 * is unchanged (s3-surface.md: GLACIER, GLACIER_IR, DEEP_ARCHIVE and unknown values).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('InvalidStorageClass names the class requested', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/scr' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/scr/src', body: 'x' })).status, 200);
  const requests = [
    { method: 'PUT', path: '/scr/k', body: 'x' },
    { method: 'POST', path: '/scr/k?uploads' },
    { method: 'PUT', path: '/scr/copy', headers: { 'x-amz-copy-source': '/scr/src' } },
  ];
  for (const cls of ['OUTPOSTS', 'GLACIER', 'FakeClass']) {
    for (const r of requests) {
      const res = await send(service, { ...r, headers: { ...r.headers, 'x-amz-storage-class': cls } });
      assert.equal(res.status, 400, `${r.method} ${r.path} ${cls}: ${res.text}`);
      assert.equal(xmlText(res.text, 'Code'), 'InvalidStorageClass');
      assert.equal(xmlText(res.text, 'StorageClassRequested'), cls, `${r.method} ${r.path}`);
    }
  }
  assert.equal((await send(service, { method: 'GET', path: '/scr/k' })).status, 404);
});
