/**
 * Issue #4 (found by the listing property tests): ListParts with `max-parts=0` on an upload with
 * parts answered IsTruncated=true and no NextPartNumberMarker — a page a paginator cannot go on
 * from, so one that repeats the request never ends. It is now an empty page that is not truncated,
 * as `max-keys=0` is for the object listings (s3-surface.md §4.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('ListParts max-parts=0: empty and not truncated; other page sizes page as before', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/mp0' });
  const id = xmlText((await send(service, { method: 'POST', path: '/mp0/k?uploads' })).text, 'UploadId')!;
  for (const n of [1, 2, 3]) assert.equal((await send(service, { method: 'PUT', path: `/mp0/k?partNumber=${n}&uploadId=${id}`, body: `part${n}` })).status, 200);
  const zero = await send(service, { method: 'GET', path: `/mp0/k?uploadId=${id}&max-parts=0` });
  assert.equal(zero.status, 200, zero.text);
  assert.deepEqual(xmlAll(zero.text, 'PartNumber'), []);
  assert.equal(xmlText(zero.text, 'IsTruncated'), 'false');
  assert.equal(xmlText(zero.text, 'MaxParts'), '0');
  const one = await send(service, { method: 'GET', path: `/mp0/k?uploadId=${id}&max-parts=2` });
  assert.deepEqual(xmlAll(one.text, 'PartNumber'), ['1', '2']);
  assert.equal(xmlText(one.text, 'IsTruncated'), 'true');
  assert.equal(xmlText(one.text, 'NextPartNumberMarker'), '2');
});
