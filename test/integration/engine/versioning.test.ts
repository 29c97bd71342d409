/** The §7.3 versioning table for all three states (shared/spec/ccow.md §7.3, §18 (5)). */
import assert from 'node:assert/strict';
import { body, eachBackend, readAll } from './harness.js';
import type { Engine } from '../../../src/engine/index.js';

const put = (e: Engine, key: string, s: string) => e.putObject({ bucket: 'b', key }, body(Buffer.from(s)));
const versions = async (e: Engine, key?: string) =>
  (await e.listVersions('b', { limit: 1000, prefix: key })).entries.map((v) => `${v.key}:${v.deleteMarker ? 'DM' : v.size}:${v.versionId === 'null' ? 'null' : 'id'}${v.isLatest ? ':latest' : ''}`);

eachBackend('Unversioned: each write replaces the null version; deletes leave no visible marker', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  const v1 = await put(e, 'k', 'one');
  assert.equal(v1.versionId, 'null');
  assert.equal(v1.uvid.length, 26);
  const v2 = await put(e, 'k', 'three');
  assert.equal(v2.versionId, 'null');
  assert.equal(v2.generation, 2);
  assert.deepEqual(await versions(e), ['k:5:null:latest']);
  assert.deepEqual(await readAll(e, 'b', 'k', { versionId: 'null' }), Buffer.from('three'));
  await assert.rejects(e.head({ bucket: 'b', key: 'k' }, { versionId: v1.uvid }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  const d = await e.deleteObject({ bucket: 'b', key: 'k' });
  assert.equal(d.deleteMarker, true);
  // A never-versioned bucket shows no marker: plain NoSuchKey, nothing listed.
  const err = await e.head({ bucket: 'b', key: 'k' }).catch((x: unknown) => x);
  assert.equal((err as { code: string }).code, 'CCOW_ERR_NO_SUCH_KEY');
  assert.equal((err as { versionId?: string }).versionId, undefined);
  assert.deepEqual(await versions(e), []);
  assert.equal((await e.listObjects('b', { limit: 10 })).entries.length, 0);
  assert.deepEqual(await e.deleteObject({ bucket: 'b', key: 'never' }), { deleteMarker: false });
  assert.deepEqual(await e.bucketStats('b'), { objects: 0, logicalBytes: 0, physicalBytes: (await e.bucketStats('b')).physicalBytes });
  await e.deleteBucket('b');
  assert.equal(await e.getBucket('b'), undefined);
});

eachBackend('Enabled: every write is a new version; delete adds a marker; version deletes purge', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const v1 = await put(e, 'k', 'one');
  const v2 = await put(e, 'k', 'two!');
  assert.notEqual(v1.versionId, 'null');
  assert.ok(v2.versionId > v1.versionId, 'version ids sort like UVIDs');
  assert.deepEqual(await versions(e), ['k:4:id:latest', 'k:3:id']);
  assert.deepEqual(await readAll(e, 'b', 'k', { versionId: v1.versionId }), Buffer.from('one'));
  const h1 = await e.head({ bucket: 'b', key: 'k' }, { versionId: v1.versionId });
  assert.equal(h1.isLatest, false);

  const dm = await e.deleteObject({ bucket: 'b', key: 'k' });
  assert.equal(dm.deleteMarker, true);
  assert.notEqual(dm.versionId, 'null');
  const err = await e.head({ bucket: 'b', key: 'k' }).catch((x: unknown) => x);
  assert.deepEqual([(err as { code: string }).code, (err as { versionId: string }).versionId], ['CCOW_ERR_DELETE_MARKER', dm.versionId]);
  await assert.rejects(e.head({ bucket: 'b', key: 'k' }, { versionId: dm.versionId }), { code: 'CCOW_ERR_DELETE_MARKER' });
  assert.deepEqual(await versions(e), ['k:DM:id:latest', 'k:4:id', 'k:3:id']);
  assert.equal((await e.listObjects('b', { limit: 10 })).entries.length, 0);

  // Removing the marker by id brings v2 back; removing v2 makes v1 current.
  assert.deepEqual(await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: dm.versionId }), { deleteMarker: true, versionId: dm.versionId });
  assert.equal((await e.head({ bucket: 'b', key: 'k' })).versionId, v2.versionId);
  assert.deepEqual(await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v2.versionId }), { deleteMarker: false, versionId: v2.versionId });
  const now = await e.head({ bucket: 'b', key: 'k' });
  assert.equal(now.versionId, v1.versionId);
  assert.equal(now.isLatest, true);
  assert.deepEqual((await e.listObjects('b', { limit: 10 })).entries.map((x) => x.size), [3]);
  await assert.rejects(e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v2.versionId }), { code: 'CCOW_ERR_NO_SUCH_VERSION' });
  await assert.rejects(e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: 'garbage' }), { code: 'CCOW_ERR_INVALID_ARGUMENT' });

  // A delete of a key that never existed still writes a marker in a versioned bucket (as S3 does).
  assert.equal((await e.deleteObject({ bucket: 'b', key: 'ghost' })).deleteMarker, true);
  await assert.rejects(e.deleteBucket('b'), { code: 'CCOW_ERR_BUCKET_NOT_EMPTY' });
  await assert.rejects(e.putBucketConfig('b', 'versioning', 'Unversioned'), { code: 'CCOW_ERR_INVALID_ARGUMENT' });
  assert.equal((await e.bucketStats('b')).logicalBytes, 3);
});

eachBackend('Suspended: new writes are null versions replacing the previous null; real versions stay', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  await put(e, 'k', 'n0'); // null version from the never-versioned time
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const r1 = await put(e, 'k', 'real1');
  assert.deepEqual(await versions(e), ['k:5:id:latest', 'k:2:null']);
  await e.putBucketConfig('b', 'versioning', 'Suspended');
  const n1 = await put(e, 'k', 'null-1');
  assert.equal(n1.versionId, 'null');
  // The old null version is purged; the real one stays.
  assert.deepEqual(await versions(e), ['k:6:null:latest', 'k:5:id']);
  await put(e, 'k', 'null-22');
  assert.deepEqual(await versions(e), ['k:7:null:latest', 'k:5:id']);
  const d = await e.deleteObject({ bucket: 'b', key: 'k' });
  assert.deepEqual(d, { deleteMarker: true, versionId: 'null' });
  // The marker is the null version now: it replaced the null object.
  assert.deepEqual(await versions(e), ['k:DM:null:latest', 'k:5:id']);
  assert.deepEqual(await readAll(e, 'b', 'k', { versionId: r1.versionId }), Buffer.from('real1'));
  const err = await e.head({ bucket: 'b', key: 'k' }).catch((x: unknown) => x);
  assert.equal((err as { versionId: string }).versionId, 'null');
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: 'null' });
  assert.equal((await e.head({ bucket: 'b', key: 'k' })).versionId, r1.versionId);
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const r2 = await put(e, 'k', 'real2');
  assert.notEqual(r2.versionId, 'null');
  assert.deepEqual(await versions(e), ['k:5:id:latest', 'k:5:id']);
});

eachBackend('generation and baseUvid follow the head; the feed records versions and purges in order', async ({ engine: e }) => {
  await e.createBucket('b', { owner: 't' });
  await put(e, 'k', 'a');
  await put(e, 'k', 'b');
  const feed = await e.feedRead(0n, 100);
  assert.deepEqual(feed.map((f) => f.op), ['bucket', 'version', 'version', 'purge']);
  assert.deepEqual(feed.map((f) => f.seq), [1n, 2n, 3n, 4n]);
  assert.equal(feed[2]!.generation, 2);
  assert.equal(feed[3]!.uvid, feed[1]!.uvid);
  assert.deepEqual((await e.feedRead(3n, 1)).map((f) => f.seq), [3n]);
});

eachBackend('housekeeping: quiet markers are purged after the tombstone retention; the feed is trimmed', async ({ engine: e, clock }) => {
  await e.createBucket('b', { owner: 't' });
  await put(e, 'k', 'x');
  await e.deleteObject({ bucket: 'b', key: 'k' });
  const workers = Object.fromEntries(e.workers().map((w) => [w.name, w]));
  const drain = async (name: string) => {
    for (let i = 0; i < 100 && (await workers[name]!.step()) === 'busy'; i++);
  };
  await drain('tombstone-purge');
  const purgesBefore = (await e.feedRead(0n, 1000)).filter((f) => f.op === 'purge').length;
  clock.advance(24 * 3_600_000 + 1);
  await drain('tombstone-purge');
  const feed = await e.feedRead(0n, 1000);
  assert.equal(feed.filter((f) => f.op === 'purge').length, purgesBefore + 1);
  assert.equal(feed[feed.length - 1]!.deleted, true);
  clock.advance(8 * 24 * 3_600_000);
  await drain('feed-trim');
  const left = await e.feedRead(0n, 1000);
  assert.equal(left.length, 1, 'only the newest record stays');
  assert.equal(left[0]!.seq, feed[feed.length - 1]!.seq);
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  assert.equal((await e.feedRead(0n, 1000)).at(-1)!.seq, left[0]!.seq + 1n, 'sequence numbers continue');
});
