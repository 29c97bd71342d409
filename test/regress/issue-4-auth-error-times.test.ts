/**
 * Issue #4 (spec-conformance audit, s3-surface.md §9 RequestTimeTooSkewed and AccessDenied for an
 * expired presigned URL, with the elements "where AWS adds them"): the times in these errors were
 * JavaScript ISO strings with milliseconds (`2026-11-27T19:27:04.000Z`), and `<RequestTime>` was the
 * parsed date re-formatted. S3 writes `<ServerTime>` and `<Expires>` to the second
 * (`<Expires>2018-03-29T11:17:34Z</Expires><ServerTime>2018-03-29T11:27:42Z</ServerTime>`,
 * lukejacksonn/react-slack-clone#27) and `<RequestTime>` as the client sent its date
 * (`<RequestTime>20150604T232559Z</RequestTime><ServerTime>2015-06-04T22:26:16Z</ServerTime>`,
 * aws/aws-sdk-php#612; the same in versity/versitygw#1514).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import aws4 from 'aws4';
import { ALICE, buildRequest, makeService, readResponse, send, xmlText } from '../integration/s3/helpers.js';

const SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

test('RequestTimeTooSkewed: RequestTime as sent, ServerTime to the second', async () => {
  let now = Date.now();
  const { service } = await makeService({ clock: () => now });
  await send(service, { method: 'PUT', path: '/skew' });
  now += 20 * 60_000;
  const req = buildRequest({ method: 'GET', path: '/skew' });
  const r = await readResponse(await service.handle(req));
  assert.equal(r.status, 403, r.text);
  assert.equal(xmlText(r.text, 'Code'), 'RequestTimeTooSkewed');
  assert.equal(xmlText(r.text, 'RequestTime'), req.headers['x-amz-date'], r.text);
  assert.match(xmlText(r.text, 'ServerTime') ?? '', SECONDS);
  assert.equal(xmlText(r.text, 'MaxAllowedSkewMilliseconds'), '900000');
});

test('an expired presigned URL: Expires and ServerTime to the second', async () => {
  let now = Date.now();
  const { service } = await makeService({ clock: () => now });
  await send(service, { method: 'PUT', path: '/late' });
  await send(service, { method: 'PUT', path: '/late/k', body: 'x' });
  const signed = aws4.sign({ host: 'localhost:9000', method: 'GET', path: '/late/k?X-Amz-Expires=60', service: 's3', region: 'us-east-1', signQuery: true },
    { accessKeyId: ALICE.accessKey, secretAccessKey: ALICE.secretKey });
  now += 10 * 60_000;
  const r = await send(service, { method: 'GET', path: signed.path!, as: null });
  assert.equal(r.status, 403, r.text);
  assert.equal(xmlText(r.text, 'Message'), 'Request has expired');
  assert.equal(xmlText(r.text, 'X-Amz-Expires'), '60');
  assert.match(xmlText(r.text, 'Expires') ?? '', SECONDS, r.text);
  assert.match(xmlText(r.text, 'ServerTime') ?? '', SECONDS);
});
