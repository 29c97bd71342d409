/**
 * Issue #4 (found by exploratory testing with boto3): tagging, ACL and attribute requests that
 * name a delete marker by versionId answered 404 NoSuchKey. S3 allows nothing but DELETE on a
 * delete marker ("The only operation that you can use on a delete marker is DELETE", S3 user
 * guide, Working with delete markers) and answers such a request 405 MethodNotAllowed, as it does
 * for GET/HEAD (API_GetObject) — moto #9401 reports AWS's MethodNotAllowed for PutObjectTagging on
 * a marker. Without a versionId, a key whose current version is a marker stays 404 NoSuchKey for
 * GET ?acl and the attribute request; the tagging ones and PUT ?acl are 405 there too (LocalStack's
 * AWS-validated test_object_tagging_versioned and test_put_object_acl_on_delete_marker;
 * issue-4-tagging-delete-marker-head, issue-4-ls-put-acl-delete-marker-head).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

test('tagging, ACL and GetObjectAttributes naming a delete marker by versionId: 405 MethodNotAllowed', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/dmops' })).status, 200);
  const versioning = '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/dmops?versioning', body: versioning })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/dmops/k', body: 'v1' })).status, 200);
  const del = await send(service, { method: 'DELETE', path: '/dmops/k' });
  const marker = String(del.headers['x-amz-version-id']);
  assert.equal(del.headers['x-amz-delete-marker'], 'true');

  const tagging = '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>';
  const requests: { method: string; query: string; body?: string; headers?: Record<string, string> }[] = [
    { method: 'GET', query: 'tagging' },
    { method: 'PUT', query: 'tagging', body: tagging },
    { method: 'DELETE', query: 'tagging' },
    { method: 'GET', query: 'acl' },
    { method: 'PUT', query: 'acl', headers: { 'x-amz-acl': 'private' } },
    { method: 'GET', query: 'attributes', headers: { 'x-amz-object-attributes': 'ETag' } },
  ];
  for (const r of requests) {
    const byVersion = await send(service, { method: r.method, path: `/dmops/k?${r.query}&versionId=${marker}`, body: r.body, headers: r.headers });
    assert.equal(byVersion.status, 405, `${r.method} ?${r.query}&versionId`);
    assert.equal(xmlText(byVersion.text, 'Code'), 'MethodNotAllowed');
    assert.equal(byVersion.headers['x-amz-delete-marker'], 'true');
    assert.equal(byVersion.headers.allow, 'DELETE');
    const current = await send(service, { method: r.method, path: `/dmops/k?${r.query}`, body: r.body, headers: r.headers });
    const notAllowed = r.query === 'tagging' || (r.query === 'acl' && r.method === 'PUT');
    assert.equal(current.status, notAllowed ? 405 : 404, `${r.method} ?${r.query}`);
    assert.equal(xmlText(current.text, 'Code'), notAllowed ? 'MethodNotAllowed' : 'NoSuchKey');
  }
});
