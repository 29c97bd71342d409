/**
 * Issue #4 (found by exploratory testing with the aws CLI): listings wrote LastModified with
 * milliseconds (`…:56.802Z`) while GET/HEAD sent `Last-Modified` in whole seconds, as HTTP dates
 * are. `aws s3 sync --exact-timestamps` then found every file it had downloaded 0.802 s off the
 * listed time and downloaded it again on every run. S3 keeps Last-Modified to the second and lists
 * `….000Z`; every XML date here is now written that way (xmlTime).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('XML LastModified (listings, versions, copy results, parts, uploads) is whole seconds and matches the Last-Modified header', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  // Several writes, so that at least one lands off a whole second.
  for (let i = 0; i < 5; i++) {
    assert.equal((await send(service, { method: 'PUT', path: `/bkt/k${i}`, body: `v${i}` })).status, 200);
    await new Promise((r) => setTimeout(r, 37));
  }
  const wholeSecond = (v: string | undefined, what: string): number => {
    assert.match(v ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/, what);
    return Date.parse(v!);
  };
  const listed = await send(service, { method: 'GET', path: '/bkt?list-type=2' });
  const v1 = await send(service, { method: 'GET', path: '/bkt' });
  const versions = await send(service, { method: 'GET', path: '/bkt?versions' });
  for (let i = 0; i < 5; i++) {
    const head = await send(service, { method: 'HEAD', path: `/bkt/k${i}` });
    const header = Date.parse(String(head.headers['last-modified']));
    assert.equal(wholeSecond(xmlAll(listed.text, 'LastModified')[i], 'V2'), header, `k${i} V2`);
    assert.equal(wholeSecond(xmlAll(v1.text, 'LastModified')[i], 'V1'), header, `k${i} V1`);
    assert.equal(wholeSecond(xmlAll(versions.text, 'LastModified')[i], 'versions'), header, `k${i} versions`);
  }
  const copied = await send(service, { method: 'PUT', path: '/bkt/copy', headers: { 'x-amz-copy-source': '/bkt/k0' } });
  const copyHead = await send(service, { method: 'HEAD', path: '/bkt/copy' });
  assert.equal(wholeSecond(xmlText(copied.text, 'LastModified'), 'CopyObjectResult'), Date.parse(String(copyHead.headers['last-modified'])));
  const created = await send(service, { method: 'POST', path: '/bkt/mp?uploads' });
  const uploadId = xmlText(created.text, 'UploadId')!;
  assert.equal((await send(service, { method: 'PUT', path: `/bkt/mp?partNumber=1&uploadId=${uploadId}`, body: 'part' })).status, 200);
  wholeSecond(xmlText((await send(service, { method: 'GET', path: `/bkt/mp?uploadId=${uploadId}` })).text, 'LastModified'), 'ListParts');
  wholeSecond(xmlText((await send(service, { method: 'GET', path: '/bkt?uploads' })).text, 'Initiated'), 'ListMultipartUploads');
  wholeSecond(xmlText((await send(service, { method: 'GET', path: '/' })).text, 'CreationDate'), 'ListBuckets');
});
