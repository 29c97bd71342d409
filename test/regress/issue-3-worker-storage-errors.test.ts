/**
 * Regression (issue #3, storage faults; STYLE habit 2 "nothing above the engine sees a storage error
 * raw"; found by test/integration/engine/faults-ops.test.ts): every Engine method maps storage
 * errors to the engine's catalog, but the background workers' `step()` did not: a lifecycle pass
 * whose range scan failed rejected with the storage layer's CCOW_ERR_IO, which the gateway's worker
 * loop logged as is. A step now rejects with the engine error (IO → UNAVAILABLE), as the methods do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, EngineErrors } from '../../src/engine/index.js';
import { stateKey } from '../../src/engine/keys.js';
import { StorageErrors } from '../../src/storage/contract/index.js';
import { createMemoryBackend } from '../../src/storage/memory/index.js';
import { faultyBackend } from '../helpers/faulty-backend.js';
import { fakeClock, TEST_OPTS } from '../integration/engine/harness.js';

test('a worker step whose storage calls fail rejects with UNAVAILABLE, not the raw storage error', async () => {
  let failing = false;
  const backend = faultyBackend(createMemoryBackend(), () => (failing ? { error: StorageErrors.IO('injected') } : undefined));
  const opts = { ...TEST_OPTS, clock: fakeClock(), digestWorker: false };
  const first = await createEngine(backend, opts);
  await first.createBucket('b', { owner: 't' });
  // Stopped without a clean stop (a crash), so that the orphan sweep runs at the next start.
  await first.close();
  await backend.meta.transaction((tx) => tx.del(stateKey('clean-stop')));
  const e = await createEngine(backend, opts);
  try {
    failing = true;
    const failed: string[] = [];
    for (const w of e.workers()) {
      const err = await w.step().then(() => undefined, (x: unknown) => x);
      if (err === undefined) continue; // a step with nothing to do now reads nothing
      failed.push(w.name);
      assert.ok(EngineErrors.UNAVAILABLE.is(err), `worker ${w.name}: ${(err as Error).message}`);
    }
    for (const name of ['gc', 'lifecycle', 'orphan-sweep', 'tombstone-purge']) assert.ok(failed.includes(name), `${name} read the store: ${failed.join(', ')}`);
  } finally {
    failing = false;
    await e.close();
  }
});
