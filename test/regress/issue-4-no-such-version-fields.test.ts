/**
 * Issue #4 (spec-conformance audit, s3-surface.md §9: the envelope carries `<Key>`, `<BucketName>`…
 * "where AWS adds them"): a 404 NoSuchVersion body named neither the key nor the version. S3's
 * answer to GetObject of a well-formed but unknown version id, as captured with `aws s3api
 * get-object --debug` in versity/versitygw#2081:
 *   <Error><Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message>
 *   <Key>obj</Key><VersionId>01G65Z755AFWAKHE12NY0CQ9FH</VersionId><RequestId>…</RequestId>…
 * The gateway now adds both, as it adds `<Key>` to NoSuchKey (a copy's missing source version
 * stays without them: the request's key is the destination).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const UNKNOWN = '00000000000000000000000000';

test('NoSuchVersion names the key and the version asked for', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/nsv' });
  await send(service, { method: 'PUT', path: '/nsv?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
  assert.equal((await send(service, { method: 'PUT', path: '/nsv/dir/k', body: 'x' })).status, 200);

  for (const path of [`/nsv/dir/k?versionId=${UNKNOWN}`, `/nsv/dir/k?tagging&versionId=${UNKNOWN}`]) {
    const r = await send(service, { method: 'GET', path });
    assert.equal(r.status, 404, `${path}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'NoSuchVersion', path);
    assert.equal(xmlText(r.text, 'Key'), 'dir/k', `${path}: ${r.text}`);
    assert.equal(xmlText(r.text, 'VersionId'), UNKNOWN, `${path}: ${r.text}`);
  }

  const copy = await send(service, { method: 'PUT', path: '/nsv/dst', headers: { 'x-amz-copy-source': `/nsv/dir/k?versionId=${UNKNOWN}` } });
  assert.equal(copy.status, 404, copy.text);
  assert.equal(xmlText(copy.text, 'Key'), undefined, 'a copy names no destination key in its NoSuchVersion');
});
