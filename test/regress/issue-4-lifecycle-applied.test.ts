/**
 * Issue #4 (s3-surface.md §3, PutBucketLifecycleConfiguration P1): a lifecycle configuration was
 * accepted, stored and returned by GetBucketLifecycleConfiguration — and never applied: objects
 * meant to expire stayed forever and incomplete uploads were never aborted. The engine's lifecycle
 * worker (src/engine/lifecycle.ts) now applies it; this drives it through the S3 API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { fakeClock } from '../integration/engine/harness.js';
import { ALICE, BOB, makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

const LIFECYCLE = `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>
    <Expiration><Days>1</Days></Expiration>
    <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>
  </Rule>
</LifecycleConfiguration>`;

test('objects and uploads under a lifecycle rule expire through the S3 API once due', async () => {
  const clock = fakeClock(Date.parse('2026-03-01T10:00:00Z'));
  const engine = await createEngine(createMemoryBackend(), { digestWorker: false, clock });
  await engine.putUser(ALICE);
  await engine.putUser(BOB);
  const { service, logged } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/lcy' })).status, 200);
  for (const key of ['tmp/a', 'tmp/b', 'data/c']) assert.equal((await send(service, { method: 'PUT', path: `/lcy/${key}`, body: key })).status, 200);
  const up = await send(service, { method: 'POST', path: '/lcy/tmp/big?uploads' });
  const uploadId = xmlText(up.text, 'UploadId')!;
  const md5 = createHash('md5').update(LIFECYCLE).digest('base64');
  const put = await send(service, { method: 'PUT', path: '/lcy?lifecycle', body: LIFECYCLE, headers: { 'content-md5': md5 } });
  assert.equal(put.status, 200, put.text);

  const lifecycle = engine.workers().find((w) => w.name === 'lifecycle')!;
  const run = async () => {
    for (let i = 0; i < 100 && (await lifecycle.step()) === 'busy'; i++);
  };
  await run();
  assert.equal((await send(service, { method: 'GET', path: '/lcy/tmp/a' })).status, 200, 'not due on the first day');
  clock.set(Date.parse('2026-03-03T00:00:00Z')); // written 03-01 10:00 + 1 day → due 03-03 00:00 UTC
  await run();
  assert.equal((await send(service, { method: 'GET', path: '/lcy/tmp/a' })).status, 404);
  const list = await send(service, { method: 'GET', path: '/lcy?list-type=2' });
  assert.deepEqual(xmlAll(list.text, 'Key'), ['data/c']);
  const uploads = await send(service, { method: 'GET', path: '/lcy?uploads' });
  assert.deepEqual(xmlAll(uploads.text, 'UploadId'), []);
  assert.equal((await send(service, { method: 'GET', path: `/lcy/tmp/big?uploadId=${uploadId}` })).status, 404);
  assert.deepEqual(logged, []);
});

test('rules whose action cannot see tags or sizes refuse such filters (400 InvalidRequest, as S3)', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/lcz' })).status, 200);
  const cases: [string, string, string][] = [
    ['<Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter>', '<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', 'AbortIncompleteMultipartUpload cannot be specified with Tags.'],
    ['<Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></Filter>', '<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>', 'AbortIncompleteMultipartUpload cannot be specified with Object Size.'],
    ['<Filter><And><Prefix>p/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></And></Filter>', '<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>', 'ExpiredObjectDeleteMarker cannot be specified with Tags.'],
  ];
  for (const [filter, action, message] of cases) {
    const doc = `<LifecycleConfiguration><Rule><ID>r</ID>${filter}<Status>Enabled</Status>${action}</Rule></LifecycleConfiguration>`;
    const r = await send(service, { method: 'PUT', path: '/lcz?lifecycle', body: doc, headers: { 'content-md5': createHash('md5').update(doc).digest('base64') } });
    assert.equal(r.status, 400, r.text);
    assert.equal(xmlText(r.text, 'Code'), 'InvalidRequest');
    assert.equal(xmlText(r.text, 'Message'), message);
  }
  assert.equal((await send(service, { method: 'GET', path: '/lcz?lifecycle' })).status, 404, 'nothing was stored');
  // The same actions with a prefix filter are fine.
  const ok = '<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>p/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/lcz?lifecycle', body: ok, headers: { 'content-md5': createHash('md5').update(ok).digest('base64') } })).status, 200);
});
