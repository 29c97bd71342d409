/**
 * Issue #4 (spec16, s3-surface.md §8 "explicit Deny in bucket policy → 403" first, for everyone):
 *
 * 1. A bucket policy denying s3:PutObjectAcl (or s3:PutObjectTagging) to "*" refused PutObjectAcl,
 *    but the bucket owner and bucket WRITE grantees could still set an ACL through the write itself:
 *    PutObject / CreateMultipartUpload with `x-amz-acl: public-read` (or `x-amz-tagging`) answered
 *    200 and the object was public. Those headers need the action (API_PutObject.html,
 *    "Permissions": "To successfully change the objects ACL of your PutObject request, you must have
 *    the s3:PutObjectAcl"), so the Deny applies to them too: 403 AccessDenied, nothing stored.
 * 2. GetObjectAttributes needs s3:GetObject as well as s3:GetObjectAttributes (s3:GetObjectVersion
 *    and s3:GetObjectVersionAttributes with a versionId; API_GetObjectAttributes.html,
 *    "Permissions"). A policy denying s3:GetObject still let the caller read the object's ETag,
 *    size and checksums through ?attributes, and a policy allowing only s3:GetObjectAttributes was
 *    enough.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'denyattrs';

function policy(...Statement: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement });
}

async function setup(p: string): Promise<Awaited<ReturnType<typeof makeService>>['service']> {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  const acl = await send(service, { method: 'PUT', path: `/${B}?acl`, headers: { 'x-amz-grant-full-control': `id=${ALICE.tenantId}`, 'x-amz-grant-write': `id=${BOB.tenantId}` } });
  assert.equal(acl.status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/old`, body: 'old' })).status, 200);
  const put = await send(service, { method: 'PUT', path: `/${B}?policy`, body: p });
  assert.equal(put.status, 204, put.text);
  return service;
}

test('Deny s3:PutObjectAcl / s3:PutObjectTagging binds the owner and WRITE grantees on PutObject and CreateMultipartUpload', async () => {
  const service = await setup(policy({ Effect: 'Deny', Principal: '*', Action: ['s3:PutObjectAcl', 's3:PutObjectTagging'], Resource: `arn:aws:s3:::${B}/*` }));
  const refused: [string, typeof ALICE, string, string, Record<string, string>][] = [
    ['owner, x-amz-acl', ALICE, 'PUT', `/${B}/a`, { 'x-amz-acl': 'public-read' }],
    ['owner, x-amz-grant-read', ALICE, 'PUT', `/${B}/b`, { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }],
    ['owner, x-amz-tagging', ALICE, 'PUT', `/${B}/c`, { 'x-amz-tagging': 'k=v' }],
    ['WRITE grantee, x-amz-acl', BOB, 'PUT', `/${B}/d`, { 'x-amz-acl': 'public-read' }],
    ['owner, CreateMultipartUpload x-amz-acl', ALICE, 'POST', `/${B}/e?uploads`, { 'x-amz-acl': 'public-read' }],
  ];
  for (const [label, as, method, path, headers] of refused) {
    const res = await send(service, { method, path, headers, body: method === 'PUT' ? 'data' : '', as });
    assert.equal(res.status, 403, `${label}: ${res.status} ${res.text}`);
    assert.equal(xmlText(res.text, 'Code'), 'AccessDenied', label);
  }
  for (const k of ['a', 'b', 'c', 'd']) assert.equal((await send(service, { method: 'HEAD', path: `/${B}/${k}` })).status, 404, `${k}: nothing stored`);
  assert.equal((await send(service, { method: 'GET', path: `/${B}?uploads` })).text.includes('<Key>e</Key>'), false, 'no upload started');
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/old?acl`, headers: { 'x-amz-acl': 'public-read' } })).status, 403, 'PutObjectAcl itself (as before)');
  // Writes without those headers are untouched; the owner and the grantee still write.
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/f`, body: 'x' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/g`, body: 'x', as: BOB })).status, 200);
  // Without a Deny, owner and grantee need no Allow of those actions (unchanged).
  assert.equal((await send(service, { method: 'DELETE', path: `/${B}?policy` })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/h`, body: 'x', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/i`, body: 'x', headers: { 'x-amz-tagging': 'k=v' }, as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/h`, as: null })).status, 200);
});

test('GetObjectAttributes needs s3:GetObject too: a Deny of it refuses, an Allow of s3:GetObjectAttributes alone is not enough', async () => {
  const attrs = { 'x-amz-object-attributes': 'ETag,ObjectSize' };
  const denied = await setup(policy({ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/*` }));
  assert.equal((await send(denied, { method: 'GET', path: `/${B}/old` })).status, 403, 'GetObject denied (as before)');
  const res = await send(denied, { method: 'GET', path: `/${B}/old?attributes`, headers: attrs });
  assert.equal(res.status, 403, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'AccessDenied');
  assert.equal(xmlText(res.text, 'ObjectSize'), undefined);

  const only = await setup(policy({ Effect: 'Allow', Principal: { AWS: BOB.accessKey }, Action: 's3:GetObjectAttributes', Resource: `arn:aws:s3:::${B}/*` }));
  assert.equal((await send(only, { method: 'GET', path: `/${B}/old?attributes`, headers: attrs, as: BOB })).status, 403, 'attributes alone');

  const both = await setup(policy({ Effect: 'Allow', Principal: { AWS: BOB.accessKey }, Action: ['s3:GetObject', 's3:GetObjectAttributes'], Resource: `arn:aws:s3:::${B}/*` }));
  const ok = await send(both, { method: 'GET', path: `/${B}/old?attributes`, headers: attrs, as: BOB });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(xmlText(ok.text, 'ObjectSize'), '3');
  assert.equal((await send(both, { method: 'GET', path: `/${B}/old?attributes`, headers: attrs })).status, 200, 'the owner');
});
