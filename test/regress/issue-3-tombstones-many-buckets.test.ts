/**
 * Regress (issue #3, scale hunt): the tombstone-purge pass looked up the bucket of every bucket id
 * its pages met with a scan of the whole bucket table (bucketById), so a pass over markers in B
 * buckets read ~B²/2 bucket rows (1,000 buckets with 10 deleted keys each: 534,043 rows for
 * 10,000 markers; 10^4 buckets ~5·10^7). A pass now reads the table once, and once more for a
 * bucket created since. Counted in rows read, never in time; and the markers must still go.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Engine, Worker } from '../../src/engine/index.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { body, openHarness } from '../integration/engine/harness.js';

const BUCKETS = 120;
const DAY = 24 * 3_600_000;

const name = (i: number): string => `b-${String(i).padStart(4, '0')}`;

/** Quiet markers (the bucket was never versioned) left by deleting `key`. */
async function marker(e: Engine, bucket: string, key: string): Promise<void> {
  await e.putObject({ bucket, key }, body(Buffer.from(key)));
  await e.deleteObject({ bucket, key });
}

/** Run one pass of the worker to its end. */
async function pass(w: Worker): Promise<void> {
  for (let i = 0; i < 10_000 && (await w.step()) === 'busy'; i++);
}

/** Purges the feed logged. */
async function purges(e: Engine): Promise<number> {
  return (await e.feedRead(0n, 100_000)).filter((f) => f.op === 'purge').length;
}

test('a tombstone pass over markers in many buckets reads the bucket table once, not once per bucket', async () => {
  const h = await openHarness('memory');
  try {
    const e = h.engine;
    for (let i = 0; i < BUCKETS; i++) {
      await e.createBucket(name(i), { owner: 't' });
      await marker(e, name(i), 'k');
    }
    const w = e.workers().find((x) => x.name === 'tombstone-purge')!;
    await pass(w); // the first pass: nothing due yet
    h.clock.advance(DAY + 1);
    const before = await purges(e);
    const rows = await rowsRead(h.backend.meta, () => pass(w));
    assert.equal(await purges(e), before + BUCKETS, 'every marker is purged');
    // The name index (a version and a marker per bucket, ~2·BUCKETS rows), the bucket table once
    // (BUCKETS), a few rows per purge. Before: + BUCKETS²/2 = 7,200 rows of bucket records.
    assert.ok(rows < 12 * BUCKETS, `${rows} rows for ${BUCKETS} buckets`);
  } finally {
    await h.close();
  }
});

test('a bucket created during a pass is looked up on its own; its markers go when they are due', async () => {
  const h = await openHarness('memory');
  try {
    const e = h.engine;
    // Enough keys in the first bucket that the pass takes several steps (pages of 256).
    await e.createBucket('a-first', { owner: 't' });
    for (let i = 0; i < 300; i++) await marker(e, 'a-first', `k${i}`);
    const w = e.workers().find((x) => x.name === 'tombstone-purge')!;
    await pass(w);
    h.clock.advance(DAY + 1);
    // The pass reads the bucket table at its first marker; 'z-new' is created after that.
    assert.equal(await w.step(), 'busy');
    await e.createBucket('z-new', { owner: 't' });
    await marker(e, 'z-new', 'k');
    await pass(w);
    const purged = async (bucket: string): Promise<number> =>
      (await e.feedRead(0n, 100_000)).filter((f) => f.op === 'purge' && f.bucket === bucket && f.deleted).length;
    assert.equal(await purged('a-first'), 300, 'the first bucket\'s markers are purged');
    assert.equal(await purged('z-new'), 0, 'the new bucket\'s marker is not due yet');
    h.clock.advance(DAY + 1);
    await pass(w);
    assert.equal(await purged('z-new'), 1, 'a later pass purges it');
  } finally {
    await h.close();
  }
});
