/**
 * Issue #4 (SigV4 presigned): a presigned URL that signs an `x-amz-*` header and carries the same
 * name in its query (the AWS SDK for JavaScript v3 presigned `x-amz-server-side-encryption` so:
 * in X-Amz-SignedHeaders and as `x-amz-server-side-encryption=AES256` in the URL) answered 403
 * SignatureDoesNotMatch when used without the header. S3 takes the value from the query and the
 * request (LocalStack's AWS-validated tests/aws/services/s3/test_s3.py
 * TestS3PresignedUrl::test_presigned_url_v4_signed_headers_in_qs: 200 without the header, 200 with
 * the same value). Shown here with x-amz-storage-class (SSE-S3 answers 501 unless configured).
 */
import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRequest, formatAmzDate, signingKey, stringToSign } from '../../src/s3/auth/index.js';
import { ALICE, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const HOST = 'localhost:9000';

/** A presigned PUT signing host and x-amz-storage-class, with x-amz-storage-class also in the query. */
function presignPut(path: string, storageClass: string): string {
  const amz = formatAmzDate(Date.now());
  const scope = `${amz.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const signed = ['host', 'x-amz-storage-class'];
  const query = [`X-Amz-Algorithm=AWS4-HMAC-SHA256`, `X-Amz-Credential=${encodeURIComponent(`${ALICE.accessKey}/${scope}`)}`,
    `X-Amz-Date=${amz}`, `X-Amz-Expires=60`, `X-Amz-SignedHeaders=${encodeURIComponent(signed.join(';'))}`,
    `x-amz-storage-class=${storageClass}`].join('&');
  const canonical = canonicalRequest({
    method: 'PUT', rawPath: path, rawQuery: query, headers: { host: HOST, 'x-amz-storage-class': storageClass }, signedHeaders: signed, payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const key = signingKey(ALICE.accessKey, ALICE.secretKey, amz.slice(0, 8), 'us-east-1', 's3');
  const sig = createHmac('sha256', key).update(stringToSign(amz, scope, canonical)).digest('hex');
  return `${path}?${query}&X-Amz-Signature=${sig}`;
}

test('a signed x-amz-* header the presigned URL carries in its query need not be sent', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/sigq' })).status, 200);
  const url = presignPut('/sigq/k', 'STANDARD_IA');
  const put = async (headers: Record<string, string>) => readResponse(await service.handle({
    method: 'PUT', url, headers: { host: HOST, 'content-length': '6', ...headers }, body: Readable.from([Buffer.from('123456')]), requestId: '00000000000000D1', secure: false,
  }));
  const without = await put({});
  assert.equal(without.status, 200, without.text);
  assert.equal((await send(service, { method: 'HEAD', path: '/sigq/k' })).headers['x-amz-storage-class'], 'STANDARD_IA');
  const same = await put({ 'x-amz-storage-class': 'STANDARD_IA' });
  assert.equal(same.status, 200, same.text);
  const other = await put({ 'x-amz-storage-class': 'ONEZONE_IA' });
  assert.equal(other.status, 403, other.text);
  assert.equal(xmlText(other.text, 'Code'), 'SignatureDoesNotMatch');
});
