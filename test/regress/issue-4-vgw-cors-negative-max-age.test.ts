/**
 * Issue #4 (found auditing versitygw tests/integration/PutBucketCors.go): a CORS rule with a
 * negative MaxAgeSeconds was refused 400 MalformedXML. S3 stores it (versitygw PutBucketCors_success
 * puts MaxAgeSeconds -100 and notes "weirdly negative max age seconds are also considered valid").
 * A MaxAgeSeconds that is not an integer is still MalformedXML.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const cors = (maxAge: string): string =>
  `<CORSConfiguration><CORSRule><AllowedOrigin>http://origin.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><MaxAgeSeconds>${maxAge}</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

test('PutBucketCors: a negative MaxAgeSeconds is stored and read back', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/negage' });
  const put = await send(service, { method: 'PUT', path: '/negage?cors', body: cors('-100') });
  assert.equal(put.status, 200, put.text);
  const got = await send(service, { method: 'GET', path: '/negage?cors' });
  assert.equal(got.status, 200);
  assert.equal(xmlText(got.text, 'MaxAgeSeconds'), '-100');
  const bad = await send(service, { method: 'PUT', path: '/negage?cors', body: cors('ten') });
  assert.equal(bad.status, 400);
  assert.equal(xmlText(bad.text, 'Code'), 'MalformedXML');
});
