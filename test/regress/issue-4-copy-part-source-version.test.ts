/**
 * Issue #4: UploadPartCopy left out `x-amz-copy-source-version-id` when the source was a null
 * version in a bucket with versioning enabled or suspended, where CopyObject of the same source
 * answers `null` (API_UploadPartCopy: "The version of the source object that was copied, if you
 * have enabled versioning on the source bucket"). Never-versioned buckets still show none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('UploadPartCopy: x-amz-copy-source-version-id as CopyObject answers it', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/pcv' });
  await send(service, { method: 'PUT', path: '/pcv/src', body: 'x' });
  const id = xmlText((await send(service, { method: 'POST', path: '/pcv/dst?uploads' })).text, 'UploadId')!;
  const part = () => send(service, { method: 'PUT', path: `/pcv/dst?partNumber=1&uploadId=${id}`, headers: { 'x-amz-copy-source': '/pcv/src' } });
  const object = () => send(service, { method: 'PUT', path: '/pcv/obj', headers: { 'x-amz-copy-source': '/pcv/src' } });
  assert.equal((await part()).headers['x-amz-copy-source-version-id'], undefined, 'never versioned');
  assert.equal((await object()).headers['x-amz-copy-source-version-id'], undefined, 'never versioned');
  for (const status of ['Enabled', 'Suspended']) {
    await send(service, { method: 'PUT', path: '/pcv?versioning', body: `<VersioningConfiguration><Status>${status}</Status></VersioningConfiguration>` });
    assert.equal((await object()).headers['x-amz-copy-source-version-id'], 'null', `CopyObject, ${status}`);
    const r = await part();
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-amz-copy-source-version-id'], 'null', `UploadPartCopy, ${status}`);
  }
});
