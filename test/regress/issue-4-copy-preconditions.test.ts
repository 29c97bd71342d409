/**
 * Issue #4: `x-amz-copy-source-if-*` as S3 answers them (recorded from AWS in localstack's
 * test_s3_preconditions.snapshot.json):
 * - an `x-amz-copy-source-if-modified-since` later than now is ignored and the copy proceeds (it
 *   failed with 412); the same for GetObject's `If-Modified-Since` (it answered 304);
 * - `<Condition>` of the 412 names the header that failed, in evaluation order If-Match,
 *   If-Unmodified-Since, If-None-Match, If-Modified-Since (it was `x-amz-copy-source-If-*`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const DAY = 86_400_000;

test('CopyObject: a future copy-source-if-modified-since is ignored; 412 names the failing header', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/pre' });
  const put = await send(service, { method: 'PUT', path: '/pre/src', body: 'data' });
  const etag = String(put.headers.etag);
  const now = new Date().toUTCString();
  const past = new Date(Date.now() - DAY).toUTCString();
  const future = new Date(Date.now() + DAY).toUTCString();
  const copy = (h: Record<string, string>) => send(service, { method: 'PUT', path: '/pre/dst', headers: { 'x-amz-copy-source': '/pre/src', ...h } });

  const ok = await copy({ 'x-amz-copy-source-if-modified-since': future });
  assert.equal(ok.status, 200, ok.text);

  const cases: [Record<string, string>, string][] = [
    [{ 'x-amz-copy-source-if-modified-since': now, 'x-amz-copy-source-if-unmodified-since': past, 'x-amz-copy-source-if-match': '"etag123"', 'x-amz-copy-source-if-none-match': etag }, 'x-amz-copy-source-If-Match'],
    [{ 'x-amz-copy-source-if-modified-since': now, 'x-amz-copy-source-if-unmodified-since': past, 'x-amz-copy-source-if-none-match': etag }, 'x-amz-copy-source-If-Unmodified-Since'],
    [{ 'x-amz-copy-source-if-modified-since': now, 'x-amz-copy-source-if-none-match': etag }, 'x-amz-copy-source-If-None-Match'],
    [{ 'x-amz-copy-source-if-none-match': etag.replace(/"/g, '') }, 'x-amz-copy-source-If-None-Match'],
    [{ 'x-amz-copy-source-if-modified-since': now }, 'x-amz-copy-source-If-Modified-Since'],
  ];
  for (const [headers, condition] of cases) {
    const r = await copy(headers);
    assert.equal(r.status, 412, condition);
    assert.equal(xmlText(r.text, 'Code'), 'PreconditionFailed');
    assert.equal(xmlText(r.text, 'Condition'), condition);
  }

  const all = await copy({ 'x-amz-copy-source-if-match': etag.replace(/"/g, ''), 'x-amz-copy-source-if-none-match': '"etag123"', 'x-amz-copy-source-if-modified-since': past, 'x-amz-copy-source-if-unmodified-since': now });
  assert.equal(all.status, 200, all.text);
});

test('GetObject: a future If-Modified-Since is ignored', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/preg' });
  await send(service, { method: 'PUT', path: '/preg/k', body: 'data' });
  const r = await send(service, { method: 'GET', path: '/preg/k', headers: { 'if-modified-since': new Date(Date.now() + DAY).toUTCString() } });
  assert.equal(r.status, 200);
  assert.equal(r.text, 'data');
  const same = await send(service, { method: 'GET', path: '/preg/k', headers: { 'if-modified-since': new Date().toUTCString() } });
  assert.equal(same.status, 304, 'a date up to now still counts');
});
