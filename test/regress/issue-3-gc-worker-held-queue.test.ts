/**
 * Issue #3 (a restarted gateway's reads at start and in steady state): after each sweep of the GC
 * candidates queue the worker said idle, and the runner's next round (10 s later) started the next
 * sweep from the top: every candidate within its hold (one hour of overwrites and deletes) read
 * again, with a write transaction per 64, though none of them could be due before the earliest
 * hold the sweep had just seen end. On a scratch store with 4,000 held candidates: 63 transactions
 * and ~200 ms every 10 s. The worker now starts a sweep only once the earliest candidate the last
 * sweep held back is due (or a hold after that sweep began: what was queued since is due no sooner).
 *
 * Here ~150 chunks of a refused put are held; a deleted version comes due 30 s before them. The
 * worker's rounds in between read nothing; the version's chunks go once they are due, the refused
 * put's once theirs are, and a delete made meanwhile once its own hold has passed.
 */
import assert from 'node:assert/strict';
import { rowsRead } from '../helpers/counting-backend.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const CHUNK = 512;
const HOLD = 60_000;
/** The runner's pause between rounds when every worker is idle (cli/workers.ts). */
const ROUND = 10_000;

async function chunkCount(h: Harness): Promise<number> {
  return (await h.backend.stats()).chunkCount;
}

eachBackend('the GC worker reads the held queue again only when something in it can be due', async (h) => {
  const e = h.engine;
  const gc = e.workers().find((w) => w.name === 'gc')!;
  /** One round of the runner: steps until idle; returns the rows the steps read. */
  const round = (): Promise<number> => rowsRead(h.backend.meta, async () => {
    for (let i = 0; (await gc.step()) === 'busy'; i++) assert.ok(i < 1000, 'the GC worker never went idle');
  });
  await e.createBucket('b', { owner: 't', chunkSize: CHUNK });
  const empty = await chunkCount(h);
  await e.putObject({ bucket: 'b', key: 'v' }, body(bytes(9 * CHUNK, 1)));
  await e.deleteObject({ bucket: 'b', key: 'v' });
  const version = (await chunkCount(h)) - empty;
  h.clock.advance(30_000);
  const data = bytes(150 * CHUNK, 2);
  await assert.rejects(e.putObject({ bucket: 'b', key: 'short' }, body(data), { expectedSize: data.length + 1 }), { code: 'CCOW_ERR_INCOMPLETE_BODY' });
  const held = (await chunkCount(h)) - empty - version;
  assert.ok(held >= 150, `${held} chunks held`);

  // The first sweep reads the queue; the rounds until the version is due read nothing.
  assert.ok((await round()) >= held, 'the first sweep read the queue');
  let idle = 0;
  for (let t = ROUND; t < HOLD - 30_000; t += ROUND) {
    h.clock.advance(ROUND);
    idle += await round();
  }
  assert.equal(idle, 0, 'rounds with nothing due read the queue again');
  assert.equal(await chunkCount(h), empty + version + held);

  // The version comes due: one sweep takes it (with its tree), the refused put's chunks stay.
  h.clock.advance(ROUND);
  await round();
  assert.equal(await chunkCount(h), empty + held, 'the version was collected once due');
  await e.putObject({ bucket: 'b', key: 'w' }, body(bytes(3 * CHUNK, 3)));
  await e.deleteObject({ bucket: 'b', key: 'w' });
  const late = (await chunkCount(h)) - empty - held;
  idle = 0;
  for (let t = 0; t < 20_000; t += ROUND) {
    h.clock.advance(ROUND);
    idle += await round();
  }
  assert.equal(idle, 0, 'rounds with nothing due read the queue again');

  // The refused put's chunks come due, then the late delete's.
  h.clock.advance(ROUND);
  await round();
  assert.equal(await chunkCount(h), empty + late, 'the held chunks were collected once due');
  h.clock.advance(HOLD);
  await round();
  assert.equal(await chunkCount(h), empty, 'the late delete was collected once due');
  assert.equal(await e.gc(), 0);
});
