/**
 * Issue #4 (canned ACLs): `log-delivery-write` and grants to the LogDelivery group were refused
 * with 400 InvalidArgument, so Terraform/CloudFormation configurations of logging buckets failed.
 * AWS "Canned ACL" table: log-delivery-write — "The LogDelivery group gets WRITE and READ_ACP
 * permissions on the bucket". The grants are stored and shown; with no log delivery here they let
 * nobody in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlAll } from '../integration/s3/helpers.js';

const LOG = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

test('log-delivery-write and LogDelivery grants are accepted, shown, and open nothing', async () => {
  const { service } = await makeService();
  const create = await send(service, { method: 'PUT', path: '/logs', headers: { 'x-amz-acl': 'log-delivery-write' } });
  assert.equal(create.status, 200, create.text);
  const acl = await send(service, { method: 'GET', path: '/logs?acl' });
  assert.deepEqual(xmlAll(acl.text, 'URI'), [LOG, LOG]);
  assert.deepEqual(xmlAll(acl.text, 'Permission'), ['FULL_CONTROL', 'WRITE', 'READ_ACP']);
  for (const as of [null, BOB]) {
    assert.equal((await send(service, { method: 'PUT', path: '/logs/x', body: 'v', as })).status, 403);
    assert.equal((await send(service, { method: 'GET', path: '/logs?acl', as })).status, 403);
  }
  const grant = await send(service, { method: 'PUT', path: '/logs?acl', headers: { 'x-amz-grant-write': `uri="${LOG}"`, 'x-amz-grant-read-acp': `uri="${LOG}"` } });
  assert.equal(grant.status, 200, grant.text);
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: '/logs?acl' })).text, 'URI'), [LOG, LOG]);
});
