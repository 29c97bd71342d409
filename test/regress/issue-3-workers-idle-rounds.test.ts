/**
 * Issue #3 (periodic reads of a running gateway): the runner of the background workers
 * (src/cli/workers.ts) stepped every worker in each round, and rounds follow each other back to back
 * while any worker is busy. The idle ones' steps were repeated once per step of a long GC sweep or
 * lifecycle pass: feed trim read every consumer cursor and the feed's head each time, intent expiry
 * its leases, and so on, to find nothing new. An idle worker now waits for its own idle pause, unless
 * it says work came due (`Worker.due`): GC when a release's candidates come due, the orphan sweep
 * when orphans are suspected.
 */
import assert from 'node:assert/strict';
import { runWorkers } from '../../src/cli/workers.js';
import type { Worker } from '../../src/engine/index.js';
import { rowsRead } from '../helpers/counting-backend.js';
import { body, bytes, eachBackend, type Harness } from '../integration/engine/harness.js';

const ROUNDS = 100;
const CURSORS = 50;

/** A worker busy for `rounds` steps (a long GC sweep, say), calling `at(i)` at its i-th step. */
function busyWorker(rounds: number, at: (i: number) => Promise<void> = async () => undefined): Worker & { done: Promise<void> } {
  let steps = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return {
    name: 'long-pass',
    done,
    async step() {
      await at(++steps);
      await new Promise((r) => setImmediate(r));
      if (steps < rounds) return 'busy';
      finish();
      return 'idle';
    },
  };
}

/** The engine's workers, counting their steps by name. */
function counted(h: Harness): { workers: Worker[]; steps: Map<string, number> } {
  const steps = new Map<string, number>();
  const workers = h.engine.workers().map((w): Worker => ({
    name: w.name,
    step: () => {
      steps.set(w.name, (steps.get(w.name) ?? 0) + 1);
      return w.step();
    },
    ...(w.due ? { due: w.due } : {}),
  }));
  return { workers, steps };
}

/** Run `workers` behind `busy` until it is done; the rows read meanwhile. */
async function runBehind(h: Harness, busy: Worker & { done: Promise<void> }, workers: Worker[]): Promise<number> {
  const errors: unknown[] = [];
  const rows = await rowsRead(h.backend.meta, async () => {
    const runner = runWorkers([busy, ...workers], { error: (o) => errors.push(o) }, 60_000);
    await busy.done;
    await runner.stop();
  });
  assert.deepEqual(errors, []);
  return rows;
}

eachBackend('idle workers are not stepped again in every round of a busy one', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  for (let i = 0; i < 20; i++) await e.putObject({ bucket: 'b', key: `k${i}` }, body(Buffer.from(`v${i}`)));
  for (let i = 0; i < CURSORS; i++) await e.feedCursorSet(`consumer-${i}`, 1n);
  // Each worker's first step (the scans a start owes) is not what this counts.
  for (const w of e.workers()) for (let i = 0; i < 100 && (await w.step()) === 'busy'; i++);

  const { workers, steps } = counted(h);
  const rows = await runBehind(h, busyWorker(ROUNDS), workers);
  for (const w of workers) {
    // Once in the first round; without the fix once per round (ROUNDS), each feed-trim step reading
    // the CURSORS cursors (the other workers' idle reads come on top: > 5,000 rows).
    assert.equal(steps.get(w.name), 1, `${w.name} was stepped ${steps.get(w.name)} times in ${ROUNDS} rounds`);
  }
  assert.ok(rows < 2 * CURSORS, `${rows} rows read by idle workers during ${ROUNDS} rounds`);
});

eachBackend('an idle GC is stepped while another worker is busy once a release makes candidates due', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  const data = bytes(8192, 7);
  await e.putObject({ bucket: 'b', key: 'k' }, body(data));
  for (const w of e.workers()) for (let i = 0; i < 100 && (await w.step()) === 'busy'; i++);
  const chunks = async (): Promise<number> => {
    let n = 0;
    for await (const _ of h.backend.chunks.iterate()) n++;
    return n;
  };
  const before = await chunks();

  const { workers, steps } = counted(h);
  // Halfway through the busy pass the object is overwritten (its chunks released, due a hold
  // later) and the hold passes: GC's due() says so and it runs without waiting for its pause.
  let gcAtRelease = 0;
  const busy = busyWorker(ROUNDS, async (i) => {
    if (i !== ROUNDS / 2) return;
    await e.putObject({ bucket: 'b', key: 'k' }, body(Buffer.from('small')));
    gcAtRelease = steps.get('gc') ?? 0;
    h.clock.advance(h.opts.holdMs! + 1);
  });
  await runBehind(h, busy, workers);
  assert.ok((steps.get('gc') ?? 0) > gcAtRelease, 'GC was stepped once its candidates came due');
  assert.ok((steps.get('gc') ?? 0) < ROUNDS / 2, `GC was stepped ${steps.get('gc')} times`);
  assert.ok((await chunks()) < before, 'the released chunks were collected during the busy pass');
  assert.equal(steps.get('feed-trim'), 1);
});
