/**
 * Issue #4: a CopyObject without `x-amz-storage-class` kept the source's storage class under the
 * COPY directive (a STANDARD_IA source gave a STANDARD_IA copy). API_CopyObject: "If the
 * x-amz-storage-class header is not used, the copied object will be stored in the STANDARD Storage
 * Class by default" (AWS-validated in localstack's test_s3_copy_object_storage_class, which also
 * shows a copy onto itself without the header stays illegal). The source's metadata is still copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('CopyObject (COPY): the copy is STANDARD unless the request names a class', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/scb' });
  const put = await send(service, { method: 'PUT', path: '/scb/ia', body: 'x', headers: { 'x-amz-storage-class': 'STANDARD_IA', 'content-type': 'text/x-ia', 'x-amz-meta-m': '1' } });
  assert.equal(put.status, 200, put.text);

  assert.equal((await send(service, { method: 'PUT', path: '/scb/std', headers: { 'x-amz-copy-source': '/scb/ia' } })).status, 200);
  const std = await send(service, { method: 'HEAD', path: '/scb/std' });
  assert.equal(std.headers['x-amz-storage-class'], undefined, 'STANDARD is not shown');
  assert.equal(std.headers['content-type'], 'text/x-ia');
  assert.equal(std.headers['x-amz-meta-m'], '1');

  assert.equal((await send(service, { method: 'PUT', path: '/scb/oz', headers: { 'x-amz-copy-source': '/scb/ia', 'x-amz-storage-class': 'ONEZONE_IA' } })).status, 200);
  assert.equal((await send(service, { method: 'HEAD', path: '/scb/oz' })).headers['x-amz-storage-class'], 'ONEZONE_IA');

  const self = await send(service, { method: 'PUT', path: '/scb/ia', headers: { 'x-amz-copy-source': '/scb/ia' } });
  assert.equal(self.status, 400);
  assert.equal(xmlText(self.text, 'Code'), 'InvalidRequest');
  assert.equal((await send(service, { method: 'HEAD', path: '/scb/ia' })).headers['x-amz-storage-class'], 'STANDARD_IA');
});
