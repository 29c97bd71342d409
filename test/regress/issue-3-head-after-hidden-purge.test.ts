/**
 * Issue #3 (spec15e, engine spec audit): a new version's `generation`, `baseUvid`, `createdAt` and
 * `originSegment` come from the key's head (ccow.md §6 "Generation = head.generation + 1", §7.2
 * "`baseUvid` is the head this version was derived from", §7.4 step 1 "read the head"). A purge of
 * a version that a bucket snapshot pins only hides it (§10: "invisible to everything but snapshot
 * views"), but the commit took these fields from the key's newest entry, hidden or not. So the
 * mere existence of a snapshot changed what the live bucket recorded: after
 * `DeleteObject?versionId` of the current version the next write got generation 3 on top of a
 * head at generation 1 (2 without the snapshot), and a `baseUvid` naming the purged version —
 * which a peer segment (isgw.md §4: "if the arriving entry's baseUvid is not the receiver's head"
 * → conflict) had already purged too, so every such write would count as a concurrent edit. Now
 * they come from the visible head; the UVID still sorts after every entry of the key.
 */
import assert from 'node:assert/strict';
import { decodeVersionValue, type VersionRecord } from '../../src/engine/format/records.js';
import { encodeObjectKey, niKeyPrefix, prefixRange } from '../../src/engine/keys.js';
import type { Harness } from '../integration/engine/harness.js';
import { body, eachBackend } from '../integration/engine/harness.js';
import { uvidToVersionId, versionIdToUvid } from '../../src/engine/uvid.js';

/** The key's name-index records, newest first (hidden ones included). */
async function records(h: Harness, bucket: string, key: string): Promise<VersionRecord[]> {
  const b = await h.engine.getBucket(bucket);
  const out: VersionRecord[] = [];
  for await (const [, v] of h.backend.meta.range(prefixRange(niKeyPrefix(Buffer.from(b!.id, 'hex'), encodeObjectKey(key))))) out.push(decodeVersionValue(v).rec);
  return out;
}

const put = (h: Harness, bucket: string, key: string, s: string) => h.engine.putObject({ bucket, key }, body(Buffer.from(s)));

/** The same writes in an Enabled bucket, with or without a snapshot; returns the last write's record. */
async function run(h: Harness, bucket: string, snapshot: boolean): Promise<{ rec: VersionRecord; v1: string }> {
  const e = h.engine;
  await e.createBucket(bucket, { owner: 't' });
  await e.putBucketConfig(bucket, 'versioning', 'Enabled');
  const v1 = await put(h, bucket, 'k', 'one');
  h.clock.advance(10);
  const v2 = await put(h, bucket, 'k', 'two');
  h.clock.advance(10);
  if (snapshot) await e.snapshotCreate(bucket, 's');
  await e.deleteObject({ bucket, key: 'k' }, { versionId: v2.versionId });
  h.clock.advance(10);
  const head = await e.head({ bucket, key: 'k' });
  assert.equal(head.versionId, v1.versionId);
  const v3 = await put(h, bucket, 'k', 'three');
  const rec = (await records(h, bucket, 'k'))[0]!;
  assert.equal(uvidToVersionId(Buffer.from(rec.uvid, 'hex')), v3.versionId);
  return { rec, v1: v1.versionId };
}

eachBackend('a purge a snapshot pins (hidden) is not the head: the next version derives from the visible head', async (h) => {
  const plain = await run(h, 'plain', false);
  const snap = await run(h, 'snap', true);
  assert.equal(plain.rec.generation, 2);
  assert.equal(snap.rec.generation, 2, 'head.generation + 1: the hidden version is not the head');
  assert.equal(snap.rec.baseUvid, versionIdToUvid(snap.v1)!.toString('hex'), 'baseUvid names the visible head');
  assert.equal(plain.rec.baseUvid, versionIdToUvid(plain.v1)!.toString('hex'));
  // The snapshot still shows the hidden version, and the new one sorts after it.
  const view = await h.engine.head({ bucket: 'snap', key: 'k' }, { snapshot: 's' });
  assert.equal(view.generation, 2);
  const all = await records(h, 'snap', 'k');
  assert.deepEqual(all.map((r) => [r.generation, r.hidden === true]), [[2, false], [2, true], [1, false]]);
});

eachBackend('a key whose only entries are hidden starts over at generation 1, as without the snapshot', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  const first = await put(h, 'b', 'k', 'one');
  h.clock.advance(10);
  await e.snapshotCreate('b', 's');
  // Unversioned: the delete writes a quiet marker and purges (hides) the pinned null version; the
  // marker itself is purged after the tombstone retention.
  await e.deleteObject({ bucket: 'b', key: 'k' });
  h.clock.advance(48 * 3_600_000);
  for (const w of e.workers().filter((x) => x.name === 'tombstone-purge')) while ((await w.step()) === 'busy');
  assert.deepEqual((await records(h, 'b', 'k')).map((r) => r.hidden === true), [true]);
  const again = await put(h, 'b', 'k', 'again');
  assert.equal(again.generation, 1);
  const rec = (await records(h, 'b', 'k'))[0]!;
  assert.equal(rec.baseUvid, undefined);
  assert.notEqual(rec.createdAt, (await records(h, 'b', 'k'))[1]!.createdAt, 'a new generation 1 has its own createdAt');
  assert.equal((await e.head({ bucket: 'b', key: 'k' }, { snapshot: 's' })).uvid, first.uvid);
});
