/**
 * Regress (issue #3, scale hunt): an operation on one version of a key must not read the key's
 * whole history. A gateway holding one key with 10^5 versions answered HEAD/GET by version id,
 * HEAD of a key whose latest version is a delete marker, DeleteObject by version id and every
 * overwrite in a bucket suspended after that history in ~300–380 ms each (10^4 versions: ~31 ms,
 * 10^3: ~4 ms): each read all of the key's name-index entries, the writes inside LMDB's single
 * write transaction, so deleting the n versions of a key one by one read ~n²/2 rows. A snapshot
 * view's listing (and so a bucket clone, which fills from it) stepped over every version of a key
 * newer than the snapshot. Counted in name-index rows read, never in time: each operation below
 * must read the same few rows with a history of VERSIONS as with a handful.
 */
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/index.js';
import { rowsRead as countRows } from '../helpers/counting-backend.js';
import { body, eachBackend, type Harness } from '../integration/engine/harness.js';

const VERSIONS = 300;
/** Rows one of the operations below may read: the head, the version, a marker or two. */
const FEW = 8;

/** Rows `fn` reads from the harness's metadata store (test/helpers/counting-backend.ts). */
const rowsRead = (h: Harness, fn: () => Promise<unknown>): Promise<number> => countRows(h.backend.meta, fn);

async function assertClean(e: Engine): Promise<void> {
  const r = await e.fsck();
  assert.deepEqual({ missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs, missingRefs: r.missingRefs }, { missing: [], corrupt: [], leaked: [], danglingRefs: [], missingRefs: [] });
}

async function put(e: Engine, key: string, data: string): Promise<string> {
  return (await e.putObject({ bucket: 'b', key }, body(Buffer.from(data)))).versionId;
}

eachBackend('a long version history costs nothing to reads and writes of one version', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await put(e, 'hot', 'unversioned'); // a null version under all of the history
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const ids: string[] = [];
  for (let i = 0; i < VERSIONS; i++) ids.push(await put(e, 'hot', `v${i}`));
  const addr = { bucket: 'b', key: 'hot' };

  const reads: Record<string, number> = {};
  reads['HEAD oldest by id'] = await rowsRead(h, () => e.head(addr, { versionId: ids[0]! }));
  reads['GET middle by id'] = await rowsRead(h, () => e.read(addr, { versionId: ids[VERSIONS / 2]! }));
  reads['tag oldest'] = await rowsRead(h, () => e.updateVersionMeta(addr, ids[0], { tags: { a: '1' } }));
  assert.deepEqual((await e.head(addr, { versionId: ids[0]! })).tags, { a: '1' });
  reads['delete middle by id'] = await rowsRead(h, () => e.deleteObject(addr, { versionId: ids[VERSIONS / 2]! }));
  await assert.rejects(e.head(addr, { versionId: ids[VERSIONS / 2]! }), /no such version/);
  assert.equal((await e.head(addr)).versionId, ids.at(-1));

  // A delete marker on top: HEAD finds it without reading on.
  await e.deleteObject(addr);
  reads['HEAD of a delete marker'] = await rowsRead(h, () => assert.rejects(e.head(addr), /delete marker/));
  reads['delete the marker'] = await rowsRead(h, async () => {
    const v = (await e.listVersions('b', { limit: 1 })).entries[0]!;
    assert.ok(v.deleteMarker && v.isLatest);
    await e.deleteObject(addr, { versionId: v.versionId });
  });
  assert.equal((await e.head(addr)).versionId, ids.at(-1));

  // Suspended: the first overwrite looks for the null version under the history (once); from then
  // on it is the newest entry, and overwrites, reads and listings of it stop there.
  await e.putBucketConfig('b', 'versioning', 'Suspended');
  await put(e, 'hot', 'n1');
  reads['suspended overwrite'] = await rowsRead(h, () => put(e, 'hot', 'n2'));
  reads['GET null'] = await rowsRead(h, () => e.read(addr, { versionId: 'null' }));
  reads['list after null marker'] = await rowsRead(h, () => e.listVersions('b', { keyMarker: 'hot', versionIdMarker: 'null', limit: 1 }));
  reads['tag null'] = await rowsRead(h, () => e.updateVersionMeta(addr, 'null', { tags: { n: '2' } }));
  reads['delete null'] = await rowsRead(h, () => e.deleteObject(addr, { versionId: 'null' }));
  assert.equal((await e.head(addr)).versionId, ids.at(-1));

  assert.deepEqual(Object.entries(reads).filter(([, n]) => n > FEW), [], `rows read with ${VERSIONS} versions: ${JSON.stringify(reads)}`);
  // Everything is still there as it should be: the null version of before versioning was
  // replaced by the suspended writes, one version deleted by id.
  const all = await e.listVersions('b', { limit: 1000 });
  assert.equal(all.entries.length, VERSIONS - 1);
  await assertClean(e);
});

eachBackend('a snapshot view lists a key by its version at the cut-off, not by stepping over the newer ones', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  for (const k of ['a', 'hot', 'z']) await put(e, k, `${k}0`);
  await e.snapshotCreate('b', 's');
  for (let i = 0; i < VERSIONS; i++) await put(e, 'hot', `v${i}`);
  let page: Awaited<ReturnType<Engine['listObjects']>> | undefined;
  const n = await rowsRead(h, async () => {
    page = await e.listObjects('b', { snapshot: 's', limit: 100 });
  });
  assert.deepEqual(page!.entries.map((x) => x.key), ['a', 'hot', 'z']);
  assert.equal(page!.entries[1]!.size, 4); // 'hot0', the version at the cut-off
  assert.ok(n <= 3 * FEW, `${n} rows read to list 3 keys of a snapshot view`);
  // A clone of the view holds the version the snapshot saw.
  await e.bucketClone('b', 's', 'c');
  const r = await e.read({ bucket: 'c', key: 'hot' });
  assert.equal(Buffer.from(r.bytes!).toString(), 'hot0');
});

eachBackend('deleting a version by id under snapshots keeps exactly what each view shows', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const addr = { bucket: 'b', key: 'k' };
  const v1 = await put(e, 'k', 'one');
  await e.snapshotCreate('b', 's1'); // sees v1 only
  const v2 = await put(e, 'k', 'two');
  const v3 = await put(e, 'k', 'three');
  await e.snapshotCreate('b', 's2'); // sees v3
  for (let i = 0; i < VERSIONS; i++) await put(e, 'k', `n${i}`);
  const view = async (s: string): Promise<string> => Buffer.from((await e.read(addr, { snapshot: s })).bytes!).toString();

  // v1 is what s1 shows: the purge only hides it. v2 no view shows: it goes. v3 is s2's: hidden.
  // Each reads the entries between it and the newest cut-off, not the versions above that.
  for (const [v, most] of [[v1, 3 + FEW], [v2, 2 + FEW], [v3, 1 + FEW]] as const) {
    const n = await rowsRead(h, () => e.deleteObject(addr, { versionId: v }));
    assert.ok(n <= most, `${n} rows read to delete a version under two snapshots`);
    await assert.rejects(e.head(addr, { versionId: v }), /no such version/);
  }
  assert.equal(await view('s1'), 'one');
  assert.equal(await view('s2'), 'three');
  const kept = await e.listVersions('b', { limit: 1000 });
  assert.equal(kept.entries.length, VERSIONS);
  // Without the snapshots, what they pinned goes with them.
  await e.snapshotDelete('b', 's1');
  await e.snapshotDelete('b', 's2');
  for (let i = 0; i < 100 && (await e.workers().find((w) => w.name === 'snapshot-sweep')!.step()) === 'busy'; i++);
  await assert.rejects(e.read(addr, { snapshot: 's1' }), /snapshot/);
  await assertClean(e);
});
