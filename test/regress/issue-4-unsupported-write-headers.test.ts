/**
 * Issue #4 (found by exploratory testing with raw requests and rclone): writes that asked for what
 * the gateway does not do were answered 200 and stored the object without it:
 * - CopyObject with the default COPY directive ignored `x-amz-server-side-encryption` (AES256 and
 *   aws:kms) and SSE-C of the copy source; UploadPart took SSE-C headers. PutObject and
 *   CreateMultipartUpload already answered 501 NotImplemented (s3-surface.md §3: SSE is P2/No).
 * - Object Lock headers (`x-amz-object-lock-mode`, `-retain-until-date`, `-legal-hold`) on PutObject,
 *   CopyObject and CreateMultipartUpload were dropped: the object was then deletable at once. No
 *   bucket here has an Object Lock configuration, and AWS answers 400 InvalidRequest "Bucket is
 *   missing Object Lock Configuration" for such writes.
 * Each is refused now, and nothing is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const LOCK = { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': '2030-01-01T00:00:00Z' };
const HOLD = { 'x-amz-object-lock-legal-hold': 'ON' };
const SSE_C = {
  'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-server-side-encryption-customer-key': Buffer.alloc(32, 7).toString('base64'),
  // The key's own MD5: a key whose MD5 does not match is a 400 before the 501 (issue-4-s3t-sse-c-key).
  'x-amz-server-side-encryption-customer-key-md5': 'y4HAEFCYWuvAXWFTtA1Qpg==',
};
const SRC_SSE_C = Object.fromEntries(Object.entries(SSE_C).map(([k, v]) => [k.replace('x-amz-', 'x-amz-copy-source-'), v]));

test('SSE and Object Lock headers on writes are refused, and nothing is stored', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bkt/src', body: 'source bytes' })).status, 200);
  const refused = async (what: string, r: Parameters<typeof send>[1], status: number, code: string, message?: RegExp): Promise<void> => {
    const res = await send(service, r);
    assert.equal(res.status, status, `${what}: ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), code, what);
    if (message) assert.match(xmlText(res.text, 'Message') ?? '', message, what);
  };
  const absent = async (key: string): Promise<void> => {
    assert.equal((await send(service, { method: 'HEAD', path: `/bkt/${key}` })).status, 404, key);
  };
  const copy = { 'x-amz-copy-source': '/bkt/src' };
  const lockMessage = /missing Object Lock Configuration/;

  await refused('PutObject + lock', { method: 'PUT', path: '/bkt/a', body: 'x', headers: LOCK }, 400, 'InvalidRequest', lockMessage);
  await refused('PutObject + legal hold', { method: 'PUT', path: '/bkt/a', body: 'x', headers: HOLD }, 400, 'InvalidRequest', lockMessage);
  await absent('a');
  await refused('CopyObject (COPY) + AES256', { method: 'PUT', path: '/bkt/b', headers: { ...copy, 'x-amz-server-side-encryption': 'AES256' } }, 501, 'NotImplemented');
  await refused('CopyObject (COPY) + aws:kms', { method: 'PUT', path: '/bkt/b', headers: { ...copy, 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'k' } }, 501, 'NotImplemented');
  // No object here is SSE-C encrypted, so a copy-source SSE-C key gets the answer a GET with that key
  // gets: 400 InvalidRequest (a48d3a0, regress issue-4-copy-source-sse-c).
  await refused('CopyObject + source SSE-C', { method: 'PUT', path: '/bkt/b', headers: { ...copy, ...SRC_SSE_C } }, 400, 'InvalidRequest', /not applicable to this object/);
  await refused('CopyObject (COPY) + lock', { method: 'PUT', path: '/bkt/b', headers: { ...copy, ...LOCK } }, 400, 'InvalidRequest', lockMessage);
  await refused('CopyObject (REPLACE) + lock', { method: 'PUT', path: '/bkt/b', headers: { ...copy, 'x-amz-metadata-directive': 'REPLACE', ...HOLD } }, 400, 'InvalidRequest', lockMessage);
  await absent('b');
  await refused('CreateMultipartUpload + lock', { method: 'POST', path: '/bkt/c?uploads', headers: LOCK }, 400, 'InvalidRequest', lockMessage);

  const created = await send(service, { method: 'POST', path: '/bkt/d?uploads' });
  const uploadId = xmlText(created.text, 'UploadId')!;
  await refused('UploadPart + SSE-C', { method: 'PUT', path: `/bkt/d?partNumber=1&uploadId=${uploadId}`, body: 'part', headers: SSE_C }, 501, 'NotImplemented');
  await refused('UploadPartCopy + source SSE-C', { method: 'PUT', path: `/bkt/d?partNumber=1&uploadId=${uploadId}`, headers: { ...copy, ...SRC_SSE_C } }, 400, 'InvalidRequest', /not applicable to this object/);
  const parts = await send(service, { method: 'GET', path: `/bkt/d?uploadId=${uploadId}` });
  assert.equal(parts.status, 200);
  assert.equal(xmlText(parts.text, 'PartNumber'), undefined, 'no part stored');
  const listed = await send(service, { method: 'GET', path: '/bkt?uploads' });
  assert.equal(listed.text.match(/<Upload>/g)?.length, 1, 'only the upload created without lock headers');

  // The same writes without those headers work.
  assert.equal((await send(service, { method: 'PUT', path: '/bkt/a', body: 'x' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bkt/b', headers: copy })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/bkt/d?partNumber=1&uploadId=${uploadId}`, body: 'part' })).status, 200);
});
