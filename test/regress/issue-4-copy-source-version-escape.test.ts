/**
 * Issue #4 (review of 0431846): `x-amz-copy-source: /b/k?versionId=%E0` — a malformed
 * percent-escape in the source's version id — made decodeURIComponent throw inside parseCopySource,
 * and CopyObject and UploadPartCopy answered 500 InternalError. A version id that is not one this
 * gateway could have issued is 400 InvalidArgument "Invalid version id specified" naming
 * x-amz-copy-source (the answer the same header gets for any other malformed id; S3 names the
 * header as ArgumentName for copy-source version ids, as the empty-id case recorded against AWS in
 * issue-4-write-version-id-param shows). Nothing is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('a copy source whose versionId has a malformed percent-escape: 400 InvalidArgument, not 500', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/cvesc' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/cvesc/k', body: 'v1' })).status, 200);
  const init = await send(service, { method: 'POST', path: '/cvesc/k?uploads' });
  const uploadId = xmlText(init.text, 'UploadId')!;
  for (const version of ['%E0', '%', '%zz', 'a%C3']) {
    const header = { 'x-amz-copy-source': `/cvesc/k?versionId=${version}` };
    for (const [what, path] of [['CopyObject', '/cvesc/k2'], ['UploadPartCopy', `/cvesc/k?partNumber=1&uploadId=${uploadId}`]] as const) {
      const r = await send(service, { method: 'PUT', path, headers: header });
      assert.equal(r.status, 400, `${what} ${version}: ${r.text}`);
      assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument', `${what} ${version}`);
      assert.equal(xmlText(r.text, 'Message'), 'Invalid version id specified', `${what} ${version}`);
      assert.equal(xmlText(r.text, 'ArgumentName'), 'x-amz-copy-source', `${what} ${version}`);
    }
  }
  assert.equal((await send(service, { method: 'GET', path: '/cvesc/k2' })).status, 404, 'nothing was copied');
});
