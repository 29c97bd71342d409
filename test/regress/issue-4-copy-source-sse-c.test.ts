/**
 * Issue #4 (minio/mint audit mintB: aws-sdk-go testSSECopyObject, minio-py's SSE-C copy tests): a
 * CopyObject or UploadPartCopy naming an SSE-C key for its source
 * (`x-amz-copy-source-server-side-encryption-customer-*`) answered 501 NotImplemented, while a GET or
 * HEAD of the same object with that key answered S3's 400 InvalidRequest "The encryption parameters
 * are not applicable to this object." No object here is stored with SSE-C, so a copy source's key
 * never fits its source: the copy now answers as the read does, once the source is found (a missing
 * source is still 404 NoSuchKey). SSE-C for the copy's own destination stays 501, and nothing is
 * written either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const KEY = Buffer.alloc(32, 7);
const SOURCE_KEY = {
  'x-amz-copy-source-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-copy-source-server-side-encryption-customer-key': KEY.toString('base64'),
  'x-amz-copy-source-server-side-encryption-customer-key-md5': createHash('md5').update(KEY).digest('base64'),
};
const NOT_APPLICABLE = 'The encryption parameters are not applicable to this object.';

test('a copy source SSE-C key on a plain source: 400 InvalidRequest as a GET with it, nothing written', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bkt/src', body: 'plain source' })).status, 200);
  const uploadId = xmlText((await send(service, { method: 'POST', path: '/bkt/up?uploads' })).text, 'UploadId')!;

  const read = await send(service, { method: 'GET', path: '/bkt/src', headers: Object.fromEntries(Object.entries(SOURCE_KEY).map(([k, v]) => [k.replace('copy-source-', ''), v])) });
  assert.equal(read.status, 400);
  assert.equal(xmlText(read.text, 'Message'), NOT_APPLICABLE);

  const copies: Parameters<typeof send>[1][] = [
    { method: 'PUT', path: '/bkt/dst', headers: { 'x-amz-copy-source': '/bkt/src', ...SOURCE_KEY } },
    { method: 'PUT', path: `/bkt/up?partNumber=1&uploadId=${uploadId}`, headers: { 'x-amz-copy-source': '/bkt/src', ...SOURCE_KEY } },
  ];
  for (const r of copies) {
    const res = await send(service, r);
    assert.equal(res.status, 400, `${r.path}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'InvalidRequest', r.path);
    assert.equal(xmlText(res.text, 'Message'), NOT_APPLICABLE, r.path);
    // A missing source is answered first, as for any copy.
    const missing = await send(service, { ...r, headers: { ...r.headers, 'x-amz-copy-source': '/bkt/nope' } });
    assert.equal(missing.status, 404, `${r.path} of a missing source: ${missing.text}`);
    assert.equal(xmlText(missing.text, 'Code'), 'NoSuchKey');
  }
  // The destination's own SSE-C is still a feature this store does not have.
  const own = await send(service, { method: 'PUT', path: '/bkt/dst', headers: {
    'x-amz-copy-source': '/bkt/src',
    ...Object.fromEntries(Object.entries(SOURCE_KEY).map(([k, v]) => [k.replace('copy-source-', ''), v])),
  } });
  assert.equal(own.status, 501, own.text);

  assert.equal((await send(service, { method: 'HEAD', path: '/bkt/dst' })).status, 404, 'nothing copied');
  assert.equal(xmlText((await send(service, { method: 'GET', path: `/bkt/up?uploadId=${uploadId}` })).text, 'PartNumber'), undefined, 'no part stored');
});
