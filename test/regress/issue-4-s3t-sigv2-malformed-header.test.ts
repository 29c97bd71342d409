/**
 * Issue #4 (s3-tests test_headers test_object_create_bad_authorization_invalid_aws2 and
 * test_bucket_create_bad_authorization_invalid_aws2): a SigV2 `Authorization: AWS …` value that is
 * not `AWS key:signature` was 400 AuthorizationHeaderMalformed, SigV4's code. S3 answers 400
 * InvalidArgument naming the header (ArgumentName Authorization): "AWS authorization header is
 * invalid.  Expected AwsAccessKeyId:signature" for a value without one colon and a signature,
 * "Authorization header is invalid -- one and only one ' ' (space) required" for a second space.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signV2, stringToSignV2 } from '../../conformance/lib/sign.js';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

test('a malformed SigV2 Authorization header is 400 InvalidArgument naming the header', async () => {
  const { service } = await makeService();
  const date = new Date().toUTCString();
  const cases: [string, string][] = [
    ['AWS HAHAHA', 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature'],
    [`AWS ${ALICE.accessKey}:`, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature'],
    [`AWS ${ALICE.accessKey}:abc:def`, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature'],
    [`AWS  ${ALICE.accessKey}:abc`, "Authorization header is invalid -- one and only one ' ' (space) required"],
    [`AWS ${ALICE.accessKey}: abc`, "Authorization header is invalid -- one and only one ' ' (space) required"],
  ];
  for (const [authorization, message] of cases) {
    for (const [method, path] of [['PUT', '/v2-malformed/foo'], ['PUT', '/v2-malformed']] as const) {
      const r = await send(service, { method, path, headers: { date, authorization }, body: method === 'PUT' && path.endsWith('foo') ? 'bar' : '', as: null });
      assert.equal(r.status, 400, `${authorization}: ${r.text}`);
      assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument', authorization);
      assert.equal(xmlText(r.text, 'Message'), message, authorization);
      assert.equal(xmlText(r.text, 'ArgumentName'), 'Authorization', authorization);
    }
  }
});

test('a well-formed SigV2 header still verifies; an unknown key is InvalidAccessKeyId', async () => {
  const { service } = await makeService();
  const date = new Date().toUTCString();
  const sig = signV2(ALICE.secretKey, stringToSignV2({ method: 'PUT', dateOrExpires: date, resource: '/v2-wellformed' }));
  const ok = await send(service, { method: 'PUT', path: '/v2-wellformed', headers: { date, authorization: `AWS ${ALICE.accessKey}:${sig}` }, as: null });
  assert.equal(ok.status, 200, ok.text);
  const unknown = await send(service, { method: 'PUT', path: '/v2-other', headers: { date, authorization: `AWS AKIAIGR7ZNNBHC5BKSUB:${sig}` }, as: null });
  assert.equal(unknown.status, 403, unknown.text);
  assert.equal(xmlText(unknown.text, 'Code'), 'InvalidAccessKeyId');
});
