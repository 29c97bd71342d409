/**
 * Issue #4 (found auditing versitygw tests/integration/PostObject.go, PostObject_signature_mismatch):
 * a SignatureDoesNotMatch named the AWSAccessKeyId and the StringToSign (and, for a signed header,
 * the CanonicalRequest) only. S3 also names the signature the client sent and the bytes of what it
 * signed: `<SignatureProvided>`, `<StringToSignBytes>` and, for a request, `<CanonicalRequestBytes>`,
 * the bytes as space-separated lower-case hex (an S3 answer quoted in jcberquist/aws-cfml#9; versitygw
 * expects SignatureProvided and StringToSignBytes of the policy for a browser form).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';

const hex = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
/** XML text as the client reads it (character references and the five entities decoded). */
const unxml = (s: string): string => s
  .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

test('header SigV4 mismatch: SignatureProvided, StringToSignBytes and CanonicalRequestBytes', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/sigdet' })).status, 200);
  const res = await send(service, { method: 'GET', path: '/sigdet?list-type=2', as: { ...ALICE, secretKey: 'not-alice-secret-0123456789abcdefghijklm' } });
  assert.equal(res.status, 403);
  assert.equal(xmlText(res.text, 'Code'), 'SignatureDoesNotMatch');
  const sts = unxml(xmlText(res.text, 'StringToSign') ?? '');
  const canonical = unxml(xmlText(res.text, 'CanonicalRequest') ?? '');
  assert.ok(sts && canonical);
  assert.match(xmlText(res.text, 'SignatureProvided') ?? '', /^[0-9a-f]{64}$/);
  assert.equal(xmlText(res.text, 'StringToSignBytes'), hex(sts));
  assert.equal(xmlText(res.text, 'CanonicalRequestBytes'), hex(canonical));
  const order = ['AWSAccessKeyId', 'StringToSign', 'SignatureProvided', 'StringToSignBytes', 'CanonicalRequest', 'CanonicalRequestBytes'].map((n) => res.text.indexOf(`<${n}>`));
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'the elements in S3\'s order');
});

test('browser form mismatch: SignatureProvided is the form\'s signature, StringToSignBytes the policy\'s bytes', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/sigdet' })).status, 200);
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const policy = Buffer.from(JSON.stringify({ expiration: '2100-01-01T00:00:00Z', conditions: [{ bucket: 'sigdet' }, { key: 'k' }] })).toString('base64');
  const fields: Record<string, string> = {
    key: 'k', 'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': `${ALICE.accessKey}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
    'x-amz-date': date, policy, 'x-amz-signature': 'incorrect_signature',
  };
  const boundary = 'sigdetboundary';
  const body = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\ndata\r\n--${boundary}--\r\n`;
  const res = await send(service, { method: 'POST', path: '/sigdet', as: null, body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  assert.equal(res.status, 403, res.text);
  assert.equal(xmlText(res.text, 'Code'), 'SignatureDoesNotMatch');
  assert.equal(xmlText(res.text, 'AWSAccessKeyId'), ALICE.accessKey);
  assert.equal(xmlText(res.text, 'StringToSign'), policy);
  assert.equal(xmlText(res.text, 'SignatureProvided'), 'incorrect_signature');
  assert.equal(xmlText(res.text, 'StringToSignBytes'), hex(policy));
  assert.equal((await send(service, { method: 'HEAD', path: '/sigdet/k' })).status, 404);
});
