/**
 * Issue #3 (scale): the tombstone purge found quiet delete markers (§7.3) by reading the whole name
 * index at every start and every 15 minutes. Name-index values embed the VMs of small objects, so
 * a pass read every small object's bytes: after 10^5 put/delete cycles the first pass after a
 * start read 160 MiB, and a restarted gateway sat at 317 MiB before its first request.
 *
 * Markers are now indexed by age (`Q ‖ uvid ‖ bucketId ‖ enc(key)`, written with the marker,
 * dropped with it) and a pass reads only the markers due. A store an older build wrote has no
 * complete index: its first pass is the old full scan, which builds it (derived.ts).
 */
import assert from 'node:assert/strict';
import { decodeStateRecord, encodeStateRecord } from '../../src/engine/format/records.js';
import { ownerKey, prefixRange, stateKey, T } from '../../src/engine/keys.js';
import type { MetaStore } from '../../src/storage/contract/index.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { body, eachBackend, type Harness } from '../integration/engine/harness.js';

const DAY = 24 * 3_600_000;
const Q = prefixRange(Buffer.from([T.QUIET]));

async function count(meta: MetaStore, r: { gte: Buffer; lt?: Buffer }): Promise<number> {
  let n = 0;
  for await (const _ of meta.range(r)) n++;
  return n;
}
const quietRows = (h: Harness): Promise<number> => count(h.backend.meta, Q);
const indexReady = async (h: Harness): Promise<boolean> => (await h.backend.meta.get(stateKey('ix:quiet'))) !== undefined;

/** Run the tombstone purge until it says idle; the rows it read. */
async function pass(h: Harness): Promise<number> {
  const w = h.engine.workers().find((x) => x.name === 'tombstone-purge')!;
  return rowsRead(h.backend.meta, async () => {
    for (let i = 0; i < 1000 && (await w.step()) === 'busy'; i++);
  });
}

/** `n` small objects k0…k(n-1) in bucket b, then delete the first `deleted` (quiet markers). */
async function fill(h: Harness, n: number, deleted: number): Promise<void> {
  await h.engine.createBucket('b', { owner: 't' });
  for (let i = 0; i < n; i++) await h.engine.putObject({ bucket: 'b', key: `k${i}` }, body(Buffer.alloc(2000, i)));
  for (let i = 0; i < deleted; i++) await h.engine.deleteObject({ bucket: 'b', key: `k${i}` });
}

/** What a build without the index leaves: markers without index rows, no `ix:quiet` row. */
async function dropIndex(h: Harness): Promise<void> {
  const keys: Buffer[] = [];
  for await (const [k] of h.backend.meta.range(Q)) keys.push(Buffer.from(k));
  await h.backend.meta.transaction((tx) => {
    for (const k of keys) tx.del(k);
    tx.del(stateKey('ix:quiet'));
  });
}

eachBackend('issue-3 quiet-marker index: a pass reads the markers due, not the name index', async (h) => {
  await fill(h, 1500, 100);
  assert.equal(await quietRows(h), 100, 'one index row per quiet marker');
  assert.equal(await pass(h), 0, 'nothing due: the pass reads no row at all (it read 1,600 before)');
  h.clock.advance(DAY + 1);
  const rows = await pass(h);
  assert.ok(rows <= 100 * 4, `a pass over 100 due markers in a bucket of 1,500 keys read ${rows} rows`);
  assert.equal(await quietRows(h), 0, 'every purged marker left the index');
  assert.equal(await count(h.backend.meta, prefixRange(Buffer.from([T.NI]))), 1400, 'the 100 markers are purged; the 1,400 objects stay');
  assert.equal((await h.engine.listObjects('b', { limit: 2000 })).entries.length, 1400);
});

eachBackend('issue-3 quiet-marker index: writes keep it exact (overwrite, snapshot hide, bucket delete)', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putObject({ bucket: 'b', key: 'x' }, body(Buffer.from('1')));
  await e.deleteObject({ bucket: 'b', key: 'x' });
  assert.equal(await quietRows(h), 1);
  await e.putObject({ bucket: 'b', key: 'x' }, body(Buffer.from('2')));
  assert.equal(await quietRows(h), 0, 'a put purges the marker (previous null version) and its index row');
  await e.deleteObject({ bucket: 'b', key: 'x' });
  await e.snapshotCreate('b', 's1');
  await e.putObject({ bucket: 'b', key: 'x' }, body(Buffer.from('3')));
  assert.equal(await quietRows(h), 0, 'a marker a snapshot keeps is hidden, no longer the purge\'s');
  await e.deleteObject({ bucket: 'b', key: 'x' });
  await e.snapshotDelete('b', 's1');
  for (let i = 0; i < 20; i++) {
    await e.putObject({ bucket: 'b', key: `y${i}` }, body(Buffer.from('y')));
    await e.deleteObject({ bucket: 'b', key: `y${i}` });
  }
  assert.equal(await quietRows(h), 21);
  // Let every worker settle (the snapshot's hidden entries are swept), then delete the bucket.
  for (const w of e.workers()) for (let i = 0; i < 100 && (await w.step()) === 'busy'; i++);
  await e.deleteBucket('b');
  assert.equal(await quietRows(h), 0, 'DeleteBucket drops its markers and their index rows');
  h.clock.advance(DAY + 1);
  assert.equal(await pass(h), 0);
});

eachBackend('issue-3 quiet-marker index: a store without it is scanned once, indexed, then read by the index', async (h) => {
  await fill(h, 600, 40);
  await dropIndex(h);
  await h.restart();
  assert.equal(await indexReady(h), false);
  h.clock.advance(DAY / 2);
  // Ten more markers, written by this build: indexed at once.
  for (let i = 40; i < 50; i++) await h.engine.deleteObject({ bucket: 'b', key: `k${i}` });
  const first = await pass(h);
  assert.ok(first >= 600, `the first pass is the full scan (${first} rows)`);
  assert.equal(await indexReady(h), true, 'the scan recorded the index complete');
  assert.equal(await quietRows(h), 50, 'the 40 markers found by the scan are indexed, beside the 10 new ones');
  h.clock.advance(DAY / 2 + 1);
  const second = await pass(h);
  assert.ok(second <= 40 * 4, `then the index: the 40 markers now due, ${second} rows`);
  assert.equal(await quietRows(h), 10);
  h.clock.advance(DAY / 2);
  await pass(h);
  assert.equal(await quietRows(h), 0);
  assert.equal(await count(h.backend.meta, prefixRange(Buffer.from([T.NI]))), 550);
});

eachBackend('issue-3 quiet-marker index: a start after a build that did not keep it rebuilds it', async (h) => {
  await fill(h, 300, 0);
  await h.restart();
  assert.equal(await indexReady(h), true, 'kept across restarts of this build');
  // An older build ran in between: it bumped the epoch and wrote a marker without an index row.
  await h.engine.deleteObject({ bucket: 'b', key: 'k1' });
  await h.backend.meta.transaction((tx) => {
    for (const [k] of [...tx.range(Q)]) tx.del(k);
    const st = decodeStateRecord(tx.get(stateKey('state'))!);
    tx.put(stateKey('state'), encodeStateRecord({ ...st, epoch: st.epoch + 1 }));
  });
  await h.restart();
  assert.equal(await indexReady(h), false, 'the index is not trusted');
  h.clock.advance(DAY + 1);
  assert.ok((await pass(h)) >= 300, 'the full scan');
  assert.equal(await count(h.backend.meta, prefixRange(Buffer.from([T.NI]))), 299, 'the older build\'s marker is purged');
  assert.equal(await indexReady(h), true);
});

eachBackend('issue-3 derived indexes: fsck reports rows an index lacks or has too many, only when it is recorded complete', async (h) => {
  const e = h.engine;
  await fill(h, 3, 2);
  await e.createBucket('c', { owner: 'carol' });
  assert.deepEqual((await e.fsck()).indexErrors, []);
  const [q1] = await (async () => {
    const out: Buffer[] = [];
    for await (const [k] of h.backend.meta.range(Q)) out.push(Buffer.from(k));
    return out;
  })();
  await h.backend.meta.transaction((tx) => {
    tx.del(q1!);
    tx.del(ownerKey('carol', 'c'));
    tx.put(ownerKey('carol', 'gone'), Buffer.alloc(0));
  });
  const errors = (await e.fsck()).indexErrors;
  assert.equal(errors.length, 3, errors.join('\n'));
  assert.ok(errors.includes('owner: missing carol/c'));
  assert.ok(errors.includes(`owner: stale row ${ownerKey('carol', 'gone').toString('hex')}`));
  assert.ok(errors.includes(`quiet: missing marker row ${q1!.toString('hex')}`));
  // Not complete (as on an older build's store): nothing to compare.
  await h.backend.meta.transaction((tx) => {
    tx.del(stateKey('ix:quiet'));
    tx.del(stateKey('ix:owner'));
  });
  assert.deepEqual((await e.fsck()).indexErrors, []);
});
