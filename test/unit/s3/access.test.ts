/**
 * ACL-lite and policy-lite (shared/spec/s3-surface.md §8): canned ACLs, grant headers, grant
 * evaluation, policy evaluation, and reading the persisted v1 forms back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aclAllows, aclFromHeaders, asStoredAcl, cannedAcl, GROUPS, ownerFirst, validateGrantees } from '../../../src/s3/acl.js';
import { asStoredCors } from '../../../src/s3/cors.js';
import { S3Error } from '../../../src/s3/errors.js';
import { asStoredPolicy, evaluatePolicy, parsePolicy, policyIsPublic, resourceArn } from '../../../src/s3/policy.js';
import { asStoredLifecycle } from '../../../src/s3/xml/lifecycle.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const code = (c: string) => (e: unknown): boolean => e instanceof S3Error && e.code === c;

test('canned ACLs expand to the AWS grant lists', () => {
  assert.deepEqual(cannedAcl('private', A).grants, [{ grantee: { type: 'CanonicalUser', id: A }, permission: 'FULL_CONTROL' }]);
  assert.deepEqual(cannedAcl('public-read-write', A).grants.map((g) => g.permission), ['FULL_CONTROL', 'READ', 'WRITE']);
  assert.deepEqual(cannedAcl('authenticated-read', A).grants[1], { grantee: { type: 'Group', uri: GROUPS.AuthenticatedUsers }, permission: 'READ' });
  assert.deepEqual(cannedAcl('bucket-owner-full-control', B, A).grants[1], { grantee: { type: 'CanonicalUser', id: A }, permission: 'FULL_CONTROL' });
  assert.equal(cannedAcl('bucket-owner-read', A, A).grants.length, 1);
  // AWS "Canned ACL" table: LogDelivery gets WRITE and READ_ACP (it matches no caller here).
  assert.deepEqual(cannedAcl('log-delivery-write', A).grants.slice(1), [
    { grantee: { type: 'Group', uri: GROUPS.LogDelivery }, permission: 'WRITE' },
    { grantee: { type: 'Group', uri: GROUPS.LogDelivery }, permission: 'READ_ACP' },
  ]);
  assert.equal(aclAllows(cannedAcl('log-delivery-write', A), undefined, 'WRITE'), false);
  assert.equal(aclAllows(cannedAcl('log-delivery-write', A), B, 'WRITE'), false);
  assert.throws(() => cannedAcl('aws-exec-read-not-a-thing', A), code('InvalidArgument'));
});

test('grant headers; canned + grants → InvalidRequest; email → NotImplemented', () => {
  const acl = aclFromHeaders({ 'x-amz-grant-read': `id="${B}", uri="${GROUPS.AllUsers}"`, 'x-amz-grant-write-acp': `id=${B}` }, A)!;
  assert.deepEqual(acl.grants.map((g) => [g.permission, g.grantee.type]), [['READ', 'CanonicalUser'], ['READ', 'Group'], ['WRITE_ACP', 'CanonicalUser']]);
  assert.equal(aclFromHeaders({}, A), undefined);
  assert.throws(() => aclFromHeaders({ 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${B}"` }, A), code('InvalidRequest'));
  assert.throws(() => aclFromHeaders({ 'x-amz-grant-read': 'emailAddress="x@y.z"' }, A), code('NotImplemented'));
  assert.throws(() => validateGrantees(acl, (id) => id === A), code('InvalidArgument'));
  validateGrantees(acl, () => true);
});

test('grant evaluation: FULL_CONTROL implies all; AllUsers includes anonymous; AuthenticatedUsers does not', () => {
  const acl = { v: 1 as const, owner: A, grants: [
    { grantee: { type: 'CanonicalUser' as const, id: B }, permission: 'FULL_CONTROL' as const },
    { grantee: { type: 'Group' as const, uri: GROUPS.AuthenticatedUsers }, permission: 'READ' as const },
  ] };
  assert.equal(aclAllows(acl, B, 'WRITE_ACP'), true);
  assert.equal(aclAllows(acl, A, 'READ'), true);
  assert.equal(aclAllows(acl, A, 'WRITE'), false);
  assert.equal(aclAllows(acl, undefined, 'READ'), false);
  assert.equal(aclAllows(cannedAcl('public-read', A), undefined, 'READ'), true);
  assert.equal(aclAllows(undefined, A, 'READ'), false);
  assert.deepEqual(ownerFirst({ v: 1, owner: A, grants: [...acl.grants, { grantee: { type: 'CanonicalUser', id: A }, permission: 'FULL_CONTROL' }] })[0]!.grantee, { type: 'CanonicalUser', id: A });
});

test('policy evaluation: deny wins, wildcards, principals by tenant, key and ARN, anonymous only via *', () => {
  const p = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pb/public/*' },
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:user/bob` }, Action: 's3:*', Resource: ['arn:aws:s3:::pb', 'arn:aws:s3:::pb/*'] },
    { Effect: 'Deny', Principal: { AWS: 'AKIABOB00000000000BB' }, Action: 's3:Delete*', Resource: 'arn:aws:s3:::pb/keep/*' },
  ] }), 'pb');
  const bob = { tenantId: B, accessKey: 'AKIABOB00000000000BB', userName: 'bob' };
  const carol = { tenantId: 'c'.repeat(64), accessKey: 'AKIACAROL', userName: 'carol' };
  assert.equal(evaluatePolicy(p, undefined, 's3:GetObject', resourceArn('pb', 'public/x')), 'allow');
  assert.equal(evaluatePolicy(p, undefined, 's3:GetObject', resourceArn('pb', 'private/x')), 'none');
  assert.equal(evaluatePolicy(p, undefined, 's3:PutObject', resourceArn('pb', 'public/x')), 'none');
  assert.equal(evaluatePolicy(p, bob, 's3:ListBucket', resourceArn('pb')), 'allow');
  assert.equal(evaluatePolicy(p, bob, 's3:DeleteObject', resourceArn('pb', 'keep/a')), 'deny');
  assert.equal(evaluatePolicy(p, { ...bob, userName: 'other' }, 's3:PutObject', resourceArn('pb', 'x')), 'none');
  assert.equal(evaluatePolicy(p, carol, 's3:getobject', resourceArn('pb', 'public/a')), 'allow', 'actions are case-insensitive');
  assert.equal(policyIsPublic(p), true);
  assert.equal(evaluatePolicy(undefined, bob, 's3:GetObject', resourceArn('pb', 'x')), 'none');
});

test('persisted v1 forms (golden fixtures) still read back', () => {
  const read = (n: string): unknown => JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 's3', n), 'utf8'));
  assert.ok(asStoredAcl(read('stored-acl-v1.json')));
  assert.ok(asStoredCors(read('stored-cors-v1.json')));
  assert.ok(asStoredPolicy(read('stored-policy-v1.json')));
  assert.ok(asStoredLifecycle(read('stored-lifecycle-v1.json')));
  assert.equal(asStoredAcl({ owner: A, grants: [] }), undefined, 'untagged documents are not ACLs');
});
