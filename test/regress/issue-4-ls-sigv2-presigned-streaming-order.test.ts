/**
 * Issue #4 (LocalStack audit, tests/aws/services/s3/test_s3.py TestS3PresignedUrl
 * test_put_object_with_md5_and_chunk_signature_bad_headers[s3-True], answers recorded from AWS in
 * test_s3.snapshot.json): a SigV2 presigned PUT sent with `X-Amz-Content-Sha256:
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD` and an `X-Amz-Date` the URL never signed is 403
 * SignatureDoesNotMatch from S3 (the x-amz-* headers are part of the SigV2 string to sign). Here the
 * streaming payload was refused before the signature was looked at: 403 AccessDenied
 * "STREAMING-AWS4-HMAC-SHA256-PAYLOAD requires AWS Signature Version 4 authentication". When the
 * signature does hold (the headers were signed), that refusal still comes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ALICE, buildRequest, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

test('SigV2 presigned PUT with unsigned streaming headers: SignatureDoesNotMatch; signed ones: still refused', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/v2stream' })).status, 200);
  const md5 = 'pX8KKuGXS1f2VTcuJpqjkw==';
  const sign = (sts: string): string => encodeURIComponent(createHmac('sha1', ALICE.secretKey).update(sts).digest('base64'));
  const expires = Math.floor(Date.now() / 1000) + 600;
  const url = (sig: string): string => `/v2stream/test-runtime.properties?AWSAccessKeyId=${ALICE.accessKey}&Expires=${expires}&Signature=${sig}`;
  const headers = {
    'content-md5': md5, 'content-type': 'application/octet-stream',
    'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-date': '20211122T191045Z',
  };
  const unsigned = url(sign(`PUT\n${md5}\napplication/octet-stream\n${expires}\n/v2stream/test-runtime.properties`));
  const r = await readResponse(await service.handle(buildRequest({ method: 'PUT', path: unsigned, headers, body: 'test', as: null })));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.text, 'Code'), 'SignatureDoesNotMatch', r.text);

  const signed = url(sign(`PUT\n${md5}\napplication/octet-stream\n${expires}\n`
    + 'x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nx-amz-date:20211122T191045Z\n/v2stream/test-runtime.properties'));
  const s = await readResponse(await service.handle(buildRequest({ method: 'PUT', path: signed, headers, body: 'test', as: null })));
  assert.equal(s.status, 403);
  assert.equal(xmlText(s.text, 'Code'), 'AccessDenied', s.text);
  assert.equal(xmlText(s.text, 'Message'), 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD requires AWS Signature Version 4 authentication');
  assert.equal((await send(service, { method: 'HEAD', path: '/v2stream/test-runtime.properties' })).status, 404);
});
