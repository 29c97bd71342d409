/**
 * Issue #4: Get/Put/DeleteObjectTagging without a versionId on a key whose current version is a
 * delete marker answered 404 NoSuchKey. S3 answers them 405 MethodNotAllowed with
 * `<Method>` GET/PUT/DELETE and `<ResourceType>DeleteMarker</ResourceType>`, as it does when the
 * marker is named by versionId (LocalStack's AWS-validated test_s3_api.py
 * test_object_tagging_versioned: *-object-tags-delete-marker-latest). The tags of the version
 * under the marker are left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('object tagging on a key whose head is a delete marker: 405 MethodNotAllowed', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/tdm' });
  await send(service, { method: 'PUT', path: '/tdm?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  const put = await send(service, { method: 'PUT', path: '/tdm/k', body: 'v', headers: { 'x-amz-tagging': 'a=1' } });
  const v1 = String(put.headers['x-amz-version-id']);
  const marker = String((await send(service, { method: 'DELETE', path: '/tdm/k' })).headers['x-amz-version-id']);
  const tagging = '<Tagging><TagSet><Tag><Key>b</Key><Value>2</Value></Tag></TagSet></Tagging>';
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const r = await send(service, { method, path: '/tdm/k?tagging', body: method === 'PUT' ? tagging : undefined });
    assert.equal(r.status, 405, method);
    assert.equal(xmlText(r.text, 'Code'), 'MethodNotAllowed', method);
    assert.equal(xmlText(r.text, 'Method'), method);
    assert.equal(xmlText(r.text, 'ResourceType'), 'DeleteMarker');
    assert.equal(r.headers['x-amz-delete-marker'], 'true');
    assert.equal(r.headers['x-amz-version-id'], marker);
  }
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: `/tdm/k?tagging&versionId=${v1}` })).text, 'Key'), ['a']);
});
