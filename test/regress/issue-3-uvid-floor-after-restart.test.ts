/**
 * Issue #3 (lead, session 15): ccow.md §6 sets a restarting gateway's UVID floor to the largest `ts`
 * in its change feed, "so a clock that went back across a restart does not break per-process
 * monotonicity". The engine took the `ts` of the newest feed record with a UVID, and:
 * - a snapshot's cut-off is a UVID no feed record carries, so after a restart with the clock set
 *   back a new write got a UVID below an existing snapshot's cut-off and showed up in that
 *   snapshot's point-in-time view (§10: a snapshot is read-only);
 * - a purge's feed record names the purged (older) version, so the newest record could hold an old
 *   `ts`, and a hiding purge's `hiddenAt` UVID is in no record at all: a snapshot taken after such a
 *   restart could be cut below `hiddenAt` and show a version deleted before it was taken;
 * - the floor was the `ts` itself, and the new process's `seq` starts at random, so a UVID at that
 *   very `ts` could sort below the previous process's.
 * Now the floor is one past the largest of: every UVID `ts` and event time (`at`, which a hiding
 * purge sets to its `hiddenAt`) among the newest feed records, and every snapshot cut-off.
 */
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/index.js';
import { body, eachBackend } from '../integration/engine/harness.js';

const viewKeys = async (e: Engine, snapshot: string): Promise<string[]> =>
  (await e.listObjects('b', { limit: 100, snapshot })).entries.map((x) => x.key);

eachBackend('a write after a restart with the clock set back stays out of an earlier snapshot', async (h) => {
  const t0 = h.clock.now();
  await h.engine.createBucket('b', { owner: 't' });
  await h.engine.putObject({ bucket: 'b', key: 'a' }, body(Buffer.from('before')));
  h.clock.advance(1000);
  await h.engine.snapshotCreate('b', 's1');
  await h.restart();
  h.clock.set(t0 - 100_000);
  await h.engine.putObject({ bucket: 'b', key: 'b' }, body(Buffer.from('after')));
  assert.deepEqual(await viewKeys(h.engine, 's1'), ['a'], 's1 shows the bucket as it was when it was taken');
  assert.deepEqual((await h.engine.listObjects('b', { limit: 100 })).entries.map((x) => x.key), ['a', 'b']);
});

eachBackend('a snapshot taken after a restart with the clock set back does not show a version deleted before it', async (h) => {
  const t0 = h.clock.now();
  await h.engine.createBucket('b', { owner: 't' });
  await h.engine.putBucketConfig('b', 'versioning', 'Enabled');
  const v1 = await h.engine.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('v1')));
  h.clock.advance(1000);
  await h.engine.snapshotCreate('b', 's1');
  h.clock.advance(1000);
  // s1 pins v1, so this purge only hides it (hiddenAt = now, after s1's cut-off).
  await h.engine.deleteObject({ bucket: 'b', key: 'k' }, { versionId: v1.versionId });
  await h.restart();
  h.clock.set(t0 - 100_000);
  await h.engine.snapshotCreate('b', 's2');
  assert.deepEqual(await viewKeys(h.engine, 's1'), ['k'], 's1 still shows v1');
  assert.deepEqual(await viewKeys(h.engine, 's2'), [], 's2 was taken after v1 was deleted');
  await assert.rejects(h.engine.head({ bucket: 'b', key: 'k' }, { snapshot: 's2' }), { code: 'CCOW_ERR_NO_SUCH_KEY' });
});
