/**
 * Issue #4 (policy reach of writes): a user whom a bucket policy allows s3:PutObject could make the
 * object public with `x-amz-acl: public-read` (or grant it to anyone with `x-amz-grant-*`) and tag
 * it, though the policy allowed neither. AWS API_PutObject.html, "Permissions": "To successfully
 * change the objects ACL of your PutObject request, you must have the s3:PutObjectAcl", and the
 * x-amz-tagging header needs s3:PutObjectTagging; the same holds for CopyObject and
 * CreateMultipartUpload (Service Authorization Reference, operations table).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'putacl';
const policy = (actions: string[]): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: BOB.accessKey }, Action: actions, Resource: `arn:aws:s3:::${B}/*` }],
});

async function setup(actions: string[]): Promise<Awaited<ReturnType<typeof makeService>>['service']> {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy(actions) })).status, 204);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/src`, body: 'x' })).status, 200);
  return service;
}

const writes = (headers: Record<string, string>) => [
  { method: 'PUT', path: `/${B}/k`, body: 'v', headers },
  { method: 'PUT', path: `/${B}/c`, headers: { ...headers, 'x-amz-copy-source': `/${B}/src`, 'x-amz-tagging-directive': 'REPLACE' } },
  { method: 'POST', path: `/${B}/m?uploads`, headers },
];

test('s3:PutObject alone: ACL or tagging headers → 403, plain writes pass', async () => {
  const service = await setup(['s3:PutObject', 's3:GetObject']);
  const cases: Record<string, string>[] = [{ 'x-amz-acl': 'public-read' }, { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }, { 'x-amz-tagging': 'a=b' }];
  for (const headers of cases) {
    for (const w of writes(headers)) {
      const res = await send(service, { ...w, as: BOB });
      assert.equal(res.status, 403, `${w.method} ${w.path} ${JSON.stringify(headers)}: ${res.text}`);
      assert.equal(xmlText(res.text, 'Code'), 'AccessDenied');
    }
  }
  for (const w of writes({})) assert.equal((await send(service, { ...w, as: BOB })).status, 200, `${w.method} ${w.path}`);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k`, as: null })).status, 403, 'nothing made public');
});

test('with s3:PutObjectAcl and s3:PutObjectTagging allowed too, the same writes pass', async () => {
  const service = await setup(['s3:PutObject', 's3:GetObject', 's3:PutObjectAcl', 's3:PutObjectTagging']);
  for (const w of writes({ 'x-amz-acl': 'public-read', 'x-amz-tagging': 'a=b' })) {
    const res = await send(service, { ...w, as: BOB });
    assert.equal(res.status, 200, `${w.method} ${w.path}: ${res.text}`);
  }
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k`, as: null })).status, 200);
});

test('the bucket owner and ACL WRITE grantees are not affected', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}`, headers: { 'x-amz-acl': 'public-read-write' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/o`, body: 'v', headers: { 'x-amz-acl': 'public-read', 'x-amz-tagging': 'a=b' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/g`, body: 'v', as: BOB, headers: { 'x-amz-acl': 'public-read' } })).status, 200);
});
