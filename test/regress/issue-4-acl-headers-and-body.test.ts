/**
 * Issue #4 (fuzzing Put*Acl): a Put*Acl carrying `x-amz-acl` (or an `x-amz-grant-*` header) and an
 * AccessControlPolicy body at once applied the header and dropped the body unread. S3 refuses the
 * request with 400 UnexpectedContent "This request does not support content" (minio-java#253,
 * riak_cs#631, amazonka#241 quote it), and changes nothing; a header with an empty body still sets
 * the ACL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

const doc = `<AccessControlPolicy><Owner><ID>${ALICE.tenantId}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${ALICE.tenantId}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`;

test('Put*Acl with ACL headers and a body: 400 UnexpectedContent, ACL unchanged; headers alone still work', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/aclhb' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/aclhb/k', body: 'v' })).status, 200);
  for (const path of ['/aclhb?acl', '/aclhb/k?acl']) {
    const before = (await send(service, { method: 'GET', path })).text;
    for (const headers of [{ 'x-amz-acl': 'public-read' }, { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }] as Record<string, string>[]) {
      const res = await send(service, { method: 'PUT', path, headers, body: doc });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(headers)}: ${res.text}`);
      assert.equal(xmlText(res.text, 'Code'), 'UnexpectedContent');
      assert.equal(xmlText(res.text, 'Message'), 'This request does not support content');
      assert.equal((await send(service, { method: 'GET', path })).text.replace(/<RequestId>.*?<\/RequestId>/, ''), before.replace(/<RequestId>.*?<\/RequestId>/, ''));
    }
    assert.equal((await send(service, { method: 'PUT', path, headers: { 'x-amz-acl': 'public-read' } })).status, 200);
    assert.match((await send(service, { method: 'GET', path })).text, /AllUsers/);
  }
});
