/**
 * Issue #3 (spec15e, engine spec audit): a delete in a never-versioned bucket writes a *quiet*
 * marker (ccow.md §7.3: "In unversioned buckets the marker is hidden from S3 listings", purged after
 * tombstoneRetention; the engine keeps it for ISGW convergence). S3 keeps no marker there: "If
 * versioning is not enabled, the DELETE operation permanently removes the object" (S3 User Guide,
 * Deleting object versions), and a null version that does not exist is a 404 (s3-tests
 * test_versioning_obj_read_not_exist_null). HEAD and listings hid the quiet marker, but naming it
 * by version id found it: GET/HEAD `?versionId=null` of a deleted key answered 405
 * MethodNotAllowed with `x-amz-delete-marker: true` (a key that never existed: 404 NoSuchVersion),
 * tagging/ACL requests the same, a copy from it 400 InvalidRequest ("the source is a delete
 * marker"), and `DELETE ?versionId=null` reported a delete marker once the bucket had versioning.
 * Now a quiet marker named by version id reads as absent, exactly as a key that never existed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { body, eachBackend } from '../integration/engine/harness.js';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

eachBackend('engine: a quiet marker named by version id is NO_SUCH_VERSION, as a key that never existed', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('one')));
  assert.deepEqual(await e.deleteObject({ bucket: 'b', key: 'k' }), { deleteMarker: true, versionId: 'null' });
  const addr = { bucket: 'b', key: 'k' };
  await assert.rejects(e.head(addr), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  await assert.rejects(e.head(addr, { versionId: 'null' }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  await assert.rejects(e.read(addr, { versionId: 'null' }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  await assert.rejects(e.updateVersionMeta(addr, 'null', { tags: { a: '1' } }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  await assert.rejects(e.copyObject({ ...addr, versionId: 'null' }, { bucket: 'b', key: 'c' }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  // Its own UVID does not name it either (the feed carries it; S3 never showed it).
  const uvid = (await e.feedRead(0n, 100)).filter((r) => r.op === 'version' && r.deleted).at(-1)!.uvid!;
  await assert.rejects(e.head(addr, { versionId: uvid }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  await assert.rejects(e.deleteObject(addr, { versionId: 'null' }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  await assert.rejects(e.head(addr, { versionId: 'null' }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  // The tombstone purge still removes it, and a later write is unaffected.
  h.clock.advance(48 * 3_600_000);
  for (const w of e.workers().filter((x) => x.name === 'tombstone-purge')) while ((await w.step()) === 'busy');
  assert.equal((await e.feedRead(0n, 100)).filter((r) => r.op === 'purge' && r.deleted).length, 1);
  await e.putObject(addr, body(Buffer.from('two')));
  assert.equal((await e.head(addr)).size, 3);
});

test('S3: after DELETE in a never-versioned bucket, ?versionId=null answers as for a key that never existed', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/quiet' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/quiet/k', body: 'v1' })).status, 200);
  const del = await send(service, { method: 'DELETE', path: '/quiet/k' });
  assert.equal(del.status, 204);
  assert.equal(del.headers['x-amz-delete-marker'], undefined);
  for (const key of ['k', 'never']) {
    const get = await send(service, { method: 'GET', path: `/quiet/${key}?versionId=null` });
    assert.equal(get.status, 404, `GET ${key}`);
    assert.equal(xmlText(get.text, 'Code'), 'NoSuchVersion', `GET ${key}`);
    assert.equal(get.headers['x-amz-delete-marker'], undefined, `GET ${key}`);
    const head = await send(service, { method: 'HEAD', path: `/quiet/${key}?versionId=null` });
    assert.equal(head.status, 404, `HEAD ${key}`);
    assert.equal(head.headers['x-amz-delete-marker'], undefined, `HEAD ${key}`);
    const tagging = await send(service, { method: 'GET', path: `/quiet/${key}?tagging&versionId=null` });
    assert.equal(tagging.status, 404, `GET tagging ${key}`);
    const copy = await send(service, { method: 'PUT', path: '/quiet/copy', headers: { 'x-amz-copy-source': `/quiet/${key}?versionId=null` } });
    assert.equal(copy.status, 404, `copy from ${key}`);
    assert.equal(xmlText(copy.text, 'Code'), 'NoSuchVersion', `copy from ${key}`);
  }
  const versioning = '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/quiet?versioning', body: versioning })).status, 200);
  const delNull = await send(service, { method: 'DELETE', path: '/quiet/k?versionId=null' });
  assert.equal(delNull.status, 204);
  assert.equal(delNull.headers['x-amz-delete-marker'], undefined);
});
