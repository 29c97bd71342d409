/**
 * Issue #3 (review of 7647388, issue-3-gc-worker-idle-early): the GC worker's step (ccow.md §9,
 * §17) said idle at the end of a sweep of the candidates queue only when the whole sweep had deleted
 * nothing. The queue is ordered by chunk id, not by due time, and holds every candidate still within
 * its hold (one hour by default: every version overwritten or deleted in the last hour). Under a
 * steady stream of overwrites some candidate comes due during nearly every sweep, so every sweep
 * deleted something and the worker never rested: the gateway's runner walked the whole queue back
 * to back (20,000 held candidates, ~5 overwrites/s: ~0.2 s of CPU per sweep, local backend) instead
 * of once per idle pause. What that rule was for, children of a manifest deleted in an earlier batch
 * (due at once, the cascade sets no hold) sorting before the cursor, the worker now collects
 * directly after the batch that queued them; a candidate that came due by time behind the cursor
 * waits for the next sweep, as it would had it come due just after the sweep.
 *
 * Here 12 deleted versions come due one a second while ~190 chunks of a refused put stay within their
 * hold (the queue spans 4 batches); each step takes 250 ms of the fake clock. The worker must rest
 * after the sweep that collected the first version with everything below it, and the rest must go
 * in later sweeps, leaving nothing due once past every hold.
 */
import assert from 'node:assert/strict';
import type { Engine } from '../../src/engine/index.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const CHUNK = 512;
const HOLD = 60_000;
const VERSIONS = 12;

/** Steps until the worker says idle, the fake clock moving 250 ms per step. */
async function stepsToIdle(h: Harness): Promise<number> {
  const w = h.engine.workers().find((x) => x.name === 'gc')!;
  for (let i = 1; ; i++) {
    assert.ok(i < 1000, 'the GC worker never went idle');
    const r = await w.step();
    h.clock.advance(250);
    if (r === 'idle') return i;
  }
}

async function chunkCount(h: Harness): Promise<number> {
  return (await h.backend.stats()).chunkCount;
}

eachBackend('the GC worker rests after a sweep while candidates keep coming due, and still collects cascades at once', async (h) => {
  const e: Engine = h.engine;
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  const before = await chunkCount(h);
  // Versions of 9 chunks (3 CMs below the VM with btreeOrder 4), deleted one a second.
  for (let i = 0; i < VERSIONS; i++) {
    await e.putObject({ bucket: 'b', key: `v${i}` }, body(bytes(9 * CHUNK, 1 + i)));
    await e.deleteObject({ bucket: 'b', key: `v${i}` });
    h.clock.advance(1000);
  }
  const perVersion = (await chunkCount(h)) - before;
  assert.ok(perVersion >= VERSIONS * 9, `${perVersion} chunks stored`);
  // ~190 chunks of a refused put: queued, within their hold for the whole test.
  const data = bytes(190 * CHUNK, 999);
  await assert.rejects(e.putObject({ bucket: 'b', key: 'short' }, body(data), { expectedSize: data.length + 1 }), { code: 'CCOW_ERR_INCOMPLETE_BODY' });
  const held = (await chunkCount(h)) - perVersion - before;
  // v0 comes due now; v1 a second later, and so on.
  h.clock.advance(HOLD - VERSIONS * 1000 + 1);
  const first = await stepsToIdle(h);
  assert.ok(first <= 8, `the worker rested only after ${first} steps (a sweep is 4 batches)`);
  // v0 went with every chunk below it (the cascade was followed, not left behind the cursor).
  const left = (await chunkCount(h)) - before - held;
  assert.ok(left < perVersion && left % (perVersion / VERSIONS) === 0, `${left} chunks of versions left: part of a version's tree was left behind`);
  // Later sweeps take the versions that came due meanwhile; past every hold nothing is left.
  h.clock.advance(2 * HOLD);
  await stepsToIdle(h);
  await stepsToIdle(h);
  assert.equal(await e.gc(), 0, 'nothing due is left once the worker rests past every hold');
  assert.equal(await chunkCount(h), before);
});
