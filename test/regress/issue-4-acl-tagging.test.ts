/**
 * Issue #4 (ACL reach): object ACL grants do not cover tagging. AWS User Guide, "Access control list
 * (ACL) overview", table "Mapping of ACL permissions and access policy permissions": READ on an
 * object allows s3:GetObject, s3:GetObjectVersion and s3:GetObjectTorrent; READ_ACP the *Acl reads;
 * WRITE_ACP the *Acl writes; FULL_CONTROL those together. The gateway let READ read the tags and
 * WRITE_ACP replace or delete them, so a public-read object showed its tags to everyone.
 * Tagging stays with the bucket owner and whom the bucket policy allows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send } from '../integration/s3/helpers.js';

const TAGS = '<Tagging><TagSet><Tag><Key>team</Key><Value>secret</Value></Tag></TagSet></Tagging>';

test('public-read and FULL_CONTROL grants reach the object, not its tags', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/acltag' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/acltag/pub', body: 'x', headers: { 'x-amz-acl': 'public-read', 'x-amz-tagging': 'team=secret' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/acltag/shared', body: 'x', headers: { 'x-amz-grant-full-control': `id="${BOB.tenantId}"` } })).status, 200);

  assert.equal((await send(service, { method: 'GET', path: '/acltag/pub', as: null })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/acltag/pub?tagging', as: null })).status, 403);
  assert.equal((await send(service, { method: 'GET', path: '/acltag/shared', as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: '/acltag/shared?acl', as: BOB })).status, 200, 'READ_ACP is in FULL_CONTROL');
  assert.equal((await send(service, { method: 'GET', path: '/acltag/shared?tagging', as: BOB })).status, 403);
  assert.equal((await send(service, { method: 'PUT', path: '/acltag/shared?tagging', as: BOB, body: TAGS })).status, 403);
  assert.equal((await send(service, { method: 'DELETE', path: '/acltag/shared?tagging', as: BOB })).status, 403);
  // The owner, and a policy Allow, still reach them.
  assert.equal((await send(service, { method: 'GET', path: '/acltag/pub?tagging' })).status, 200);
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: BOB.accessKey }, Action: 's3:GetObjectTagging', Resource: 'arn:aws:s3:::acltag/*' }] });
  assert.equal((await send(service, { method: 'PUT', path: '/acltag?policy', body: policy })).status, 204);
  assert.equal((await send(service, { method: 'GET', path: '/acltag/shared?tagging', as: BOB })).status, 200);
});
