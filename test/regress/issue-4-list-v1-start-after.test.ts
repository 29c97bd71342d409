/**
 * Issue #4: a V1 ListObjects (no `list-type=2`) with V2's `start-after` was served from the first
 * key, silently ignoring the parameter; S3 answers 400 InvalidArgument "startAfter only supported in
 * REST.GET.BUCKET with list-type=2" (amazonka#376 shows S3's answer to such a request).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('ListObjects V1 with start-after is 400 InvalidArgument; V2 honours it', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/sav1' });
  for (const k of ['a', 'b', 'c']) await send(service, { method: 'PUT', path: `/sav1/${k}`, body: k });
  const v1 = await send(service, { method: 'GET', path: '/sav1?start-after=a' });
  assert.equal(v1.status, 400);
  assert.equal(xmlText(v1.text, 'Code'), 'InvalidArgument');
  assert.equal(xmlText(v1.text, 'Message'), 'startAfter only supported in REST.GET.BUCKET with list-type=2');
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: '/sav1?list-type=2&start-after=a' })).text, 'Key'), ['b', 'c']);
  assert.deepEqual(xmlAll((await send(service, { method: 'GET', path: '/sav1?marker=a' })).text, 'Key'), ['b', 'c']);
});
