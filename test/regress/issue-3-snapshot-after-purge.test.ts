/**
 * Issue #3 (found by crash14's snapshot rounds): a bucket snapshot is a point-in-time view (ccow.md
 * §10), but a version purged while an older snapshot pinned it stays in the name index as a hidden
 * entry, and the view rule "the key's newest entry with UVID ≤ T" picked that entry for every later
 * snapshot too. So a snapshot taken after `DeleteObject?versionId` still showed the deleted
 * version (and kept showing it after the older snapshot went, since the new one now "pinned" it);
 * and an older version the new snapshot did show was not pinned by it (the hidden entry counted as
 * its newer entry), so purging that one removed it from the view.
 *
 * Now a hidden entry records the UVID of the purge that hid it (`hiddenAt`, issued in the purge's
 * transaction as a snapshot's cut-off is), and views of snapshots taken after it skip it: reads,
 * listings, the pinning rule and the sweep after a snapshot delete all use the same rule (seenAt).
 */
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/index.js';
import { body, bytes, eachBackend, readAll } from '../integration/engine/harness.js';

async function viewRead(e: Engine, key: string, snapshot: string): Promise<Buffer> {
  const r = await e.read({ bucket: 'b', key }, { snapshot });
  const parts: Buffer[] = [];
  for await (const c of r.body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const viewKeys = async (e: Engine, snapshot: string): Promise<string[]> =>
  (await e.listObjects('b', { limit: 100, snapshot })).entries.map((x) => x.key);

async function assertClean(e: Engine): Promise<void> {
  const r = await e.fsck();
  assert.deepEqual({ missing: r.missing, corrupt: r.corrupt, leaked: r.leaked, danglingRefs: r.danglingRefs }, { missing: [], corrupt: [], leaked: [], danglingRefs: [] });
}

eachBackend('a snapshot taken after a version was purged does not show it, and pins what it shows', async (h) => {
  const { engine: e, clock } = h;
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const v0 = bytes(3000, 1);
  const v1 = bytes(3000, 2);
  await e.putObject({ bucket: 'b', key: 'k' }, body(v0));
  const w1 = await e.putObject({ bucket: 'b', key: 'k' }, body(v1));
  const only = await e.putObject({ bucket: 'b', key: 'only' }, body(Buffer.from('solo')));
  await e.snapshotCreate('b', 's1');
  // Purged while s1 pins them: hidden, still in s1's view.
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: w1.versionId });
  await e.deleteObject({ bucket: 'b', key: 'only' }, { versionId: only.versionId });
  assert.deepEqual(await viewRead(e, 'k', 's1'), v1);
  assert.deepEqual(await viewKeys(e, 's1'), ['k', 'only']);
  // s2 is taken after the purges: it shows the bucket as it was then (v0, no 'only').
  await e.snapshotCreate('b', 's2');
  assert.deepEqual(await readAll(e, 'b', 'k'), v0);
  assert.deepEqual(await viewRead(e, 'k', 's2'), v0, 'the view of s2 shows the version current when it was taken');
  await assert.rejects(e.head({ bucket: 'b', key: 'only' }, { snapshot: 's2' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  assert.deepEqual(await viewKeys(e, 's2'), ['k']);
  // v0 is what s2 shows, so s2 pins it: purging it hides it instead of removing it.
  const v0Id = (await e.head({ bucket: 'b', key: 'k' })).versionId;
  await e.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v0Id });
  await assert.rejects(e.head({ bucket: 'b', key: 'k' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
  assert.deepEqual(await viewRead(e, 'k', 's2'), v0, 'still in the view of s2 after its purge');
  assert.deepEqual(await viewRead(e, 'k', 's1'), v1, 's1 unchanged');
  // Dropping s1 releases v1 and 'only' (no other snapshot sees them); s2's view does not change.
  await e.snapshotDelete('b', 's1');
  assert.deepEqual(await viewRead(e, 'k', 's2'), v0);
  assert.deepEqual(await viewKeys(e, 's2'), ['k']);
  clock.advance(60_000);
  await e.gc();
  await assertClean(e);
  // v1's chunks went with s1; v0's are held by s2 until it goes too.
  assert.equal((await e.bucketStats('b')).logicalBytes, 3000, 'only v0 (hidden, pinned by s2) is still counted');
  await e.snapshotDelete('b', 's2');
  clock.advance(60_000);
  await e.gc();
  assert.equal((await h.backend.stats()).chunkCount, 0, 'nothing left once no snapshot pins anything');
  await assertClean(e);
});
