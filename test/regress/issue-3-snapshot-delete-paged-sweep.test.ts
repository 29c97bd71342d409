/**
 * Issue #3 (spec15e, engine spec audit): ccow.md §10 — "Deleting a snapshot enqueues its bucket for
 * a sweep that purges hidden entries no longer pinned". snapshotDelete instead swept the whole
 * bucket's name index inside its own transaction: every entry of every key read in one synchronous
 * transaction function, which on the local backend runs on the event loop (50,000 keys: 290 ms with
 * nothing else served; 10^6 keys: seconds), however few entries were hidden. Now the delete's
 * transaction removes the snapshot row and queues the bucket (a row in the engine-state table);
 * the sweep reads the name index a page at a time outside any transaction and opens one per page
 * only for the keys with hidden entries, deciding them again from what it reads; the queue row goes
 * at the end. A sweep that fails part-way (or a crash) leaves the row, and the `snapshot-sweep`
 * worker finishes it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { decodeVersionValue } from '../../src/engine/format/records.js';
import { HIDDEN_SWEEP_PREFIX, prefixRange, T } from '../../src/engine/keys.js';
import type { StorageBackend } from '../../src/storage/contract/index.js';
import { countingBackend as counting, countTurns } from '../helpers/counting-backend.js';
import { body, fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

async function hiddenCount(backend: StorageBackend): Promise<number> {
  let n = 0;
  for await (const [, v] of backend.meta.range({ gte: Buffer.from([T.NI]), lt: Buffer.from([T.NI + 1]) })) if (decodeVersionValue(v).rec.hidden) n++;
  return n;
}

async function fill(e: Engine, keys: number): Promise<void> {
  await e.createBucket('b', { owner: 't' });
  for (let i = 0; i < keys; i++) await e.putObject({ bucket: 'b', key: `k${String(i).padStart(5, '0')}` }, body(Buffer.from(`v1 of ${i}`)));
  await e.snapshotCreate('b', 's');
  // Unversioned overwrites: the null versions the snapshot shows are hidden, not purged.
  for (const i of [1, Math.floor(keys / 2), keys - 1]) await e.putObject({ bucket: 'b', key: `k${String(i).padStart(5, '0')}` }, body(Buffer.from('v2')));
}

test('deleting a snapshot sweeps the bucket a page at a time, not in one transaction over every entry', async () => {
  const c = counting();
  const e = await createEngine(c.backend, { ...TEST_OPTS, clock: fakeClock(), holdMs: 0 });
  try {
    await fill(e, 1500);
    assert.equal(await hiddenCount(c.backend), 3);
    const before = await e.bucketStats('b');
    c.reset();
    // Turns of the event loop while the sweep runs (store reads are synchronous behind the contract).
    const turnsSoFar = countTurns();
    await e.snapshotDelete('b', 's');
    const turns = turnsSoFar();
    assert.ok(c.maxRows() < 300, `one transaction read ${c.maxRows()} rows`);
    assert.ok(turns >= 5, `other work ran between the pages of 1,500 keys (${turns} turns)`);
    assert.equal(await hiddenCount(c.backend), 0, 'the hidden entries went');
    const after = await e.bucketStats('b');
    assert.equal(before.logicalBytes - after.logicalBytes, ['v1 of 1', 'v1 of 750', 'v1 of 1499'].join('').length, 'the swept versions no longer count');
    const r = await e.fsck();
    assert.deepEqual([r.missing, r.leaked, r.danglingRefs, r.missingRefs], [[], [], [], []]);
    const sweep = e.workers().find((w) => w.name === 'snapshot-sweep')!;
    assert.equal(await sweep.step(), 'idle', 'nothing left queued');
  } finally {
    await e.close();
  }
});

test('a sweep that fails part-way stays queued and the snapshot-sweep worker finishes it', async () => {
  const c = counting();
  const e = await createEngine(c.backend, { ...TEST_OPTS, clock: fakeClock(), holdMs: 0 });
  try {
    await fill(e, 600);
    // The delete's own transaction commits; the sweep's first page fails.
    c.failTx(2);
    await e.snapshotDelete('b', 's');
    assert.deepEqual(await e.snapshotList('b'), [], 'the snapshot is gone');
    assert.equal(await hiddenCount(c.backend), 3, 'the sweep did not get through');
    const sweep = e.workers().find((w) => w.name === 'snapshot-sweep');
    assert.ok(sweep, 'a worker finishes queued sweeps');
    assert.equal(await sweep.step(), 'busy');
    assert.equal(await hiddenCount(c.backend), 0);
    assert.equal(await sweep.step(), 'idle');
    const r = await e.fsck();
    assert.deepEqual([r.missing, r.leaked, r.danglingRefs, r.missingRefs], [[], [], [], []]);
  } finally {
    await e.close();
  }
});

test('while snapshotDelete sweeps, the snapshot-sweep worker leaves its queued sweep alone (review15: swept twice)', async () => {
  const c = counting();
  const e = await createEngine(c.backend, { ...TEST_OPTS, clock: fakeClock(), holdMs: 0 });
  try {
    await fill(e, 1500);
    const sweep = e.workers().find((w) => w.name === 'snapshot-sweep')!;
    const deleting = e.snapshotDelete('b', 's');
    // The delete's transaction has committed (the bucket is queued) and its sweep is between pages.
    let queued = false;
    for (let i = 0; i < 200 && !queued; i++) {
      await new Promise((r) => setImmediate(r));
      for await (const _ of c.backend.meta.range(prefixRange(HIDDEN_SWEEP_PREFIX))) queued = true;
    }
    assert.ok(queued, 'the sweep is under way');
    assert.equal(await sweep.step(), 'idle', 'the worker does not start the same sweep again');
    await deleting;
    assert.equal(await hiddenCount(c.backend), 0);
    assert.equal(await sweep.step(), 'idle');
  } finally {
    await e.close();
  }
});
