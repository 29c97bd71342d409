/**
 * Issue #4 (data loss through ACLs): a bucket WRITE grant (public-read-write, x-amz-grant-write)
 * let its grantees delete object *versions* — in a versioned bucket anyone could destroy every
 * version for good, the thing versioning is there to prevent. AWS User Guide, "Access control
 * list (ACL) overview", ACL-to-policy mapping: WRITE on a bucket allows s3:PutObject and
 * s3:DeleteObject; "In addition, when the grantee is the bucket owner, granting WRITE permission in
 * a bucket ACL allows the s3:DeleteObjectVersion action to be performed on any version in that
 * bucket." Grantees still add delete markers; the versions stay.
 */
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('a WRITE grantee cannot delete a version (DeleteObject or DeleteObjects), only add a delete marker', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/prwv', headers: { 'x-amz-acl': 'public-read-write' } })).status, 200);
  const versioning = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/prwv?versioning', body: versioning })).status, 200);
  const put = await send(service, { method: 'PUT', path: '/prwv/k', body: 'v1' });
  const v1 = String(put.headers['x-amz-version-id']);

  for (const as of [null, BOB]) {
    const del = await send(service, { method: 'DELETE', path: `/prwv/k?versionId=${v1}`, as });
    assert.equal(del.status, 403, del.text);
    const body = `<Delete><Object><Key>k</Key><VersionId>${v1}</VersionId></Object></Delete>`;
    const multi = await send(service, { method: 'POST', path: '/prwv?delete', body, as, headers: { 'content-md5': md5(body) } });
    assert.equal(multi.status, 200, multi.text);
    assert.equal(xmlText(multi.text, 'Code'), 'AccessDenied', multi.text);
  }
  // A plain delete by a grantee adds a marker; the version is still there.
  assert.equal((await send(service, { method: 'DELETE', path: '/prwv/k', as: BOB })).status, 204);
  const list = await send(service, { method: 'GET', path: '/prwv?versions' });
  assert.deepEqual(xmlAll(list.text, 'VersionId').filter((v) => v === v1), [v1]);
  assert.equal((await send(service, { method: 'GET', path: `/prwv/k?versionId=${v1}` })).text, 'v1');
  // The owner may.
  assert.equal((await send(service, { method: 'DELETE', path: `/prwv/k?versionId=${v1}` })).status, 204);
});

function md5(s: string): string {
  return createHash('md5').update(s).digest('base64');
}
