/**
 * Issue #4 (bucket policy actions): IAM action names are case-insensitive, the service prefix
 * included — "The prefix and the action name are case insensitive. For example,
 * iam:ListAccessKeys is the same as IAM:listaccesskeys" (IAM User Guide, "IAM JSON policy
 * elements: Action"). PutBucketPolicy accepted `s3:getobject` but refused `S3:GetObject` and
 * `S3:*` with 400 MalformedPolicy "Policy has invalid action", although evaluation already compared
 * actions ignoring case. Such a policy is now stored and applies like its lower-case spelling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'polcase';
const policy = (Effect: string, Action: string | string[], Principal: unknown = '*'): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect, Principal, Action, Resource: `arn:aws:s3:::${B}/*` }] });

test('an upper-case S3: prefix is the s3: prefix: stored, and it allows and denies', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/k`, body: 'data' })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k`, as: null })).status, 403, 'private before any policy');

  const put = await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy('Allow', 'S3:GetObject') });
  assert.equal(put.status, 204, xmlText(put.text, 'Message'));
  const anon = await send(service, { method: 'GET', path: `/${B}/k`, as: null });
  assert.equal(anon.status, 200);
  assert.equal(anon.text, 'data');

  for (const action of ['S3:*', ['s3:GetObject', 'S3:PUTOBJECT'], 'S3:Get?bject']) {
    const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy('Allow', action, { AWS: BOB.accessKey }) });
    assert.equal(res.status, 204, `${JSON.stringify(action)}: ${xmlText(res.text, 'Message')}`);
  }
  const deny = await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy('Deny', 'S3:DeleteObject') });
  assert.equal(deny.status, 204);
  assert.equal((await send(service, { method: 'DELETE', path: `/${B}/k` })).status, 403, 'the Deny binds the owner');
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k` })).status, 200, 'object kept');
});

test('still refused: another service prefix, and an unknown action in any case', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  for (const action of ['IAM:PassRole', 'S3:DeleteObjects', 'S3 :GetObject']) {
    const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body: policy('Allow', action) });
    assert.equal(res.status, 400, action);
    assert.equal(xmlText(res.text, 'Code'), 'MalformedPolicy');
    assert.equal(xmlText(res.text, 'Message'), 'Policy has invalid action', action);
  }
});
