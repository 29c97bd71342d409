/**
 * Issue #4 (found by exploratory testing with the JS SDK): a second CompleteMultipartUpload of an
 * upload that had completed answered 404 NoSuchUpload. S3 answers a retried Complete with the same
 * parts 200 and the same result (adobe/S3Mock#2586 shows it against S3), and SDKs retry a Complete
 * whose response was lost — the upload then failed although the object was stored. The engine now
 * keeps each completed upload's answer (`ud1`, written in the commit's transaction) for 6 hours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { T } from '../../src/engine/keys.js';
import { body, eachBackend } from '../integration/engine/harness.js';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const HOUR = 3600_000;

eachBackend('engine: a completed upload answers a retry with the same parts for 6 hours, then housekeeping drops it', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  const up = await e.createUpload({ bucket: 'b', key: 'obj' }, {});
  const p1 = await e.putPart('b', up.uploadId, 1, body(Buffer.alloc(9000, 1)));
  const p2 = await e.putPart('b', up.uploadId, 2, body(Buffer.from('tail')));
  const parts = [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }];
  const v = await e.completeUpload('b', up.uploadId, parts);
  assert.deepEqual(await e.completedUpload('b', up.uploadId, parts), { key: 'obj', versionId: v.versionId, etag: v.etag });
  // ETags quoted or not name the same part list; any other list, upload id or bucket gets nothing.
  assert.ok(await e.completedUpload('b', up.uploadId, parts.map((p) => ({ ...p, etag: p.etag.replace(/"/g, '') }))));
  assert.equal(await e.completedUpload('b', up.uploadId, parts.slice(0, 1)), undefined);
  assert.equal(await e.completedUpload('b', up.uploadId, [parts[1]!, parts[0]!]), undefined);
  assert.equal(await e.completedUpload('b', '00'.repeat(16), parts), undefined);
  assert.equal(await e.completedUpload('b', 'not-an-id', parts), undefined);
  await e.createBucket('c', { owner: 't' });
  assert.equal(await e.completedUpload('c', up.uploadId, parts), undefined);
  // The upload itself is gone as before.
  await assert.rejects(e.completeUpload('b', up.uploadId, parts), { code: 'CCOW_ERR_NO_SUCH_UPLOAD' });

  const answers = async (): Promise<number> => {
    let n = 0;
    for await (const _ of h.backend.meta.range({ gte: Buffer.from([T.UPLOAD_DONE]), lt: Buffer.from([T.UPLOAD_DONE + 1]) })) n++;
    return n;
  };
  const worker = e.workers().find((w) => w.name === 'completed-uploads')!;
  const pass = async (): Promise<void> => {
    for (let i = 0; i < 10 && (await worker.step()) === 'busy'; i++);
  };
  await pass();
  assert.equal(await answers(), 1, 'a fresh answer is kept');
  h.clock.advance(6 * HOUR - 60_000);
  assert.ok(await e.completedUpload('b', up.uploadId, parts), 'still answered just before 6 h');
  h.clock.advance(2 * 60_000);
  assert.equal(await e.completedUpload('b', up.uploadId, parts), undefined, 'not after 6 h');
  await pass();
  assert.equal(await answers(), 0, 'housekeeping deleted the old answer');
  // Restarts keep answers (they are metadata like any other).
  const up2 = await e.createUpload({ bucket: 'b', key: 'obj2' }, {});
  const q = await e.putPart('b', up2.uploadId, 1, body(Buffer.from('only part')));
  await e.completeUpload('b', up2.uploadId, [{ partNumber: 1, etag: q.etag }]);
  await h.restart();
  assert.equal((await h.engine.completedUpload('b', up2.uploadId, [{ partNumber: 1, etag: q.etag }]))?.key, 'obj2');
});

test('S3: a retried CompleteMultipartUpload gets the first answer; other parts or another key are NoSuchUpload', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' })).status, 200);
  const created = await send(service, { method: 'POST', path: '/bkt/big?uploads' });
  const uploadId = xmlText(created.text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/bkt/big?partNumber=1&uploadId=${uploadId}`, body: 'the only part' });
  const etag = String(part.headers.etag);
  const complete = (key: string, partEtag = etag) => send(service, {
    method: 'POST', path: `/bkt/${key}?uploadId=${uploadId}`,
    body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partEtag}</ETag></Part></CompleteMultipartUpload>`,
  });
  const first = await complete('big');
  assert.equal(first.status, 200, first.text);
  const retry = await complete('big');
  assert.equal(retry.status, 200, retry.text);
  assert.equal(xmlText(retry.text, 'ETag'), xmlText(first.text, 'ETag'));
  assert.equal(xmlText(retry.text, 'Key'), 'big');
  assert.equal(retry.headers['x-amz-version-id'], first.headers['x-amz-version-id']);
  assert.ok(first.headers['x-amz-version-id'], 'versioned bucket: a version id');
  // Only one version was made.
  const versions = await send(service, { method: 'GET', path: '/bkt?versions' });
  assert.equal(versions.text.match(/<Version>/g)?.length, 1);
  for (const r of [await complete('other'), await complete('big', '"00000000000000000000000000000000"')]) {
    assert.equal(r.status, 404, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'NoSuchUpload');
  }
  const bad = await send(service, { method: 'POST', path: `/bkt/big?uploadId=${uploadId}`, body: '<nope' });
  assert.equal(xmlText(bad.text, 'Code'), 'NoSuchUpload');
});

test('S3: a retry that runs alongside the first Complete gets the same answer (review finding)', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const created = await send(service, { method: 'POST', path: '/bkt/k?uploads' });
  const uploadId = xmlText(created.text, 'UploadId')!;
  const part = await send(service, { method: 'PUT', path: `/bkt/k?partNumber=1&uploadId=${uploadId}`, body: 'x'.repeat(100) });
  const complete = () => send(service, {
    method: 'POST', path: `/bkt/k?uploadId=${uploadId}`,
    body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`,
  });
  // Both pass the upload lookup before either commits; the loser used to get 404 NoSuchUpload.
  const [a, b] = await Promise.all([complete(), complete()]);
  assert.equal(a.status, 200, a.text);
  assert.equal(b.status, 200, b.text);
  assert.equal(xmlText(a.text, 'ETag'), xmlText(b.text, 'ETag'));
});
