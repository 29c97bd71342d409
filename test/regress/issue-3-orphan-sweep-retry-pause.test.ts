/**
 * Regression (issue #3, review15 of 7e3f315): an orphan sweep that fails part-way (a chunk delete's
 * EIO) is retried a minute later rather than at the worker's next step, so that a file whose delete
 * keeps failing does not have every chunk file read again at each worker cycle. But any failed
 * payload put or GC batch in the meantime raises `orphansSuspected` again, and the suspicion made
 * the next step sweep at once: on a failing disk, where puts and GC deletes fail too, the pause
 * never held. Now the pause holds whatever is suspected meanwhile; the suspicion stays, and the
 * sweep runs once the pause is over.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { faultyBackend, type StorageCall } from '../helpers/faulty-backend.js';
import { body, bytes, fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

test('a failed orphan sweep waits out its pause although a failed put suspects orphans again', async () => {
  let armed: StorageCall | undefined;
  let sweeps = 0;
  const backend = faultyBackend(createMemoryBackend(), (call) => {
    if (call === 'chunks.iterate') sweeps++;
    if (armed !== call) return undefined;
    armed = undefined;
    // A put fails after storing its bytes (an orphan), a delete before deleting.
    return { error: StorageErrors.IO('injected'), after: call === 'chunks.put' };
  });
  const clock = fakeClock();
  const e = await createEngine(backend, { ...TEST_OPTS, clock, digestWorker: false, intentLeaseMs: 60_000 });
  try {
    await e.createBucket('b', { owner: 't', chunkSize: 1024 });
    const workers = e.workers();
    const orphans = workers.find((w) => w.name === 'orphan-sweep')!;
    const runAll = async (): Promise<void> => {
      for (let busy = true, i = 0; busy && i < 100; i++) {
        busy = false;
        for (const w of workers) busy = (await w.step()) === 'busy' || busy;
      }
    };
    await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(6000, 3)));
    await e.deleteObject({ bucket: 'b', key: 'k' });
    await runAll();
    clock.advance(2 * TEST_OPTS.holdMs!);
    // GC leaves its batch's payloads as orphans (its first delete fails); the sweep that follows
    // fails at its first delete too: the retry pause starts.
    armed = 'chunks.delete';
    await assert.rejects(e.gc(), (err) => EngineErrors.UNAVAILABLE.is(err));
    armed = 'chunks.delete';
    await assert.rejects(orphans.step(), (err) => EngineErrors.UNAVAILABLE.is(err));
    // Within the pause, a put on the same failing store fails after storing its bytes.
    armed = 'chunks.put';
    await assert.rejects(e.putObject({ bucket: 'b', key: 'k2' }, body(bytes(6000, 4))), (err) => EngineErrors.UNAVAILABLE.is(err));
    const before = sweeps;
    assert.equal(await orphans.step(), 'idle');
    assert.equal(sweeps, before, 'no sweep (no read of every chunk file) within the pause after a failed one');
    // The pause over, the sweep runs and removes every orphan (the failed put's bytes included).
    clock.advance(2 * 60_000); // the pause, and the failed put's lease and hold
    await runAll();
    assert.ok(sweeps > before, 'the sweep ran after the pause');
    const r = await e.fsck();
    assert.deepEqual({ missing: r.missing, leaked: r.leaked, dangling: r.danglingRefs }, { missing: [], leaked: [], dangling: [] });
  } finally {
    await e.close();
  }
});
