/**
 * Issue #4 (LocalStack audit, tests/aws/services/s3/test_s3.py TestS3PresignedUrl, answers recorded
 * from AWS in test_s3.snapshot.json):
 * - test_put_url_metadata: boto3 presigns with SigV2 by default, signs `x-amz-meta-foo:bar` among
 *   the CanonicalizedAmzHeaders and moves it into the URL (botocore HmacV1QueryAuth). S3 verifies
 *   and stores it (HeadObject: `Metadata: {foo: bar}`); here the upload was 403
 *   SignatureDoesNotMatch, the query's x-amz-* parameters being neither signed nor applied.
 * - test_s3_put_presigned_url_missing_sig_param[s3]: a SigV2 URL without Expires is 403
 *   AccessDenied "Query-string authentication requires the Signature, Expires and AWSAccessKeyId
 *   parameters" (was 400 AuthorizationQueryParametersError); [s3v4]: the SigV4 message names all
 *   the parameters and no more (a "(X-Amz-Date is missing)" was appended here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ALICE, buildRequest, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

test('SigV2 presigned PUT with x-amz-meta-* in the query: signed and stored; a changed value fails', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/v2meta' })).status, 200);
  const sign = (sts: string): string => encodeURIComponent(createHmac('sha1', ALICE.secretKey).update(sts).digest('base64'));
  const expires = Math.floor(Date.now() / 1000) + 600;
  const sig = sign(`PUT\n\n\n${expires}\nx-amz-meta-foo:bar\n/v2meta/key-by-hostname`);
  const url = `/v2meta/key-by-hostname?AWSAccessKeyId=${ALICE.accessKey}&Expires=${expires}&Signature=${sig}&x-amz-meta-foo=bar`;
  const put = await readResponse(await service.handle(buildRequest({ method: 'PUT', path: url, body: 'content 123', as: null })));
  assert.equal(put.status, 200, put.text);
  assert.equal(put.text, '');
  const head = await send(service, { method: 'HEAD', path: '/v2meta/key-by-hostname' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['x-amz-meta-foo'], 'bar');

  const tampered = await readResponse(await service.handle(buildRequest({ method: 'PUT', path: url.replace('x-amz-meta-foo=bar', 'x-amz-meta-foo=baz'), body: 'x', as: null })));
  assert.equal(tampered.status, 403);
  assert.equal(xmlText(tampered.text, 'Code'), 'SignatureDoesNotMatch');
  assert.equal((await send(service, { method: 'HEAD', path: '/v2meta/key-by-hostname' })).headers['x-amz-meta-foo'], 'bar');
});

test('presigned URL missing a parameter: SigV2 403 AccessDenied, SigV4 400 with S3 message', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/missing' })).status, 200);
  const v2 = await readResponse(await service.handle(buildRequest({ method: 'GET', path: `/missing/k?AWSAccessKeyId=${ALICE.accessKey}&Signature=abc%3D`, as: null })));
  assert.equal(v2.status, 403);
  assert.equal(xmlText(v2.text, 'Code'), 'AccessDenied');
  assert.equal(xmlText(v2.text, 'Message'), 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');

  const cred = encodeURIComponent(`${ALICE.accessKey}/20260101/us-east-1/s3/aws4_request`);
  const v4 = await readResponse(await service.handle(buildRequest({
    method: 'GET', as: null,
    path: `/missing/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${cred}&X-Amz-Expires=5&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`,
  })));
  assert.equal(v4.status, 400);
  assert.equal(xmlText(v4.text, 'Code'), 'AuthorizationQueryParametersError');
  assert.equal(xmlText(v4.text, 'Message'),
    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
});
