/**
 * Issue #3 (spec15e, engine spec audit): deleting every object of a never-versioned bucket leaves a
 * quiet marker per key for tombstoneRetention (ccow.md §7.3, 24 h), and a bucket holding only those
 * is empty (§1). `aws s3 rb --force` deletes the objects and then the bucket at once: DeleteBucket's
 * one transaction read and removed every marker — on the local backend synchronously on the event
 * loop (50,000 keys: 274 ms in which no other request was served; 10^6: seconds). Now the markers
 * are checked a page at a time (read-only, so a bucket that turns out not to be empty keeps them),
 * removed a page per transaction, and other requests run between pages; the delete's transaction
 * re-checks what is left.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index.js';
import { T } from '../../src/engine/keys.js';
import { countingBackend, countTurns } from '../helpers/counting-backend.js';
import { body, fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

const key = (i: number): string => `k${String(i).padStart(5, '0')}`;

test('DeleteBucket after deleting 1,500 objects: no transaction reads every marker, other work runs between pages', async () => {
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
    c.reset();
    const turns = countTurns();
    await e.deleteBucket('b');
    const n = turns();
    assert.ok(c.maxRows() < 300, `one transaction read ${c.maxRows()} rows`);
    assert.ok(n >= 5, `other work ran between the pages (${n} turns)`);
    assert.equal(await e.getBucket('b'), undefined);
    rows = 0;
    for await (const _ of c.backend.meta.range({ gte: Buffer.from([T.NI]), lt: Buffer.from([T.NI + 1]) })) rows++;
    assert.equal(rows, 0, 'no marker left behind');
  } finally {
    await e.close();
  }
});
