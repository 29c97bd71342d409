/**
 * Issue #4 (spec-conformance audit, s3-surface.md §9: BadDigest and InvalidDigest for Content-MD5,
 * with the elements "where AWS adds them"): both errors named nothing. S3 on the wire:
 * - BadDigest names `<CalculatedDigest>` (base64 of the MD5 of what it received) and
 *   `<ExpectedDigest>`, the client's value in hex for a PutObject (versity/versitygw#2034:
 *   XrY7u+Ae7tCTyyK7j1rNww== over an empty body → 1B2M2Y8AsgTpgAmY7PhCfg== and
 *   5eb63bbbe01eeed093cb22bb8f5acdc3) and in base64 for a PutBucketTagging body (#1525);
 * - InvalidDigest says "The Content-MD5 you specified was invalid." and names the value
 *   (`<Content-MD5>dummy</Content-MD5>`, #1526); the gateway said "… is not valid." without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const md5 = (s: string): Buffer => createHash('md5').update(s).digest();
const TAGGING = '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>';

test('BadDigest names the calculated and the expected Content-MD5', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/md5' });
  const put = await send(service, { method: 'PUT', path: '/md5/k', body: '', headers: { 'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==' } });
  assert.equal(put.status, 400, put.text);
  assert.equal(xmlText(put.text, 'Code'), 'BadDigest');
  assert.equal(xmlText(put.text, 'CalculatedDigest'), '1B2M2Y8AsgTpgAmY7PhCfg==', put.text);
  assert.equal(xmlText(put.text, 'ExpectedDigest'), '5eb63bbbe01eeed093cb22bb8f5acdc3');

  const sent = md5('something else').toString('base64');
  const tags = await send(service, { method: 'PUT', path: '/md5?tagging', body: TAGGING, headers: { 'content-md5': sent } });
  assert.equal(tags.status, 400, tags.text);
  assert.equal(xmlText(tags.text, 'Code'), 'BadDigest');
  assert.equal(xmlText(tags.text, 'CalculatedDigest'), md5(TAGGING).toString('base64'), tags.text);
  assert.equal(xmlText(tags.text, 'ExpectedDigest'), sent);
});

test('InvalidDigest says S3\'s words and names the value sent', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/md5' });
  for (const path of ['/md5/k', '/md5?tagging']) {
    const r = await send(service, { method: 'PUT', path, body: TAGGING, headers: { 'content-md5': 'dummy' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidDigest');
    assert.equal(xmlText(r.text, 'Message'), 'The Content-MD5 you specified was invalid.');
    assert.equal(xmlText(r.text, 'Content-MD5'), 'dummy', r.text);
  }
});
