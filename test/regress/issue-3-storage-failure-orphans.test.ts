/**
 * Regression (issue #3, storage faults; found by test/integration/engine/faults-ops.test.ts): two
 * storage failures left payloads stored without a chunk row, which only the orphan sweep removes,
 * and the sweep runs once an hour unless the chunk writer suspects orphans; until then fsck
 * reported them leaked (and their space stayed taken):
 * - GC removed the rows of a batch, then a payload delete failed (EIO), or its transaction failed
 *   after it had committed (the acknowledgement lost): the rest of the batch's payloads stayed;
 * - a payload put failed after the bytes were stored (the local backend: the file renamed into
 *   place, then its directory's fsync failed): the put failed, the bytes had no row.
 * Both now make the orphan sweep run at its next step; the failure still reaches the caller as
 * UNAVAILABLE. And a sweep that failed part-way (a delete's EIO) cleared the suspicion, so the
 * orphans it had not reached waited for the next paced sweep; it now runs again a minute later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, EngineErrors, type Engine } from '../../src/engine/index.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { faultyBackend, type StorageCall } from '../helpers/faulty-backend.js';
import { body, bytes, fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

/**
 * The engine over a memory backend whose next `call` fails (IO), after it happened when `after`, and
 * its background workers until idle, as the gateway runs them (one set: the orphan sweep is paced).
 */
async function open(): Promise<{ e: Engine; clock: ReturnType<typeof fakeClock>; failNext: (call: StorageCall | undefined, after?: boolean) => void; workers: () => Promise<void> }> {
  let armed: { call: StorageCall; after: boolean } | undefined;
  const backend = faultyBackend(createMemoryBackend(), (call) => {
    if (armed?.call !== call) return undefined;
    const after = armed.after;
    armed = undefined;
    return { error: StorageErrors.IO('injected'), after };
  });
  const clock = fakeClock();
  const e = await createEngine(backend, { ...TEST_OPTS, clock, digestWorker: false, intentLeaseMs: 60_000 });
  await e.createBucket('b', { owner: 't', chunkSize: 1024 });
  const all = e.workers();
  const workers = async (): Promise<void> => {
    for (let busy = true, i = 0; busy && i < 100; i++) {
      busy = false;
      for (const w of all) busy = (await w.step()) === 'busy' || busy;
    }
  };
  return { e, clock, failNext: (call, after = false) => void (armed = call && { call, after }), workers };
}

async function assertClean(e: Engine, what: string): Promise<void> {
  const r = await e.fsck();
  assert.deepEqual({ missing: r.missing, leaked: r.leaked, dangling: r.danglingRefs }, { missing: [], leaked: [], dangling: [] }, what);
}

for (const [call, after] of [['chunks.delete', false], ['meta.transaction', true]] as const) {
  test(`GC: ${call} failing${after ? ' after it happened' : ''} → UNAVAILABLE; the next worker steps leave no payload without a row`, async () => {
    const { e, clock, failNext, workers } = await open();
    try {
      await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(6000, 1)));
      await e.deleteObject({ bucket: 'b', key: 'k' });
      await workers(); // the orphan sweep ran: the next one is an hour away
      clock.advance(2 * TEST_OPTS.holdMs!);
      // The fault hits the first such call of each run, until a run makes none (the queue empty):
      // so one of them is the batch that deletes payloads, whatever passes the manifests take.
      let failed = 0;
      for (let i = 0; i < 20; i++) {
        failNext(call, after);
        const err = await e.gc().then(() => undefined, (x: unknown) => x);
        if (err === undefined) break;
        assert.ok(EngineErrors.UNAVAILABLE.is(err), (err as Error).message);
        failed++;
      }
      failNext(undefined);
      assert.ok(failed > 0, 'GC failed');
      await workers();
      await assertClean(e, `after a GC whose ${call} failed`);
    } finally {
      await e.close();
    }
  });
}

test('a payload put failing after it stored the bytes → UNAVAILABLE; the next worker steps remove the bytes', async () => {
  const { e, clock, failNext, workers } = await open();
  try {
    await workers();
    failNext('chunks.put', true);
    await assert.rejects(e.putObject({ bucket: 'b', key: 'k' }, body(bytes(6000, 2))), (err) => EngineErrors.UNAVAILABLE.is(err));
    clock.advance(2 * 60_000); // the put's lease and the hold
    await workers();
    await assertClean(e, 'after a failed put');
  } finally {
    await e.close();
  }
});

test('an orphan sweep failing part-way runs again a minute later, not an hour later', async () => {
  const { e, clock, failNext, workers } = await open();
  try {
    await e.putObject({ bucket: 'b', key: 'k' }, body(bytes(6000, 3)));
    await e.deleteObject({ bucket: 'b', key: 'k' });
    await workers();
    clock.advance(2 * TEST_OPTS.holdMs!);
    // GC leaves the payloads of its batch as orphans (its first delete fails), then the sweep that
    // follows fails at its first delete too.
    failNext('chunks.delete', false);
    await assert.rejects(e.gc(), (err) => EngineErrors.UNAVAILABLE.is(err));
    failNext('chunks.delete', false);
    const leaked = (await e.fsck()).leaked.length;
    assert.ok(leaked > 1, `orphans to sweep: ${leaked}`);
    await assert.rejects(workers(), (err) => EngineErrors.UNAVAILABLE.is(err));
    failNext(undefined);
    clock.advance(60_000); // the sweep's pause after a failure
    await workers();
    await assertClean(e, 'after a sweep that failed part-way');
  } finally {
    await e.close();
  }
});
