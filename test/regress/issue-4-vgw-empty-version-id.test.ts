/**
 * Issue #4 (versitygw audit, HeadObject/DeleteObject/GetObjectAttributes/Put-Get-DeleteObjectTagging
 * _empty_version_id): `?versionId=` (present, empty) answered 400 InvalidArgument "Invalid version
 * id specified", the answer to a malformed id. S3 has its own message for this case: "Version id
 * cannot be the empty string" (S3's answer quoted in amazon-archives/aws-sdk-core-ruby#76 and
 * code-dot-org#21563). Same code and status; nothing is deleted or tagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzer } from '../integration/fuzz/harness.js';

test('an empty versionId: 400 InvalidArgument "Version id cannot be the empty string"', async (t) => {
  const f = await fuzzer(t);
  assert.equal((await f.send({ method: 'PUT', path: '/evid' })).status, 200);
  assert.equal((await f.send({ method: 'PUT', path: '/evid/k', body: 'x' })).status, 200);
  const tagging = '<Tagging><TagSet><Tag><Key>key</Key><Value>val</Value></Tag></TagSet></Tagging>';
  const cases: { method: string; query: string; body?: string; headers?: Record<string, string> }[] = [
    { method: 'GET', query: 'versionId=' },
    { method: 'DELETE', query: 'versionId=' },
    { method: 'GET', query: 'attributes&versionId=', headers: { 'x-amz-object-attributes': 'ETag' } },
    { method: 'PUT', query: 'tagging&versionId=', body: tagging },
    { method: 'GET', query: 'tagging&versionId=' },
    { method: 'DELETE', query: 'tagging&versionId=' },
  ];
  for (const c of cases) {
    const r = await f.send({ method: c.method, path: `/evid/k?${c.query}`, body: c.body, headers: c.headers });
    assert.equal(r.status, 400, `${c.method} ?${c.query}: ${r.text}`);
    assert.equal(r.code, 'InvalidArgument', `${c.method} ?${c.query}`);
    assert.match(r.text, /<Message>Version id cannot be the empty string<\/Message>/, `${c.method} ?${c.query}`);
  }
  assert.equal((await f.send({ method: 'HEAD', path: '/evid/k?versionId=' })).status, 400);
  assert.equal((await f.send({ method: 'HEAD', path: '/evid/k' })).status, 200, 'not deleted');
  assert.doesNotMatch((await f.send({ method: 'GET', path: '/evid/k?tagging' })).text, /<Tag>/, 'not tagged');
  // A malformed id keeps its own message.
  assert.match((await f.send({ method: 'GET', path: '/evid/k?versionId=nope' })).text, /Invalid version id specified/);
});
