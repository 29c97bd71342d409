/**
 * Issue #4 (SigV4): a signature that does not cover `Host` was accepted, so a captured request or
 * presigned URL could be replayed against another endpoint that shares the keys. SigV4 requires
 * the host header in SignedHeaders, and S3 answers a request without it 403 AccessDenied "There
 * were headers present in the request which were not signed", `<HeadersNotSigned>host` (as seen
 * against S3 in amazonka#272).
 */
import { createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalRequest, formatAmzDate, signingKey, stringToSign } from '../../src/s3/auth/index.js';
import { ALICE, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const HOST = 'localhost:9000';

function signed(url: string, headers: Record<string, string>, signedHeaders: string[], presign: boolean): { url: string; headers: Record<string, string> } {
  const amz = formatAmzDate(Date.now());
  const scope = `${amz.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const [path, query0 = ''] = url.split('?') as [string, string?];
  let query = query0;
  if (presign) {
    query = [query, `X-Amz-Algorithm=AWS4-HMAC-SHA256`, `X-Amz-Credential=${encodeURIComponent(`${ALICE.accessKey}/${scope}`)}`, `X-Amz-Date=${amz}`,
      `X-Amz-Expires=60`, `X-Amz-SignedHeaders=${encodeURIComponent(signedHeaders.join(';'))}`].filter((s) => s !== '').join('&');
  } else {
    headers = { ...headers, 'x-amz-date': amz, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  }
  const canonical = canonicalRequest({ method: 'GET', rawPath: path, rawQuery: query, headers, signedHeaders, payloadHash: 'UNSIGNED-PAYLOAD' });
  const key = signingKey(ALICE.accessKey, ALICE.secretKey, amz.slice(0, 8), 'us-east-1', 's3');
  const sig = createHmac('sha256', key).update(stringToSign(amz, scope, canonical)).digest('hex');
  if (presign) return { url: `${path}?${query}&X-Amz-Signature=${sig}`, headers };
  return { url, headers: { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${ALICE.accessKey}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}` } };
}

test('SigV4 header and presigned signatures must cover Host', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/hosts' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/hosts/k', body: 'v' })).status, 200);
  const cases = [
    signed('/hosts/k', { host: HOST }, ['x-amz-content-sha256', 'x-amz-date'], false),
    signed('/hosts/k', { host: HOST, range: 'bytes=0-0' }, ['range'], true),
  ];
  for (const c of cases) {
    const res = await readResponse(await service.handle({ method: 'GET', url: c.url, headers: c.headers, body: Readable.from([]), requestId: '00000000000000A1', secure: false }));
    assert.equal(res.status, 403, res.text);
    assert.equal(xmlText(res.text, 'Code'), 'AccessDenied');
    assert.equal(xmlText(res.text, 'HeadersNotSigned'), 'host');
  }
  // The same requests with host signed pass.
  for (const c of [
    signed('/hosts/k', { host: HOST }, ['host', 'x-amz-content-sha256', 'x-amz-date'], false),
    signed('/hosts/k', { host: HOST }, ['host'], true),
  ]) {
    const res = await readResponse(await service.handle({ method: 'GET', url: c.url, headers: c.headers, body: Readable.from([]), requestId: '00000000000000A2', secure: false }));
    assert.equal(res.status, 200, res.text);
  }
});
