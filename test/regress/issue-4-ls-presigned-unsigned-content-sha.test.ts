/**
 * Issue #4 (SigV4 presigned): a presigned URL used with an `x-amz-content-sha256` header the URL
 * did not sign answered 403 AccessDenied, `<HeadersNotSigned>x-amz-content-sha256`. S3 ignores
 * that header when it is not signed and takes the request (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3.py TestS3PresignedUrl::test_s3_ignored_special_headers: a PUT
 * through such a URL with `x-amz-content-sha256: UNSIGNED-PAYLOAD` is ok), and leaves it out of
 * the `<HeadersNotSigned>` list it answers for other unsigned `x-amz-*` headers (AWS recording
 * test_put_object_with_md5_and_chunk_signature_bad_headers[s3v4-True]: with-decoded-content-length
 * 'x-amz-date, x-amz-decoded-content-length', without-decoded-content-length 'x-amz-date').
 */
import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRequest, formatAmzDate, signingKey, stringToSign } from '../../src/s3/auth/index.js';
import { ALICE, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const HOST = 'localhost:9000';

/** A presigned PUT URL signing Host only (as boto3 and the SDKs presign). */
function presignPut(path: string): string {
  const amz = formatAmzDate(Date.now());
  const scope = `${amz.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const query = [`X-Amz-Algorithm=AWS4-HMAC-SHA256`, `X-Amz-Credential=${encodeURIComponent(`${ALICE.accessKey}/${scope}`)}`,
    `X-Amz-Date=${amz}`, `X-Amz-Expires=60`, `X-Amz-SignedHeaders=host`].join('&');
  const canonical = canonicalRequest({ method: 'PUT', rawPath: path, rawQuery: query, headers: { host: HOST }, signedHeaders: ['host'], payloadHash: 'UNSIGNED-PAYLOAD' });
  const key = signingKey(ALICE.accessKey, ALICE.secretKey, amz.slice(0, 8), 'us-east-1', 's3');
  const sig = createHmac('sha256', key).update(stringToSign(amz, scope, canonical)).digest('hex');
  return `${path}?${query}&X-Amz-Signature=${sig}`;
}

async function put(service: Awaited<ReturnType<typeof makeService>>['service'], url: string, headers: Record<string, string>, body: string) {
  return readResponse(await service.handle({
    method: 'PUT', url, headers: { host: HOST, 'content-length': String(body.length), ...headers },
    body: Readable.from([Buffer.from(body)]), requestId: '00000000000000B1', secure: false,
  }));
}

test('a presigned URL ignores an unsigned x-amz-content-sha256 header', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/unsigned-sha' })).status, 200);

  const ok = await put(service, presignPut('/unsigned-sha/k'), { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, 'something');
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await send(service, { method: 'GET', path: '/unsigned-sha/k' })).text, 'something');

  // Other unsigned x-amz-* headers are still refused, and the ignored one is not named.
  const url = presignPut('/unsigned-sha/k2');
  for (const [extra, named] of [
    [{ 'x-amz-decoded-content-length': 'test' }, 'x-amz-date, x-amz-decoded-content-length'],
    [{}, 'x-amz-date'],
  ] as const) {
    const r = await put(service, url, { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-date': '20211122T191045Z', ...extra }, 'test');
    assert.equal(r.status, 403, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'AccessDenied');
    assert.equal(xmlText(r.text, 'HeadersNotSigned'), named);
  }
  assert.equal((await send(service, { method: 'GET', path: '/unsigned-sha/k2' })).status, 404, 'nothing stored');
});
