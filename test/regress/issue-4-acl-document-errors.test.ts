/**
 * Issue #4 (ACL documents): S3 answers a Put*Acl document its schema refuses with 400
 * MalformedACLError — a missing Owner (the form the SDKs build when Owner is left out), a
 * misspelt permission (aws-sdk-ruby#787), a bad grantee (aws-sdk-go#917) — and a Put*Acl that names
 * no ACL at all with 400 MissingSecurityHeader. The gateway answered MalformedXML, and stored a
 * document without Owner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

const grantXml = `<AccessControlList><Grant><Grantee><ID>${ALICE.tenantId}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList>`;

test('Put*Acl: schema failures are MalformedACLError, no ACL at all MissingSecurityHeader; nothing changes', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/acldoc', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/acldoc/k', body: 'v' })).status, 200);
  const before = (await send(service, { method: 'GET', path: '/acldoc?acl' })).text;
  for (const path of ['/acldoc?acl', '/acldoc/k?acl']) {
    for (const [body, codeWanted] of [
      [`<AccessControlPolicy>${grantXml}</AccessControlPolicy>`, 'MalformedACLError'],
      [`<AccessControlPolicy><Owner><ID>${ALICE.tenantId}</ID></Owner>${grantXml.replace('FULL_CONTROL', 'FULL_CONTROLL')}</AccessControlPolicy>`, 'MalformedACLError'],
      ['{"Grants": []}', 'MalformedACLError'],
      ['', 'MissingSecurityHeader'],
    ] as const) {
      const res = await send(service, { method: 'PUT', path, body });
      assert.equal(res.status, 400, `${path} ${body}: ${res.text}`);
      assert.equal(xmlText(res.text, 'Code'), codeWanted, `${path} ${body}`);
    }
  }
  const after = (await send(service, { method: 'GET', path: '/acldoc?acl' })).text;
  assert.equal(after.replace(/<RequestId>.*$/, ''), before.replace(/<RequestId>.*$/, ''));
  assert.equal((await send(service, { method: 'GET', path: '/acldoc/k?acl' })).status, 200);
});
