/**
 * Issue #4 (authz17, found by test/integration/fuzz/authz-model.test.ts): a tenant that a bucket
 * policy allows only s3:PutObject could start a multipart upload in another tenant's bucket but not
 * abort it nor list its parts: AbortMultipartUpload and ListParts answered 403 AccessDenied, since
 * they need s3:AbortMultipartUpload / s3:ListMultipartUploadParts. S3 lets the initiator do both by
 * default ("By default, the bucket owner and the initiator of the multipart upload are allowed to
 * perform this action"; "The initiator of the multipart upload has the permission to list parts of
 * the specific multipart upload": user guide, "Multipart upload API and permissions"). SDKs abort a
 * failed upload, so its parts stayed until the age-out. Now the initiator may, unless the policy
 * denies the action; nobody else gains anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'initiator';

const policy = (...Statement: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const uploadIdOf = (text: string): string => /<UploadId>([^<]+)<\/UploadId>/.exec(text)![1]!;

test('the initiator of an upload may list its parts and abort it with s3:PutObject alone; others may not; a Deny binds', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  const allowPut = { Effect: 'Allow', Principal: { AWS: BOB.tenantId }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${B}/*` };
  assert.equal((await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy(allowPut) })).status, 204);

  const bobs = uploadIdOf((await send(service, { method: 'POST', path: `/${B}/bob?uploads`, as: BOB })).text);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/bob?partNumber=1&uploadId=${bobs}`, body: 'part', as: BOB })).status, 200);
  const list = await send(service, { method: 'GET', path: `/${B}/bob?uploadId=${bobs}`, as: BOB });
  assert.equal(list.status, 200, list.text);
  assert.equal(xmlText(list.text, 'PartNumber'), '1');
  // Another key's upload id does not make bob its initiator.
  assert.equal((await send(service, { method: 'GET', path: `/${B}/other?uploadId=${bobs}`, as: BOB })).status, 403);
  const abort = await send(service, { method: 'DELETE', path: `/${B}/bob?uploadId=${bobs}`, as: BOB });
  assert.equal(abort.status, 204, abort.text);
  assert.equal((await send(service, { method: 'GET', path: `/${B}?uploads` })).text.includes('<Key>bob</Key>'), false, 'aborted');

  // The owner's upload: bob is not its initiator and holds neither action.
  const alices = uploadIdOf((await send(service, { method: 'POST', path: `/${B}/alice?uploads` })).text);
  assert.equal(xmlText((await send(service, { method: 'GET', path: `/${B}/alice?uploadId=${alices}`, as: BOB })).text, 'Code'), 'AccessDenied');
  assert.equal(xmlText((await send(service, { method: 'DELETE', path: `/${B}/alice?uploadId=${alices}`, as: BOB })).text, 'Code'), 'AccessDenied');
  assert.equal((await send(service, { method: 'GET', path: `/${B}/alice?uploadId=${alices}` })).status, 200, 'still there');

  // An explicit Deny binds the initiator too.
  const deny = { Effect: 'Deny', Principal: { AWS: BOB.tenantId }, Action: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `arn:aws:s3:::${B}/*` };
  assert.equal((await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy(allowPut, deny) })).status, 204);
  const again = uploadIdOf((await send(service, { method: 'POST', path: `/${B}/bob?uploads`, as: BOB })).text);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/bob?uploadId=${again}`, as: BOB })).status, 403);
  assert.equal((await send(service, { method: 'DELETE', path: `/${B}/bob?uploadId=${again}`, as: BOB })).status, 403);
});
