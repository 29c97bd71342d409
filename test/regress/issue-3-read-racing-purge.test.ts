/**
 * Issue #3 (found by the versioning-model fuzz's concurrent steps, fuzz16): a GET, HEAD or
 * CopyObject of the current version of a small object racing a DELETE (or an overwrite) of it in a
 * never-versioned or suspended bucket answered 500 InternalError (CCOW_ERR_CHUNK_MISSING). The read
 * looks the version up (the `cur` row), then reads its embedded manifest from its name-index entry,
 * a second read; the DELETE purged the null version in between, and the missing entry was taken for
 * a missing manifest. Sent at once in-process, 16 of 16 GET/HEAD and 20 of 20 copies failed. The
 * requests are concurrent, so either order is an answer: before the DELETE (the object) or after it
 * (404 NoSuchKey, and for a copy NoSuchKey, or NoSuchVersion when the source named the null
 * version). The read now looks the version up again when its entry was purged meanwhile; a version
 * named by id is then NoSuchVersion.
 *
 * The interleaving is forced with a gate on the metadata store: the read of the name-index entry is
 * held until the DELETE (or overwrite) has committed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from '../../src/common/index.js';
import { createEngine } from '../../src/engine/index.js';
import { encodeObjectKey, niKeyPrefix } from '../../src/engine/keys.js';
import type { MetaStore } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { body, collect, eachBackend } from '../integration/engine/harness.js';
import { ALICE, makeService, send } from '../integration/s3/helpers.js';

/** Hold the next `get` of one of `key`'s name-index entries until `release()`. */
function gateNextEntryRead(meta: MetaStore, bucketId: string, key: string): { reached: Promise<void>; release: () => void } {
  const prefix = niKeyPrefix(fromHex(bucketId), encodeObjectKey(key));
  const orig = meta.get.bind(meta);
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  let arrive!: () => void;
  const reached = new Promise<void>((r) => (arrive = r));
  meta.get = async (k) => {
    if (!Buffer.from(k).subarray(0, prefix.length).equals(prefix)) return orig(k);
    meta.get = orig;
    arrive();
    await open;
    return orig(k);
  };
  return { reached, release };
}

for (const versioning of ['Unversioned', 'Suspended'] as const) {
  eachBackend(`engine (${versioning}): head, read and copy of the current version racing its purge read the key as it is after the purge`, async (h) => {
    const e = h.engine;
    await e.createBucket('b', { owner: 't' });
    if (versioning === 'Suspended') await e.putBucketConfig('b', 'versioning', 'Suspended');
    const bucketId = (await e.getBucket('b'))!.id;
    const race = async <T>(op: () => Promise<T>, meanwhile: () => Promise<unknown>): Promise<PromiseSettledResult<T>> => {
      const gate = gateNextEntryRead(h.backend.meta, bucketId, 'k');
      const pending = op();
      pending.catch(() => undefined);
      await gate.reached;
      await meanwhile();
      gate.release();
      return (await Promise.allSettled([pending]))[0];
    };
    const gone = versioning === 'Unversioned' ? 'CCOW_ERR_NO_SUCH_KEY' : 'CCOW_ERR_DELETE_MARKER';
    for (const [what, op] of [
      ['head', () => e.head({ bucket: 'b', key: 'k' })],
      ['read', async () => collect((await e.read({ bucket: 'b', key: 'k' })).body)],
      ['copy', () => e.copyObject({ bucket: 'b', key: 'k' }, { bucket: 'b', key: 'dst' })],
    ] as const) {
      // A DELETE meanwhile: the key is gone.
      await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from(`small ${what}`)));
      const deleted = await race<unknown>(op, () => e.deleteObject({ bucket: 'b', key: 'k' }));
      assert.equal(deleted.status, 'rejected', `${what} after a DELETE`);
      assert.equal((deleted).reason.code, gone, `${what} after a DELETE: ${String((deleted).reason)}`);
      // An overwrite meanwhile: the new version.
      await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from(`first ${what}`)));
      const next = await race<unknown>(op, () => e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from(`second ${what}`))));
      assert.equal(next.status, 'fulfilled', `${what} after an overwrite: ${next.status === 'rejected' ? String(next.reason) : ''}`);
      const value = (next).value;
      if (what === 'read') assert.equal(String(value), `second ${what}`);
      else assert.equal((value as { etag: string }).etag, (await e.head({ bucket: 'b', key: 'k' })).etag, what);
    }
    // A version named by id that goes meanwhile: NoSuchVersion.
    await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('named')));
    const named = await race(() => e.head({ bucket: 'b', key: 'k' }, { versionId: 'null' }), () => e.deleteObject({ bucket: 'b', key: 'k' }));
    assert.equal(named.status, 'rejected');
    assert.equal((named).reason.code, 'CCOW_ERR_NO_SUCH_VERSION');
  });
}

test('S3: GET, HEAD and CopyObject racing a DELETE of a small object in a never-versioned bucket answer 404, not 500', async () => {
  const backend = createMemoryBackend();
  const engine = await createEngine(backend, { digestWorker: false });
  await engine.putUser(ALICE);
  const { service } = await makeService({ engine });
  assert.equal((await send(service, { method: 'PUT', path: '/bkt' })).status, 200);
  const bucketId = (await engine.getBucket('bkt'))!.id;
  for (const [req, code] of [
    [{ method: 'GET', path: '/bkt/k' }, 'NoSuchKey'],
    [{ method: 'HEAD', path: '/bkt/k' }, undefined],
    [{ method: 'PUT', path: '/bkt/dst', headers: { 'x-amz-copy-source': '/bkt/k' } }, 'NoSuchKey'],
    [{ method: 'PUT', path: '/bkt/dst', headers: { 'x-amz-copy-source': '/bkt/k?versionId=null' } }, 'NoSuchVersion'],
  ] as const) {
    assert.equal((await send(service, { method: 'PUT', path: '/bkt/k', body: 'small' })).status, 200);
    const gate = gateNextEntryRead(backend.meta, bucketId, 'k');
    const pending = send(service, req);
    await gate.reached;
    assert.equal((await send(service, { method: 'DELETE', path: '/bkt/k' })).status, 204);
    gate.release();
    const r = await pending;
    assert.equal(r.status, 404, `${req.method} ${req.path} ${JSON.stringify(req)}: ${r.status} ${r.text}`);
    if (code) assert.match(r.text, new RegExp(`<Code>${code}</Code>`), JSON.stringify(req));
  }
  await engine.close();
  await backend.close();
});
