/**
 * Issue #4: UploadPartCopy copied parts of any size: a source over the 5 GiB part limit copied
 * whole (no `x-amz-copy-source-range`), or a range over it, made a part UploadPart could never
 * have stored. S3 answers 400 InvalidRequest "The specified copy source is larger than the maximum
 * allowable size for a copy source: 5368709120" (awslabs/amazon-s3-tar-tool#26). The limit is the
 * gateway's part/PUT limit, shrunk here (a second service over the same engine) so the test needs
 * no 5 GiB object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('UploadPartCopy: a part over the size limit is 400 InvalidRequest and stores nothing', async () => {
  const { engine, service: roomy } = await makeService();
  await send(roomy, { method: 'PUT', path: '/big' });
  assert.equal((await send(roomy, { method: 'PUT', path: '/big/src', body: 'x'.repeat(100) })).status, 200);
  const { service } = await makeService({ engine, maxPutSize: 64 });
  const id = xmlText((await send(service, { method: 'POST', path: '/big/dst?uploads' })).text, 'UploadId')!;
  const copy = (range?: string) => send(service, { method: 'PUT', path: `/big/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/big/src', ...(range ? { 'x-amz-copy-source-range': range } : {}) } });
  for (const range of [undefined, 'bytes=0-64', 'bytes=10-99']) {
    const r = await copy(range);
    assert.equal(r.status, 400, range);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidRequest');
    assert.equal(xmlText(r.text, 'Message'), 'The specified copy source is larger than the maximum allowable size for a copy source: 64');
  }
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: `/big/dst?uploadId=${id}` })).text, 'PartNumber'), []);
  const ok = await copy('bytes=0-63');
  assert.equal(ok.status, 200, ok.text);
  // CopyObject keeps no such limit (s3-surface.md §4.4).
  assert.equal((await send(service, { method: 'PUT', path: '/big/whole', headers: { 'x-amz-copy-source': '/big/src' } })).status, 200);
});
