/**
 * Issue #4 (PutObjectAcl on a delete marker, LocalStack's AWS recordings): PUT ?acl without a
 * versionId on a key whose current version is a delete marker answered 404 NoSuchKey. S3 answers
 * 405 MethodNotAllowed, `<Method>PUT</Method>`, `<ResourceType>DeleteMarker</ResourceType>`, as for
 * the marker named by versionId; GET ?acl there stays 404 NoSuchKey (LocalStack's
 * tests/aws/services/s3/test_s3.snapshot.json test_put_object_acl_on_delete_marker, recorded
 * against AWS: put-acl-delete-marker, get-acl-delete-marker). The ACL of the version under the
 * marker is left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('PUT ?acl on a key whose head is a delete marker: 405 MethodNotAllowed; GET ?acl 404', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/adm' });
  await send(service, { method: 'PUT', path: '/adm?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  const v1 = String((await send(service, { method: 'PUT', path: '/adm/k', body: 'v' })).headers['x-amz-version-id']);
  const marker = String((await send(service, { method: 'DELETE', path: '/adm/k' })).headers['x-amz-version-id']);

  for (const path of ['/adm/k?acl', `/adm/k?acl&versionId=${marker}`]) {
    const put = await send(service, { method: 'PUT', path, headers: { 'x-amz-acl': 'public-read' } });
    assert.equal(put.status, 405, `${path}: ${put.text}`);
    assert.equal(xmlText(put.text, 'Code'), 'MethodNotAllowed', path);
    assert.equal(xmlText(put.text, 'Method'), 'PUT', path);
    assert.equal(xmlText(put.text, 'ResourceType'), 'DeleteMarker', path);
    assert.equal(put.headers['x-amz-delete-marker'], 'true', path);
  }
  const get = await send(service, { method: 'GET', path: '/adm/k?acl' });
  assert.equal(get.status, 404);
  assert.equal(xmlText(get.text, 'Code'), 'NoSuchKey');
  // The version under the marker keeps its private ACL.
  const acl = await send(service, { method: 'GET', path: `/adm/k?acl&versionId=${v1}` });
  assert.equal(acl.status, 200);
  assert.doesNotMatch(acl.text, /AllUsers/);
});
