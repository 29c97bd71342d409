/**
 * Issue #4 (adversarial probing with boto3 and curl): writes that create a version took a
 * `versionId` parameter and ignored it — `PUT /b/k?versionId=V` (PutObject, UploadPart, CopyObject)
 * and `POST /b/k?uploadId=U&versionId=V` (CompleteMultipartUpload) answered 200 and made a new
 * version, not the one named. S3 refuses it, empty, malformed or a real id alike: 400
 * InvalidArgument "This operation does not accept a version-id.", ArgumentName versionId (UploadPart
 * recorded against AWS in a public S3 compliance report, "UploadPart + versionId"; Scality
 * cloudserver's checkQueryVersionId for PutObject, CopyObject and CompleteMultipartUpload,
 * scality/cloudserver#698). Nothing is written.
 *
 * The same report records `x-amz-copy-source: /b/k?versionId=` (empty) answered "Version id cannot
 * be the empty string" for CopyObject and UploadPartCopy; the gateway said "Invalid version id
 * specified", the answer to a malformed id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

type Service = Awaited<ReturnType<typeof makeService>>['service'];

async function versionedBucket(service: Service): Promise<string> {
  assert.equal((await send(service, { method: 'PUT', path: '/wvid' })).status, 200);
  const on = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/wvid?versioning', body: on })).status, 200);
  const put = await send(service, { method: 'PUT', path: '/wvid/k', body: 'v1' });
  assert.equal(put.status, 200);
  return String(put.headers['x-amz-version-id']);
}

async function versionCount(service: Service): Promise<number> {
  const list = await send(service, { method: 'GET', path: '/wvid?versions' });
  return [...list.text.matchAll(/<Version>/g)].length;
}

function assertRefused(r: { status: number; text: string }, value: string, what: string): void {
  assert.equal(r.status, 400, `${what}: ${r.text}`);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument', what);
  assert.equal(xmlText(r.text, 'Message'), 'This operation does not accept a version-id.', what);
  assert.equal(xmlText(r.text, 'ArgumentName'), 'versionId', what);
  assert.equal(xmlText(r.text, 'ArgumentValue') ?? '', value, what);
}

test('PutObject and CopyObject with a versionId parameter: 400 InvalidArgument, nothing written', async () => {
  const { service } = await makeService();
  const v1 = await versionedBucket(service);
  for (const value of [v1, '', 'abc', 'null']) {
    const q = `versionId=${encodeURIComponent(value)}`;
    assertRefused(await send(service, { method: 'PUT', path: `/wvid/k?${q}`, body: 'v2' }), value, `PutObject ?${q}`);
    assertRefused(await send(service, { method: 'PUT', path: `/wvid/k?${q}`, headers: { 'x-amz-copy-source': '/wvid/k', 'x-amz-metadata-directive': 'REPLACE' } }), value, `CopyObject ?${q}`);
  }
  assert.equal(await versionCount(service), 1);
  assert.equal((await send(service, { method: 'GET', path: '/wvid/k' })).text, 'v1');
});

test('UploadPart and CompleteMultipartUpload with a versionId parameter: 400 InvalidArgument; the upload goes on without it', async () => {
  const { service } = await makeService();
  const v1 = await versionedBucket(service);
  const init = await send(service, { method: 'POST', path: '/wvid/k?uploads' });
  const uploadId = xmlText(init.text, 'UploadId')!;
  for (const value of [v1, '', 'abc']) {
    const q = `versionId=${encodeURIComponent(value)}`;
    assertRefused(await send(service, { method: 'PUT', path: `/wvid/k?partNumber=1&uploadId=${uploadId}&${q}`, body: 'part' }), value, `UploadPart ?${q}`);
  }
  const listed = await send(service, { method: 'GET', path: `/wvid/k?uploadId=${uploadId}` });
  assert.equal(listed.status, 200, listed.text);
  assert.equal(xmlText(listed.text, 'PartNumber'), undefined, 'no part was stored');
  const part = await send(service, { method: 'PUT', path: `/wvid/k?partNumber=1&uploadId=${uploadId}`, body: 'part' });
  assert.equal(part.status, 200, part.text);
  const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`;
  assertRefused(await send(service, { method: 'POST', path: `/wvid/k?uploadId=${uploadId}&versionId=${v1}`, body }), v1, 'CompleteMultipartUpload');
  assert.equal(await versionCount(service), 1);
  const done = await send(service, { method: 'POST', path: `/wvid/k?uploadId=${uploadId}`, body });
  assert.equal(done.status, 200, done.text);
  assert.equal(await versionCount(service), 2);
  assert.equal((await send(service, { method: 'GET', path: '/wvid/k' })).text, 'part');
});

test('a copy source with an empty versionId: "Version id cannot be the empty string", for CopyObject and UploadPartCopy', async () => {
  const { service } = await makeService();
  await versionedBucket(service);
  const init = await send(service, { method: 'POST', path: '/wvid/dst?uploads' });
  const uploadId = xmlText(init.text, 'UploadId')!;
  for (const path of ['/wvid/dst', `/wvid/dst?partNumber=1&uploadId=${uploadId}`]) {
    const r = await send(service, { method: 'PUT', path, headers: { 'x-amz-copy-source': '/wvid/k?versionId=' } });
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument', path);
    assert.equal(xmlText(r.text, 'Message'), 'Version id cannot be the empty string', path);
    assert.equal(xmlText(r.text, 'ArgumentName'), 'x-amz-copy-source', path);
  }
  // A malformed one keeps its answer.
  const bad = await send(service, { method: 'PUT', path: '/wvid/dst', headers: { 'x-amz-copy-source': '/wvid/k?versionId=abc' } });
  assert.equal(xmlText(bad.text, 'Message'), 'Invalid version id specified');
});
