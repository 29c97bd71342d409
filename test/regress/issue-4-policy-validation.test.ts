/**
 * Issue #4 (bucket policy validation): PutBucketPolicy stored documents AWS refuses, so a typo in
 * a Deny (`s3:DeleteObjects`, a mistyped principal) made a statement that silently never applied.
 * AWS answers 400 MalformedPolicy with:
 * - "Policy has invalid action" for an action S3 does not define (Service Authorization Reference,
 *   "Actions defined by Amazon S3"; the error as AWS words it is reproduced in versitygw#650);
 * - "Action does not apply to any resource(s) in statement" for an object action with only the
 *   bucket ARN or a bucket action with only object ARNs (versitygw#645);
 * - "Invalid principal in policy" for a principal that does not exist (AWS re:Post knowledge
 *   center, "s3-invalid-principal-in-policy-error").
 * And `{"CanonicalUser": "<id>"}` principals, which the S3 user guide documents ("Principals"),
 * were refused; they name the tenant id here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, BOB, makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'polv';
const doc = (st: Record<string, unknown>): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/*`, ...st }] });

async function setup(): Promise<Awaited<ReturnType<typeof makeService>>> {
  const s = await makeService();
  assert.equal((await send(s.service, { method: 'PUT', path: `/${B}` })).status, 200);
  return s;
}

test('refused: unknown actions, actions on no resource of their type, unknown principals', async () => {
  const { service } = await setup();
  const cases: [Record<string, unknown>, string][] = [
    [{ Action: 's3:DeleteObjects' }, 'Policy has invalid action'],
    [{ Action: ['s3:GetObject', 's3:Bogus'] }, 'Policy has invalid action'],
    [{ Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}` }, 'Action does not apply to any resource(s) in statement'],
    [{ Action: ['s3:ListBucket', 's3:GetObject'], Resource: `arn:aws:s3:::${B}/*` }, 'Action does not apply to any resource(s) in statement'],
    [{ Action: 's3:ListAllMyBuckets', Resource: `arn:aws:s3:::${B}` }, 'Action does not apply to any resource(s) in statement'],
    [{ Principal: { AWS: 'AKIANOBODY0000000000' } }, 'Invalid principal in policy'],
    [{ Principal: { AWS: `arn:aws:iam::${'c'.repeat(64)}:root` } }, 'Invalid principal in policy'],
    [{ Principal: { AWS: `arn:aws:iam::${BOB.tenantId}:user/mallory` } }, 'Invalid principal in policy'],
    [{ Principal: { CanonicalUser: 'c'.repeat(64) } }, 'Invalid principal in policy'],
  ];
  for (const [st, message] of cases) {
    const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body: doc(st) });
    assert.equal(res.status, 400, JSON.stringify(st));
    assert.equal(xmlText(res.text, 'Code'), 'MalformedPolicy');
    assert.equal(xmlText(res.text, 'Message'), message, JSON.stringify(st));
  }
  assert.equal((await send(service, { method: 'GET', path: `/${B}?policy` })).status, 404, 'nothing stored');
});

test('accepted: wildcards, any case, both resource types, every principal form of a known user', async () => {
  const { service } = await setup();
  for (const st of [
    { Action: ['s3:ListBucket', 's3:GetObject'], Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] },
    { Action: 's3:getobject' },
    { Action: 's3:Get*', Resource: `arn:aws:s3:::${B}` },
    { Action: 's3:*', Resource: `arn:aws:s3:::${B}` },
    { Action: '*' },
    { Action: 's3:GetObjectRetention' },
    { Action: 's3:PutBucketObjectLockConfiguration', Resource: `arn:aws:s3:::${B}` },
    { Principal: { AWS: [BOB.accessKey, BOB.tenantId, `arn:aws:iam::${BOB.tenantId}:root`, `arn:aws:iam::${BOB.tenantId}:user/bob`] } },
    { Principal: { CanonicalUser: ALICE.tenantId } },
  ]) {
    const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body: doc(st) });
    assert.equal(res.status, 204, `${JSON.stringify(st)}: ${res.text}`);
  }
});

test('a CanonicalUser principal grants what it says to that tenant only', async () => {
  const { service } = await setup();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}/k`, body: 'v' })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k`, as: BOB })).status, 403);
  const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body: doc({ Principal: { CanonicalUser: BOB.tenantId } }) });
  assert.equal(res.status, 204, res.text);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k`, as: BOB })).status, 200);
  assert.equal((await send(service, { method: 'GET', path: `/${B}/k`, as: null })).status, 403);
});
