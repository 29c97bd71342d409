/**
 * Issue #4 (found by helper audit12, comparing the router with the request lines of
 * @aws-sdk/client-s3 3.1175): S3 operations the router did not know fell through to the plain
 * method of the resource. PUT /{b}/{k}?encryption (UpdateObjectEncryption) and ?annotation
 * (PutObjectAnnotation) stored their XML body as the object, ?renameObject (RenameObject) replaced
 * it with an empty one, DELETE /{b}/{k}?annotation deleted the object, and
 * DELETE /{b}?metadataTable / ?metadataConfiguration deleted an empty bucket — each answered as a
 * success. Unsupported operations answer 501 NotImplemented (issue #4, s3-surface.md §3) and
 * change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('unsupported object subresources answer NotImplemented and leave the object alone', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'precious' })).status, 200);
  const cases = [
    ['PUT', '/bkt/k?encryption', '<ObjectEncryption><SSE-KMS><KMSKeyArn>k</KMSKeyArn></SSE-KMS></ObjectEncryption>'],
    ['PUT', '/bkt/k?renameObject', undefined],
    ['PUT', '/bkt/k?annotation', '<Annotation/>'],
    ['GET', '/bkt/k?annotation&x-id=GetObjectAnnotation', undefined],
    ['DELETE', '/bkt/k?annotation', undefined],
  ] as const;
  for (const [method, path, body] of cases) {
    const r = await send(service, { method, path, body, headers: path.includes('renameObject') ? { 'x-amz-rename-source': '/bkt/other' } : {} });
    assert.equal(r.status, 501, `${method} ${path}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'NotImplemented');
    const get = await send(service, { method: 'GET', path: '/bkt/k' });
    assert.equal(get.status, 200, `after ${method} ${path}`);
    assert.equal(get.text, 'precious', `after ${method} ${path}`);
  }
});

test('unsupported bucket subresources answer NotImplemented and leave the bucket alone', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const cases = [
    ['DELETE', '/bkt?metadataTable'],
    ['DELETE', '/bkt?metadataConfiguration'],
    ['GET', '/bkt?metadataTable'],
    ['GET', '/bkt?metadataConfiguration'],
    ['GET', '/bkt?abac'],
    ['PUT', '/bkt?abac'],
    ['PUT', '/bkt?metadataJournalTable'],
    ['POST', '/bkt?metadataConfiguration'],
  ] as const;
  for (const [method, path] of cases) {
    const r = await send(service, { method, path });
    assert.equal(r.status, 501, `${method} ${path}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'NotImplemented');
    assert.equal((await send(service, { method: 'HEAD', path: '/bkt' })).status, 200, `after ${method} ${path}`);
  }
});
