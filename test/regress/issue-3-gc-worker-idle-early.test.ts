/**
 * Issue #3 (GC model fuzz, test/integration/fuzz/gc-model.test.ts, seed 9026 over 250 steps): the
 * GC worker's step (shared/spec/ccow.md §9, §17; STYLE habit 7: a step says whether more is
 * waiting) walks the candidates queue 64 ids at a time and answered idle when the last batch of a
 * sweep deleted nothing. A manifest deleted in an earlier batch queues its children, due at once
 * (the cascade sets no new hold), and those whose ids sort before the cursor were not visited: the
 * worker said idle with garbage due, the gateway's runner slept, and a test driving the workers to
 * idle found fsck reporting them leaked.
 *
 * Here a queue of one due VM (with CMs and payload below it) and ~120 chunks still within their
 * hold (a refused put's) spans two batches; the workers are run until idle, after which a full
 * Engine.gc must find nothing left to delete. Several contents, so some put the VM in the first batch
 * and its children before the cursor (the old code fails at the second).
 */
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/index.js';
import { body, bytes, eachBackend } from '../integration/engine/harness.js';

const CHUNK = 512;
const HOLD = 60_000;

async function untilIdle(e: Engine): Promise<void> {
  const w = e.workers().find((x) => x.name === 'gc')!;
  for (let i = 0; (await w.step()) === 'busy'; i++) assert.ok(i < 1000, 'the GC worker never went idle');
}

eachBackend('the GC worker says idle only once the children its deletions queued (due at once) are collected too', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  for (let seed = 1; seed <= 8; seed++) {
    // A version whose VM, 3 CMs and 9 chunks become due together: its VM is queued when it goes.
    await e.putObject({ bucket: 'b', key: 'old' }, body(bytes(9 * CHUNK, seed)));
    await e.deleteObject({ bucket: 'b', key: 'old' });
    h.clock.advance(HOLD + 1);
    // ~120 chunks of a refused put: queued, but within their hold.
    const data = bytes(120 * CHUNK, 1000 + seed);
    await assert.rejects(e.putObject({ bucket: 'b', key: 'short' }, body(data), { expectedSize: data.length + 1 }), { code: 'CCOW_ERR_INCOMPLETE_BODY' });
    await untilIdle(e);
    assert.equal(await e.gc(), 0, `seed ${seed}: nothing due is left once the worker says idle`);
    h.clock.advance(HOLD + 1);
    await untilIdle(e);
  }
  assert.equal((await h.backend.stats()).chunkCount, 0);
});
