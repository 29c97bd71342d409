/**
 * Issue #4 (versitygw audit, PutBucketAcl_invalid_grantee_type_in_body): a Put*Acl document whose
 * `<Grantee xsi:type="…">` names no grantee type of S3's schema (CanonicalUser,
 * AmazonCustomerByEmail, Group) was stored, the type being read from the grantee's children. S3
 * refuses it with 400 MalformedACLError (aws-sdk-go#917: `xsi:type="Canonical User"` was refused,
 * `CanonicalUser` accepted). A grantee without xsi:type is still read from its children.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
function doc(granteeAttrs: string, inner = `<ID>${BOB.tenantId}</ID>`): string {
  return `<AccessControlPolicy><Owner><ID>${ALICE.tenantId}</ID></Owner><AccessControlList><Grant><Grantee ${granteeAttrs}>${inner}</Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`;
}

test('Put*Acl: a Grantee xsi:type outside the schema is 400 MalformedACLError, nothing stored; known types pass', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/gtype' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/gtype/k', body: 'v' })).status, 200);
  const before = (await send(service, { method: 'GET', path: '/gtype?acl' })).text;
  for (const path of ['/gtype?acl', '/gtype/k?acl']) {
    for (const attrs of [`${XSI} xsi:type="invalid_type"`, `${XSI} xsi:type="Canonical User"`, `${XSI} xsi:type="canonicaluser"`,
      `xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type='Nobody'`, `${XSI} xsi:type=""`]) {
      const res = await send(service, { method: 'PUT', path, body: doc(attrs) });
      assert.equal(res.status, 400, `${path} ${attrs}: ${res.text}`);
      assert.equal(xmlText(res.text, 'Code'), 'MalformedACLError', `${path} ${attrs}`);
    }
  }
  assert.equal((await send(service, { method: 'GET', path: '/gtype?acl' })).text.replace(/<RequestId>.*$/s, ''), before.replace(/<RequestId>.*$/s, ''));
  for (const body of [doc(`${XSI} xsi:type="CanonicalUser"`), doc(`${XSI} xsi:type="&#67;anonicalUser"`), doc(XSI), doc(''),
    doc(`${XSI} xsi:type="Group"`, '<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>')]) {
    const res = await send(service, { method: 'PUT', path: '/gtype?acl', body });
    assert.equal(res.status, 200, `${body}: ${res.text}`);
  }
});
