/**
 * Issue #4 (real clients, sdk16): boto3 with `signature_version='s3'` (SigV2) got 403
 * SignatureDoesNotMatch from GetBucketEncryption, Get/PutBucketOwnershipControls,
 * Get/PutPublicAccessBlock, Get/PutObjectLegalHold, Get/PutObjectRetention and the
 * intelligent-tiering calls: botocore's `HmacV1Auth.QSAOfInterest` (botocore/auth.py) leaves these
 * sub-resources out of the CanonicalizedResource, and the gateway's list signs them (as minio-go
 * and Ceph do for some). The gateway now accepts both forms in the Authorization header (presigned
 * URLs must sign the sub-resource); any other resource still fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizationV2, presignV2 } from '../../conformance/lib/sign.js';
import { ALICE, makeService, send } from '../integration/s3/helpers.js';

const KEYS = { accessKeyId: ALICE.accessKey, secretAccessKey: ALICE.secretKey };

test('SigV2 as botocore signs it: encryption, ownershipControls, publicAccessBlock, retention, legal-hold left out of the resource', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/v2sub' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/v2sub/k', body: 'v' })).status, 200);
  const date = new Date().toUTCString();
  const v2 = (method: string, path: string, resource: string): Promise<Awaited<ReturnType<typeof send>>> =>
    send(service, { method, path, headers: { date, authorization: authorizationV2(KEYS, { method, dateOrExpires: date, resource }) }, as: null });

  // botocore signs a bucket-only path with a trailing slash and without these sub-resources.
  const enc = await v2('GET', '/v2sub?encryption', '/v2sub/');
  assert.equal(enc.status, 404, enc.text);
  assert.match(enc.text, /<Code>ServerSideEncryptionConfigurationNotFoundError<\/Code>/);
  const own = await v2('GET', '/v2sub?ownershipControls', '/v2sub/');
  assert.equal(own.status, 404, own.text);
  assert.match(own.text, /<Code>OwnershipControlsNotFoundError<\/Code>/);
  const pab = await v2('DELETE', '/v2sub?publicAccessBlock', '/v2sub/');
  assert.equal(pab.status, 204, pab.text);
  // Object lock is not implemented: past authentication, the answer is NotImplemented, not 403.
  for (const sub of ['retention', 'legal-hold']) {
    const r = await v2('GET', `/v2sub/k?${sub}`, '/v2sub/k');
    assert.equal(r.status, 501, `${sub}: ${r.text}`);
  }
  // Not a presigned URL: one handed out for `DELETE /v2sub` must not delete its public access block.
  const expires = Math.floor(Date.now() / 1000) + 300;
  const pre = await send(service, { method: 'DELETE', path: presignV2(KEYS, 'DELETE', '/v2sub?publicAccessBlock', '/v2sub', expires), as: null });
  assert.equal(pre.status, 403, pre.text);
  const preSigned = await send(service, { method: 'GET', path: presignV2(KEYS, 'GET', '/v2sub?encryption', '/v2sub?encryption', expires), as: null });
  assert.equal(preSigned.status, 404, preSigned.text);

  // Signing the sub-resource (minio-go, Ceph) still works.
  const signed = await v2('GET', '/v2sub?encryption', '/v2sub?encryption');
  assert.equal(signed.status, 404, signed.text);
  // Neither form: another resource, another sub-resource, or one every signer signs, left out.
  for (const [path, resource] of [['/v2sub?encryption', '/other/'], ['/v2sub?encryption', '/v2sub?acl'], ['/v2sub?acl', '/v2sub/'], ['/v2sub?tagging', '/v2sub/']] as const) {
    const r = await v2('GET', path, resource);
    assert.equal(r.status, 403, `${path} signed as ${resource}: ${r.text}`);
    assert.match(r.text, /<Code>SignatureDoesNotMatch<\/Code>/);
  }
});
