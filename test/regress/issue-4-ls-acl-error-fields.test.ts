/**
 * Issue #4 (ACL errors, LocalStack's AWS recordings): S3 names the offending argument of a refused
 * ACL. LocalStack's tests/aws/services/s3/test_s3.snapshot.json (test_s3_bucket_acl_exceptions,
 * test_s3_object_acl_exceptions, recorded against AWS) shows, for PutBucketAcl and PutObjectAcl:
 * - `x-amz-grant-write: fakekey="1234"` → InvalidArgument "Argument format not recognized",
 *   ArgumentName `x-amz-grant-write`, ArgumentValue `fakekey="1234"`;
 * - `x-amz-grant-write: uri="…/FakeGroup"` → "Invalid group uri", ArgumentName `uri`;
 * - `x-amz-grant-write: id="wrong-id"` → "Invalid id", ArgumentName `id`;
 * - a body whose Owner ID is `wrong-id` → "Invalid id", ArgumentName `CanonicalUser/ID` (400, not
 *   403 AccessDenied);
 * - a body naming group `…/FakeGroup` → "Invalid group uri", ArgumentName `Group/URI`;
 * - neither header nor body → MissingSecurityHeader with MissingHeaderName `x-amz-acl`.
 * The gateway answered without ArgumentName/ArgumentValue (and "Invalid grant header value"),
 * `CanonicalUser/ID` for a header id, 403 AccessDenied for the malformed Owner ID, and no
 * MissingHeaderName. A well-formed foreign Owner ID is still AccessDenied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

const FAKE_GROUP = 'http://acs.amazonaws.com/groups/s3/FakeGroup';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

function policy(ownerId: string, granteeXml: string): string {
  return `<AccessControlPolicy><Owner><ID>${ownerId}</ID></Owner><AccessControlList><Grant>`
    + `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ${granteeXml}</Grantee>`
    + '<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>';
}

test('Put*Acl errors name the argument as S3 does', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/aclargs' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/aclargs/k', body: 'v' })).status, 200);
  const cases: { headers?: Record<string, string>; body?: string; status: number; code: string; message?: string; fields: Record<string, string> }[] = [
    { headers: { 'x-amz-grant-write': 'fakekey="1234"' }, status: 400, code: 'InvalidArgument', message: 'Argument format not recognized', fields: { ArgumentName: 'x-amz-grant-write', ArgumentValue: 'fakekey="1234"' } },
    { headers: { 'x-amz-grant-write': `uri="${FAKE_GROUP}"` }, status: 400, code: 'InvalidArgument', message: 'Invalid group uri', fields: { ArgumentName: 'uri', ArgumentValue: FAKE_GROUP } },
    { headers: { 'x-amz-grant-write': 'id="wrong-id"' }, status: 400, code: 'InvalidArgument', message: 'Invalid id', fields: { ArgumentName: 'id', ArgumentValue: 'wrong-id' } },
    { body: policy('wrong-id', `xsi:type="Group"><URI>${LOG_DELIVERY}</URI>`), status: 400, code: 'InvalidArgument', message: 'Invalid id', fields: { ArgumentName: 'CanonicalUser/ID', ArgumentValue: 'wrong-id' } },
    { body: policy(ALICE.tenantId, `xsi:type="Group"><URI>${FAKE_GROUP}</URI>`), status: 400, code: 'InvalidArgument', message: 'Invalid group uri', fields: { ArgumentName: 'Group/URI', ArgumentValue: FAKE_GROUP } },
    { status: 400, code: 'MissingSecurityHeader', fields: { MissingHeaderName: 'x-amz-acl' } },
    // A well-formed id that is not the owner's stays 403 AccessDenied.
    { body: policy('c'.repeat(64), `xsi:type="Group"><URI>${LOG_DELIVERY}</URI>`), status: 403, code: 'AccessDenied', fields: {} },
  ];
  for (const path of ['/aclargs?acl', '/aclargs/k?acl']) {
    for (const c of cases) {
      const label = `${path} ${JSON.stringify(c.headers ?? c.body ?? 'nothing')}`;
      const res = await send(service, { method: 'PUT', path, headers: c.headers, body: c.body ?? '' });
      assert.equal(res.status, c.status, `${label}: ${res.text}`);
      assert.equal(xmlText(res.text, 'Code'), c.code, label);
      if (c.message) assert.equal(xmlText(res.text, 'Message'), c.message, label);
      for (const [name, value] of Object.entries(c.fields)) {
        assert.equal(xmlText(res.text, name)?.replaceAll('&quot;', '"'), value, `${label} ${name}`);
      }
    }
  }
  // Nothing was stored: the ACLs are still the private default.
  for (const path of ['/aclargs?acl', '/aclargs/k?acl']) {
    const acl = await send(service, { method: 'GET', path });
    assert.equal(acl.status, 200);
    assert.doesNotMatch(acl.text, /LogDelivery|FakeGroup/);
  }
});
