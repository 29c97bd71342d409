/**
 * Issue #3 (speed): the tombstone-purge worker re-read the whole name index back to back, a
 * steady share of a busy gateway's CPU (JSON-decoding every version record of every bucket). A
 * pass is now paced (at most every 15 minutes, a quarter of the retention when shorter) and only
 * records that name a quiet marker are decoded (and since issue-3-quiet-marker-index a pass reads
 * only the markers' index).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkIdOf } from '../../src/common/index.js';
import { createEngine } from '../../src/engine/index.js';
import { stateKey } from '../../src/engine/keys.js';
import { body, openHarness } from '../integration/engine/harness.js';

test('tombstone purge: one pass, then no scan until the pause is over; markers are still purged after their retention', async () => {
  const h = await openHarness('memory');
  try {
    const e = h.engine;
    await e.createBucket('b', { owner: 't' });
    for (let i = 0; i < 600; i++) await e.putObject({ bucket: 'b', key: `k${i}` }, body(Buffer.from(`v${i}`)));
    await e.deleteObject({ bucket: 'b', key: 'k7' });
    let scans = 0;
    const meta = h.backend.meta;
    const range = meta.range.bind(meta);
    meta.range = (o) => {
      scans++;
      return range(o);
    };
    const worker = e.workers().find((w) => w.name === 'tombstone-purge')!;
    const pass = async (): Promise<number> => {
      const before = scans;
      for (let i = 0; i < 100 && (await worker.step()) === 'busy'; i++);
      return scans - before;
    };
    // (A pass reads the quiet-marker index, one page here: issue-3-quiet-marker-index.)
    assert.equal(await pass(), 1, 'a pass');
    assert.equal(await pass(), 0, 'right after a pass: idle, nothing read');
    h.clock.advance(14 * 60_000);
    assert.equal(await pass(), 0, 'still within the pause');
    h.clock.advance(60_000 + 1);
    assert.equal(await pass(), 1, 'the pause is over: a new pass');
    const purges = async () => (await e.feedRead(0n, 10_000)).filter((f) => f.op === 'purge').length;
    // (The delete itself logged the purge of k7's null version.)
    const before = await purges();
    h.clock.advance(24 * 3_600_000);
    await pass();
    assert.equal(await purges(), before + 1, 'the quiet marker is purged once past its retention');
  } finally {
    await h.close();
  }
});

test('orphan sweep: runs at a start after a crash, then is paced (6 hours, §17) unless the chunk writer reports stored bytes without a row', async () => {
  const h = await openHarness('memory');
  try {
    const orphan = async (n: number): Promise<void> => {
      const data = Buffer.alloc(1000, n);
      const id = chunkIdOf(data);
      await h.backend.chunks.put(id, data);
    };
    await orphan(1);
    // A crash: the process stopped without its clean-stop row (issue-3-orphan-sweep-clean-start).
    await h.engine.close();
    await h.backend.meta.transaction((tx) => tx.del(stateKey('clean-stop')));
    h.engine = await createEngine(h.backend, h.opts);
    const e = h.engine;
    const sweep = e.workers().find((w) => w.name === 'orphan-sweep')!;
    assert.equal(await sweep.step(), 'busy', 'the first sweep (after a start) finds what a dead writer left');
    assert.deepEqual(await h.backend.chunks.has([chunkIdOf(Buffer.alloc(1000, 1))]), [false]);
    assert.equal(await sweep.step(), 'idle');
    await orphan(2);
    assert.equal(await sweep.step(), 'idle', 'paced: no walk over every chunk file between sweeps');
    assert.deepEqual(await h.backend.chunks.has([chunkIdOf(Buffer.alloc(1000, 2))]), [true]);
    h.clock.advance(5 * 60 * 60_000);
    assert.equal(await sweep.step(), 'idle', 'five hours later: still paced');
    h.clock.advance(60 * 60_000);
    assert.equal(await sweep.step(), 'busy', 'six hours later the sweep runs again');
    assert.deepEqual(await h.backend.chunks.has([chunkIdOf(Buffer.alloc(1000, 2))]), [false]);
  } finally {
    await h.close();
  }
});
