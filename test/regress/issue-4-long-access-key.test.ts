/**
 * Issue #4 (found by the property fuzz test/integration/fuzz/auth, a SigV2 Authorization header
 * whose access key was 9,000 `x`): an access key longer than a metadata key can be (~1,977 bytes)
 * made the user lookup throw the store's TypeError ("metadata key length 9001 outside 1..1978"),
 * and every form of signed request (SigV2 and SigV4 headers, presigned URLs, PostObject) carrying
 * it was answered 500 InternalError. No user can have such a key (the store could not have
 * written it; `ccow user add` takes 3-128 characters), so it is an unknown key like any other:
 * 403 InvalidAccessKeyId, as AWS answers a key it does not know (ErrorResponses:
 * "The AWS access key ID that you provided does not exist in our records").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { amzDate } from '../../conformance/lib/sign.js';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const LONG = 'x'.repeat(9000);

test('an access key too long to be stored is an unknown key (403 InvalidAccessKeyId), never a 500', async () => {
  const { service, logged } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/long-ak' })).status, 200);
  const now = new Date();
  const date = amzDate(now);
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const requests: { what: string; path: string; headers: Record<string, string> }[] = [
    { what: 'SigV2 header', path: '/long-ak/k', headers: { date: now.toUTCString(), authorization: `AWS ${LONG}:c2lnbmF0dXJlPQ==` } },
    { what: 'SigV4 header', path: '/long-ak/k', headers: { 'x-amz-date': date, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', authorization: `AWS4-HMAC-SHA256 Credential=${LONG}/${scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}` } },
    { what: 'SigV2 presigned', path: `/long-ak/k?AWSAccessKeyId=${LONG}&Expires=${Math.floor(now.getTime() / 1000) + 600}&Signature=c2ln`, headers: {} },
    { what: 'SigV4 presigned', path: `/long-ak/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${LONG}%2F${encodeURIComponent(scope)}&X-Amz-Date=${date}&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`, headers: {} },
  ];
  for (const r of requests) {
    const a = await send(service, { method: 'GET', path: r.path, headers: r.headers, as: null });
    assert.equal(a.status, 403, `${r.what}: ${a.text.slice(0, 300)}`);
    assert.equal(xmlText(a.text, 'Code'), 'InvalidAccessKeyId', r.what);
  }
  // PostObject: the form's access key is looked up the same way.
  const policy = Buffer.from(JSON.stringify({ expiration: new Date(now.getTime() + 600_000).toISOString(), conditions: [{ bucket: 'long-ak' }] })).toString('base64');
  const boundary = 'b0undary';
  const fields: [string, string][] = [['key', 'k'], ['x-amz-algorithm', 'AWS4-HMAC-SHA256'], ['x-amz-credential', `${LONG}/${scope}`], ['x-amz-date', date], ['policy', policy], ['x-amz-signature', '0'.repeat(64)]];
  const form = fields.map(([n, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('')
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nbody\r\n--${boundary}--\r\n`;
  const post = await send(service, { method: 'POST', path: '/long-ak', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: form, as: null });
  assert.equal(post.status, 403, post.text.slice(0, 300));
  assert.equal(xmlText(post.text, 'Code'), 'InvalidAccessKeyId');
  assert.equal((await send(service, { method: 'HEAD', path: '/long-ak/k' })).status, 404);
  assert.deepEqual(logged, [], 'nothing was logged as an unmapped error');
});
