/**
 * Issue #3 (spec15e, engine spec audit; review15): deleting every object of a never-versioned
 * bucket leaves a quiet marker per key for tombstoneRetention (ccow.md §7.3, 24 h), and a bucket
 * holding only those is empty (§1); `aws s3 rb --force` deletes the objects and then the bucket.
 * A first change (9963ad2) removed the markers a page per transaction before the delete's own, so
 * as not to hold the event loop: a write landing meanwhile made the delete fail with the bucket
 * still there and its markers gone (review15: 512 of 600), which §7.3 forbids (they stop a late
 * older write from bringing an object back). The markers go only in the delete's transaction,
 * which checks every row: either the bucket is gone or every marker is still there.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { T } from '../../src/engine/keys.js';
import { countingBackend } from '../helpers/counting-backend.js';
import { body, fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

const key = (i: number): string => `k${String(i).padStart(5, '0')}`;

test('DeleteBucket after deleting 1,500 objects: markers kept when the bucket is not empty, all removed when it is deleted', async () => {
  const c = countingBackend();
  const e = await createEngine(c.backend, { ...TEST_OPTS, clock: fakeClock() });
  try {
    await e.createBucket('b', { owner: 't' });
    for (let i = 0; i < 1500; i++) await e.putObject({ bucket: 'b', key: key(i) }, body(Buffer.from(`v${i}`)));
    for (let i = 0; i < 1500; i++) await e.deleteObject({ bucket: 'b', key: key(i) });
    // One object left: not empty, and nothing is removed.
    await e.putObject({ bucket: 'b', key: key(1499) }, body(Buffer.from('back')));
    await assert.rejects(e.deleteBucket('b'), { code: 'CCOW_ERR_BUCKET_NOT_EMPTY' });
    let rows = 0;
    for await (const _ of c.backend.meta.range({ gte: Buffer.from([T.NI]), lt: Buffer.from([T.NI + 1]) })) rows++;
    assert.equal(rows, 1500, 'the markers of a bucket that is not empty stay');
    await e.deleteObject({ bucket: 'b', key: key(1499) });
    await e.deleteBucket('b');
    assert.equal(await e.getBucket('b'), undefined);
    rows = 0;
    for await (const _ of c.backend.meta.range({ gte: Buffer.from([T.NI]), lt: Buffer.from([T.NI + 1]) })) rows++;
    assert.equal(rows, 0, 'no marker left behind');
  } finally {
    await e.close();
  }
});

test('a write landing while DeleteBucket runs: either the bucket is gone or every quiet marker is still there', async () => {
  const c = countingBackend();
  const e = await createEngine(c.backend, { ...TEST_OPTS, clock: fakeClock() });
  try {
    await e.createBucket('b', { owner: 't' });
    for (let i = 0; i < 600; i++) await e.putObject({ bucket: 'b', key: key(i) }, body(Buffer.from(`v${i}`)));
    for (let i = 0; i < 600; i++) await e.deleteObject({ bucket: 'b', key: key(i) });
    // A write starts as soon as the delete's first transaction has committed (review15's probe).
    const meta = c.backend.meta;
    const orig = meta.transaction.bind(meta);
    let late: Promise<unknown> | undefined;
    meta.transaction = ((fn: Parameters<typeof orig>[0], o?: Parameters<typeof orig>[1]) => {
      const p = orig(fn, o);
      if (!late) late = p.then(() => e.putObject({ bucket: 'b', key: 'zzz-late' }, body(Buffer.from('x'))), () => undefined).catch((x: unknown) => x);
      return p;
    }) as typeof meta.transaction;
    const outcome = await e.deleteBucket('b').then(() => 'deleted', (x: { code?: string }) => x.code);
    await late;
    meta.transaction = orig;
    let rows = 0;
    for await (const _ of meta.range({ gte: Buffer.from([T.NI]), lt: Buffer.from([T.NI + 1]) })) rows++;
    if (outcome === 'deleted') assert.equal(await e.getBucket('b'), undefined);
    else {
      assert.equal(outcome, 'CCOW_ERR_BUCKET_NOT_EMPTY');
      assert.equal(rows, 601, 'the bucket stays with all 600 markers and the late object');
    }
  } finally {
    await e.close();
  }
});
