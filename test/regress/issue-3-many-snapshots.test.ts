/**
 * Regress (issue #3, scale hunt): a write must not read every snapshot of its bucket. Each purge
 * (an overwrite in an unversioned or suspended bucket replacing the null version, DeleteObject by
 * version id, the tombstone and lifecycle passes) read all of the bucket's snapshot rows for the
 * pinning rule's cut-offs, inside LMDB's write transaction: with 10^4 snapshots of a bucket an
 * unversioned overwrite or a version delete took ~16 ms (10^3: ~2 ms, 10^2: ~0.9 ms). The cut-offs
 * are now read once and kept until a snapshot of the bucket is created or deleted. Counted in rows
 * read, never in time; and the kept cut-offs must follow snapshot creates and deletes exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { decodeVersionValue } from '../../src/engine/format/records.js';
import { T } from '../../src/engine/keys.js';
import { countingBackend, rowsRead as countRows } from '../helpers/counting-backend.js';
import { body, eachBackend, fakeClock, TEST_OPTS, type Harness } from '../integration/engine/harness.js';

const SNAPSHOTS = 300;
/** Rows a purge may read: the key's head, the version, a window entry or two. */
const FEW = 8;

/** Rows `fn` reads from the harness's metadata store (test/helpers/counting-backend.ts). */
const rowsRead = (h: Harness, fn: () => Promise<unknown>): Promise<number> => countRows(h.backend.meta, fn);

async function put(e: Engine, bucket: string, key: string, data: string): Promise<string> {
  return (await e.putObject({ bucket, key }, body(Buffer.from(data)))).versionId;
}

/** Name-index entries of the store that a purge hid (kept for a snapshot's view). */
async function hiddenEntries(h: Harness): Promise<number> {
  let n = 0;
  for await (const [, v] of h.backend.meta.range({ gte: Buffer.from([T.NI]), lt: Buffer.from([T.NI + 1]) })) if (decodeVersionValue(v).rec.hidden) n++;
  return n;
}

async function read(e: Engine, bucket: string, key: string, snapshot?: string): Promise<string> {
  return Buffer.from((await e.read({ bucket, key }, snapshot ? { snapshot } : {})).bytes!).toString();
}

eachBackend('purges under many snapshots read a few rows, not every snapshot', async (h) => {
  const e = h.engine;
  await e.createBucket('u', { owner: 't' });
  await e.createBucket('v', { owner: 't' });
  await e.putBucketConfig('v', 'versioning', 'Enabled');
  await put(e, 'u', 'k', 'u0');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await put(e, 'v', 'k', `v${i}`));
  for (let i = 0; i < SNAPSHOTS; i++) {
    await e.snapshotCreate('u', `s${i}`);
    await e.snapshotCreate('v', `s${i}`);
  }
  // The first purge of each bucket may read its snapshots once.
  await put(e, 'u', 'k', 'u1');
  await e.deleteObject({ bucket: 'v', key: 'k' }, { versionId: ids[0]! });

  const reads: Record<string, number> = {};
  reads['unversioned overwrite'] = await rowsRead(h, () => put(e, 'u', 'k', 'u2'));
  reads['another unversioned overwrite'] = await rowsRead(h, () => put(e, 'u', 'k', 'u3'));
  reads['delete by version id'] = await rowsRead(h, () => e.deleteObject({ bucket: 'v', key: 'k' }, { versionId: ids[1]! }));
  reads['delete another by version id'] = await rowsRead(h, () => e.deleteObject({ bucket: 'v', key: 'k' }, { versionId: ids[2]! }));
  assert.deepEqual(Object.entries(reads).filter(([, n]) => n > FEW), [], `rows read under ${SNAPSHOTS} snapshots: ${JSON.stringify(reads)}`);

  // Every snapshot was taken when the key held u0 (u) and v0..v3 (v): u0 is only hidden, v0..v2
  // (no view shows them) are gone.
  assert.equal(await read(e, 'u', 'k'), 'u3');
  assert.equal(await read(e, 'u', 'k', 's0'), 'u0');
  assert.equal(await read(e, 'u', 'k', `s${SNAPSHOTS - 1}`), 'u0');
  assert.equal(await read(e, 'v', 'k', 's0'), 'v3');
  assert.equal((await e.listVersions('v', { limit: 10 })).entries.length, 1);
});

eachBackend('the cut-offs a purge uses follow snapshot creates and deletes', async (h) => {
  const e = h.engine;
  await e.createBucket('u', { owner: 't' });
  await put(e, 'u', 'k', 'a');
  await put(e, 'u', 'k', 'b'); // a purge with no snapshot: the cut-offs are read (none)
  assert.equal(await hiddenEntries(h), 0);

  // A snapshot taken after that pins what it sees: the next overwrite only hides 'b'.
  await e.snapshotCreate('u', 's1');
  await put(e, 'u', 'k', 'c');
  assert.equal(await read(e, 'u', 'k', 's1'), 'b');
  assert.equal(await hiddenEntries(h), 1);
  await e.snapshotCreate('u', 's2');
  await put(e, 'u', 'k', 'd');
  assert.equal(await read(e, 'u', 'k', 's2'), 'c');
  assert.equal(await read(e, 'u', 'k', 's1'), 'b');
  assert.equal(await hiddenEntries(h), 2);

  // Deleted, the snapshots pin nothing: their sweep removes what they pinned, and the next
  // overwrite removes the previous version instead of hiding it for a snapshot that is gone.
  await e.snapshotDelete('u', 's1');
  await e.snapshotDelete('u', 's2');
  assert.equal(await hiddenEntries(h), 0);
  await put(e, 'u', 'k', 'e');
  assert.equal(await hiddenEntries(h), 0);
  assert.equal(await read(e, 'u', 'k'), 'e');

  // Failed snapshot operations leave the cut-offs as they were.
  await e.snapshotCreate('u', 's3');
  await assert.rejects(e.snapshotCreate('u', 's3'), /exists/);
  await assert.rejects(e.snapshotDelete('u', 'nope'), /snapshot/);
  await put(e, 'u', 'k', 'f');
  assert.equal(await read(e, 'u', 'k', 's3'), 'e');
  assert.equal(await hiddenEntries(h), 1);

  // A bucket re-created under the name starts with no snapshots.
  await e.snapshotDelete('u', 's3');
  await e.deleteObject({ bucket: 'u', key: 'k' });
  await e.deleteBucket('u');
  await e.createBucket('u', { owner: 't' });
  await put(e, 'u', 'k', 'g');
  await put(e, 'u', 'k', 'h');
  assert.equal(await hiddenEntries(h), 0);
  const r = await e.fsck();
  assert.deepEqual(r.leaked, []);
});

test('deleting a bucket with many snapshots among many buckets reads each row once', async () => {
  // Whether a clone fills from one of its snapshots was asked per snapshot, each time reading every
  // bucket record: buckets × snapshots rows in DeleteBucket's write transaction (10^4 buckets and
  // 100 snapshots: 10^6 rows).
  const BUCKETS = 60;
  const SNAPS = 60;
  const c = countingBackend();
  const e = await createEngine(c.backend, { ...TEST_OPTS, clock: fakeClock() });
  try {
    for (let i = 0; i < BUCKETS; i++) await e.createBucket(`b${i}`, { owner: 't' });
    for (let i = 0; i < SNAPS; i++) await e.snapshotCreate('b0', `s${i}`);
    c.reset();
    await e.deleteBucket('b0');
    assert.ok(c.maxRows() <= BUCKETS + SNAPS + FEW, `${c.maxRows()} rows read in one transaction to delete a bucket of ${SNAPS} snapshots among ${BUCKETS} buckets`);
    await assert.rejects(e.snapshotList('b0'), /does not exist/);
    assert.equal((await e.listBuckets()).length, BUCKETS - 1);
  } finally {
    await e.close();
  }
});
