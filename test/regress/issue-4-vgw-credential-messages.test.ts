/**
 * Issue #4 (found auditing versitygw tests/integration/PostObject.go,
 * PostObject_invalid_credential_format): a SigV4 credential that is not
 * `<AKID>/YYYYMMDD/REGION/SERVICE/aws4_request` was refused with words of our own, "Invalid
 * credential: <key>…" (the key replaced by a placeholder, so a credential without a slash read
 * "Invalid credential: <key>"). S3 says "the Credential is mal-formed; expecting
 * "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request"." after "The authorization header is malformed; "
 * for a header (krobertson/deb-s3#157, aws/aws-sdk-ruby#1276), after "Error parsing the
 * X-Amz-Credential parameter; " for a presigned URL (TTLabs/EvaporateJS#491), and alone, as a 400
 * InvalidArgument naming X-Amz-Credential, for a browser form (versitygw). A wrong terminal and a date
 * that is not yyyyMMdd are named. Codes and statuses are unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const MALFORMED = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
/** XML text as a client reads it. */
const unxml = (s: string | undefined): string => (s ?? '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

test('a malformed SigV4 credential: S3\'s message for the header, the presigned URL and the form', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/credmsg' })).status, 200);
  const date = '20261128T050000Z';
  const header = (credential: string) => send(service, { method: 'GET', path: '/credmsg', as: null, headers: {
    authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    'x-amz-date': date, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  } });
  const cases: [string, string][] = [
    ['malformed-no-slashes', MALFORMED],
    ['AKID/20261128/us-east-1/s3', MALFORMED],
    ['AKID/20261128/us-east-1/s3/aws4_requestx', 'incorrect terminal "aws4_requestx". This endpoint uses "aws4_request".'],
    ['AKID/2026/us-east-1/s3/aws4_request', 'incorrect date format "2026". This date in the credential must be in the format "yyyyMMdd".'],
  ];
  for (const [credential, problem] of cases) {
    const h = await header(credential);
    assert.equal(h.status, 400, credential);
    assert.equal(xmlText(h.text, 'Code'), 'AuthorizationHeaderMalformed');
    assert.equal(unxml(xmlText(h.text, 'Message')), `The authorization header is malformed; ${problem}`);
    const q = await send(service, { method: 'GET', as: null,
      path: `/credmsg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(credential)}&X-Amz-Date=${date}&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}` });
    assert.equal(q.status, 400, credential);
    assert.equal(xmlText(q.text, 'Code'), 'AuthorizationQueryParametersError');
    assert.equal(unxml(xmlText(q.text, 'Message')), `Error parsing the X-Amz-Credential parameter; ${problem}`);
  }

  const boundary = 'credmsgboundary';
  const fields: Record<string, string> = { key: 'k', 'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': 'malformed-no-slashes', 'x-amz-date': date, policy: 'e30=', 'x-amz-signature': '0'.repeat(64) };
  const body = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('')
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\ndata\r\n--${boundary}--\r\n`;
  const form = await send(service, { method: 'POST', path: '/credmsg', as: null, body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  assert.equal(form.status, 400, form.text);
  assert.equal(xmlText(form.text, 'Code'), 'InvalidArgument');
  assert.equal(unxml(xmlText(form.text, 'Message')), MALFORMED);
  assert.equal(xmlText(form.text, 'ArgumentName'), 'X-Amz-Credential');
  assert.equal(xmlText(form.text, 'ArgumentValue'), 'malformed-no-slashes');
});
