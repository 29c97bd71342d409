/**
 * Issue #4 (LocalStack audit, tests/aws/services/s3/test_s3.py TestS3PresignedUrl, answers recorded
 * from AWS in test_s3.snapshot.json: test_presigned_url_signature_authentication[s3-False]
 * invalid-get-1 / invalid-put-1, test_s3_put_presigned_url_with_different_headers[s3]): a SigV2
 * SignatureDoesNotMatch carries AWSAccessKeyId, StringToSign, SignatureProvided and
 * StringToSignBytes (the string's bytes as space-separated hex, as for SigV4 since f695801). The
 * gateway's answer had StringToSign alone. Header-signed SigV2 requests answer the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { ALICE, buildRequest, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const hex = (s: string): string => [...Buffer.from(s)].map((b) => b.toString(16).padStart(2, '0')).join(' ');

test('SigV2 SignatureDoesNotMatch names the access key, the signature sent and the bytes signed', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/v2details' })).status, 200);
  const expires = Math.floor(Date.now() / 1000) + 600;
  const wrong = createHmac('sha1', 'not-the-secret').update('x').digest('base64');
  const url = `/v2details/k?AWSAccessKeyId=${ALICE.accessKey}&Expires=${expires}&Signature=${encodeURIComponent(wrong)}`;
  const r = await readResponse(await service.handle(buildRequest({ method: 'GET', path: url, headers: { 'content-type': 'my-fake-content/type' }, as: null })));
  assert.equal(r.status, 403);
  assert.equal(xmlText(r.text, 'Code'), 'SignatureDoesNotMatch');
  const sts = `GET\n\nmy-fake-content/type\n${expires}\n/v2details/k`;
  assert.equal(xmlText(r.text, 'AWSAccessKeyId'), ALICE.accessKey);
  assert.equal(xmlText(r.text, 'SignatureProvided'), wrong);
  assert.equal(xmlText(r.text, 'StringToSignBytes'), hex(sts));
  assert.ok(r.text.includes(`<StringToSign>GET&#10;&#10;my-fake-content/type&#10;${expires}&#10;/v2details/k</StringToSign>`), r.text);

  const date = new Date().toUTCString();
  const h = buildRequest({ method: 'GET', path: '/v2details/k', as: null });
  h.headers.date = date;
  h.headers.authorization = `AWS ${ALICE.accessKey}:${wrong}`;
  const hr = await readResponse(await service.handle(h));
  assert.equal(hr.status, 403);
  assert.equal(xmlText(hr.text, 'AWSAccessKeyId'), ALICE.accessKey);
  assert.equal(xmlText(hr.text, 'SignatureProvided'), wrong);
  assert.equal(xmlText(hr.text, 'StringToSignBytes'), hex(`GET\n\n\n${date}\n/v2details/k`));
});
