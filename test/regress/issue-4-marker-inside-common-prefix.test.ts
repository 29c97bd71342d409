/**
 * Issue #4: with a delimiter, a marker that falls inside a common prefix (a key under it, not the
 * prefix itself) gave that common prefix again, and its other keys rolled up into it. S3 goes on
 * past every key under the prefix: keys folder/aSubfolder/subFile1, folder/aSubfolder/subFile2,
 * folder/file1, folder/file2, prefix folder/, delimiter /, max 1, marker
 * folder/aSubfolder/subFile1 → folder/file1 (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_list_operations.py: ListObjects list-objects-manual-first-file,
 * ListObjectVersions list-object-versions-manual-first-file, ListMultipartUploads
 * list-multiparts-manual-first-file). ListObjectsV2's start-after is the same kind of marker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll } from '../integration/s3/helpers.js';

const KEYS = ['folder/aSubfolder/subFile1', 'folder/aSubfolder/subFile2', 'folder/file1', 'folder/file2'];
const MARKER = encodeURIComponent('folder/aSubfolder/subFile1');
const common = `prefix=folder%2F&delimiter=%2F`;

test('a marker inside a common prefix resumes past the whole prefix', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/mcp' });
  for (const k of KEYS) {
    assert.equal((await send(service, { method: 'PUT', path: `/mcp/${k}`, body: 'c' })).status, 200);
    assert.equal((await send(service, { method: 'POST', path: `/mcp/${k}?uploads` })).status, 200);
  }
  const cases: { name: string; query: string; entry: string }[] = [
    { name: 'ListObjects marker', query: `${common}&max-keys=1&marker=${MARKER}`, entry: 'Contents' },
    { name: 'ListObjectsV2 start-after', query: `list-type=2&${common}&max-keys=1&start-after=${MARKER}`, entry: 'Contents' },
    { name: 'ListObjectVersions key-marker', query: `versions&${common}&max-keys=1&key-marker=${MARKER}`, entry: 'Version' },
    { name: 'ListMultipartUploads key-marker', query: `uploads&${common}&max-uploads=1&key-marker=${MARKER}`, entry: 'Upload' },
  ];
  for (const c of cases) {
    const r = await send(service, { method: 'GET', path: `/mcp?${c.query}` });
    assert.equal(r.status, 200, `${c.name}: ${r.text}`);
    const entries = [...r.text.matchAll(new RegExp(`<${c.entry}>(.*?)</${c.entry}>`, 'gs'))].map((m) => xmlAll(m[1]!, 'Key')[0]);
    assert.deepEqual(entries, ['folder/file1'], c.name);
    assert.deepEqual(xmlAll(r.text, 'CommonPrefixes'), [], `${c.name}: no common prefix again`);
  }
  // The prefix itself as the marker was already so (s3-surface.md §4.1); one outside it is unchanged.
  const before = await send(service, { method: 'GET', path: `/mcp?${common}&marker=folder%2FaSub` });
  assert.deepEqual(xmlAll(before.text, 'Prefix').slice(1), ['folder/aSubfolder/'], 'a marker before the prefix still gives it');
});
