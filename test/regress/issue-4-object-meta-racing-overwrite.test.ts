/**
 * Issue #4 (found by exploratory concurrency testing over real sockets): PutObjectTagging on a key
 * that a concurrent PutObject overwrote answered 404 NoSuchVersion — 35 of 40 tagging requests
 * racing overwrites of one key in an unversioned bucket. The handler resolved the current version,
 * then asked the engine to change *that* version, which the overwrite had purged meanwhile (an
 * unversioned or suspended bucket replaces its null version; in a versioned bucket a DELETE of the
 * current version by id does the same). The key existed the whole time, so S3 answers 200 (the
 * requests are concurrent: either order is an answer). The engine now finds the version inside its
 * commit — the current one, or the null version, as of that commit — and the handlers pass the
 * request's version id (none for "current") instead of the one they looked up. Same for
 * DeleteObjectTagging and PutObjectAcl.
 *
 * The interleaving is forced with a gate on the metadata store: the tagging's transaction is held
 * until the overwrite has committed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { body, eachBackend } from '../integration/engine/harness.js';
import { ALICE, makeService, send, xmlText } from '../integration/s3/helpers.js';
import { gateNextTransaction } from '../helpers/gates.js';

for (const versioning of ['Unversioned', 'Suspended'] as const) {
  eachBackend(`engine: a tag change racing an overwrite in a${versioning === 'Unversioned' ? 'n unversioned' : ' suspended'} bucket lands on the new null version`, async (h) => {
    const e = h.engine;
    await e.createBucket('b', { owner: 't' });
    if (versioning === 'Suspended') await e.putBucketConfig('b', 'versioning', 'Suspended');
    await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('first')));
    for (const versionId of [undefined, 'null']) {
      const gate = gateNextTransaction(h.backend.meta);
      const tagging = e.updateVersionMeta({ bucket: 'b', key: 'k' }, versionId, { tags: { t: String(versionId) } });
      tagging.catch(() => undefined);
      await gate.reached;
      const next = await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from(`after ${String(versionId)}`)));
      gate.release();
      const v = await tagging;
      assert.equal(v.etag, next.etag);
      assert.deepEqual((await e.head({ bucket: 'b', key: 'k' })).tags, { t: String(versionId) });
    }
  });
}

eachBackend('engine: a tag change of the current version racing a DELETE of it by id lands on the version that is current then', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const v1 = await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('one')));
  const v2 = await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('two')));
  const gate = gateNextTransaction(h.backend.meta);
  const tagging = e.updateVersionMeta({ bucket: 'b', key: 'k' }, undefined, { acl: { owner: 't', grants: [] } });
  tagging.catch(() => undefined);
  await gate.reached;
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v2.versionId });
  gate.release();
  assert.equal((await tagging).versionId, v1.versionId);
  // A version named by id that went meanwhile is still NoSuchVersion.
  const gate2 = gateNextTransaction(h.backend.meta);
  const named = e.updateVersionMeta({ bucket: 'b', key: 'k' }, v1.versionId, { tags: { a: 'b' } });
  named.catch(() => undefined);
  await gate2.reached;
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v1.versionId });
  gate2.release();
  await assert.rejects(named, { code: 'CCOW_ERR_NO_SUCH_VERSION' });
});

test('S3: PutObjectTagging / DeleteObjectTagging / PutObjectAcl racing an overwrite or a DELETE of the current version: 200/204, not NoSuchVersion', async () => {
  const backend = createMemoryBackend();
  const engine = await createEngine(backend, { digestWorker: false });
  await engine.putUser(ALICE);
  const { service } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'first' })).status, 200);
  const tagging = '<Tagging><TagSet><Tag><Key>t</Key><Value>v</Value></Tag></TagSet></Tagging>';
  const race = async (req: Parameters<typeof send>[1], meanwhile: () => Promise<void>): Promise<Awaited<ReturnType<typeof send>>> => {
    const gate = gateNextTransaction(backend.meta);
    const pending = send(service, req);
    await gate.reached;
    await meanwhile();
    gate.release();
    return pending;
  };
  const overwrite = async (): Promise<void> => assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'next' })).status, 200);
  const put = await race({ method: 'PUT', path: '/bkt/k?tagging', body: tagging }, overwrite);
  assert.equal(put.status, 200, put.text);
  const got = await send(service, { method: 'GET', path: '/bkt/k?tagging' });
  assert.equal(xmlText(got.text, 'Value'), 'v');
  const del = await race({ method: 'DELETE', path: '/bkt/k?tagging' }, overwrite);
  assert.equal(del.status, 204, del.text);
  const acl = await race({ method: 'PUT', path: '/bkt/k?acl', headers: { 'x-amz-acl': 'public-read' } }, overwrite);
  assert.equal(acl.status, 200, acl.text);

  // Versioned: the current version deleted by id meanwhile; the tags go to the one current then.
  assert.equal((await send(service, { method: 'PUT', path: '/bkt?versioning', body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' })).status, 200);
  const v1 = String((await send(service, { method: 'PUT', path: '/bkt/k', body: 'one' })).headers['x-amz-version-id']);
  const v2 = String((await send(service, { method: 'PUT', path: '/bkt/k', body: 'two' })).headers['x-amz-version-id']);
  const tagged = await race({ method: 'PUT', path: '/bkt/k?tagging', body: tagging }, async () => {
    assert.equal((await send(service, { method: 'DELETE', path: `/bkt/k?versionId=${v2}` })).status, 204);
  });
  assert.equal(tagged.status, 200, tagged.text);
  assert.equal(tagged.headers['x-amz-version-id'], v1);
  // A delete marker on top meanwhile: 405 MethodNotAllowed, ResourceType DeleteMarker, as after the
  // DELETE (S3's answer to tagging a key whose current version is a marker, 3b0ae16).
  const marked = await race({ method: 'PUT', path: '/bkt/k?tagging', body: tagging }, async () => {
    assert.equal((await send(service, { method: 'DELETE', path: '/bkt/k' })).status, 204);
  });
  assert.equal(marked.status, 405, marked.text);
  assert.equal(xmlText(marked.text, 'Code'), 'MethodNotAllowed');
  assert.equal(xmlText(marked.text, 'ResourceType'), 'DeleteMarker');
  assert.equal(marked.headers['x-amz-delete-marker'], 'true');
  await engine.close();
});
