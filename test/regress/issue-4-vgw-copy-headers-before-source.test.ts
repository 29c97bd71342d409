/**
 * Issue #4 (versitygw audit, CopyObject_invalid_checksum_algorithm): a CopyObject whose own headers
 * are invalid — an unknown x-amz-checksum-algorithm, metadata or tagging directive, or a malformed
 * x-amz-tagging with REPLACE — from a source that does not exist answered 404 NoSuchKey: the source
 * was looked up first. S3 checks the request's headers first and answers 400 (versitygw's test
 * copies a missing key and expects InvalidRequest, written against S3). With an existing source
 * the answers were already these.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

test('CopyObject with invalid headers from a missing source: 400, not 404', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/cph' })).status, 200);
  const cases: [Record<string, string>, string][] = [
    [{ 'x-amz-checksum-algorithm': 'invalid_checksum_algorithm' }, 'InvalidRequest'],
    [{ 'x-amz-metadata-directive': 'invalid' }, 'InvalidArgument'],
    [{ 'x-amz-tagging-directive': 'invalid' }, 'InvalidArgument'],
    [{ 'x-amz-tagging-directive': 'REPLACE', 'x-amz-tagging': 'key?=val' }, 'InvalidTag'],
  ];
  for (const [headers, code] of cases) {
    const r = await f.send({ method: 'PUT', path: '/cph/dst', headers: { 'x-amz-copy-source': '/cph/missing', ...headers } });
    assert.equal(r.status, 400, `${JSON.stringify(headers)}: ${r.text}`);
    assert.equal(r.code, code, JSON.stringify(headers));
  }
  // Valid headers from a missing source: still 404 NoSuchKey.
  const ok = await f.send({ method: 'PUT', path: '/cph/dst', headers: { 'x-amz-copy-source': '/cph/missing', 'x-amz-checksum-algorithm': 'SHA256' } });
  assert.equal(ok.status, 404);
  assert.equal(ok.code, 'NoSuchKey');
});
