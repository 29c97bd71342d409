/** The gateway's background-worker loop (src/cli/workers.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkers } from '../../../src/cli/workers.js';
import type { Worker } from '../../../src/engine/index.js';

/** A worker that is busy `n` times, then idle; counts its steps. */
function worker(name: string, n: number): Worker & { steps: number } {
  const w = {
    name,
    steps: 0,
    async step(): Promise<'busy' | 'idle'> {
      w.steps++;
      // A turn of the event loop, as a step's I/O would: the test's loop runs in between.
      await new Promise((r) => setImmediate(r));
      return w.steps <= n ? 'busy' : 'idle';
    },
  };
  return w;
}

test('busy workers are stepped until idle; an idle or failing one waits for its pause; stop() ends the loop', async () => {
  const errors: string[] = [];
  const a = worker('a', 50);
  const b = worker('b', 3);
  const broken: Worker = { name: 'broken', step: async () => { throw new Error('disk on fire'); } };
  const runner = runWorkers([a, broken, b], { error: (obj) => errors.push(String((obj as { worker: string }).worker)) }, 60_000);
  // The loop steps back to back while anything is busy, so it reaches a's idle step without waiting.
  while (a.steps <= 50) await new Promise((r) => setImmediate(r));
  await runner.stop();
  // b is stepped while busy and once more (idle); then, as the broken one, not again in a's rounds.
  assert.equal(b.steps, 4);
  assert.deepEqual(errors, ['broken'], 'a failing worker does not stop the others, and is retried after its pause');
  const frozen = a.steps;
  await new Promise((r) => setImmediate(r));
  assert.equal(a.steps, frozen, 'no steps after stop()');
});

test('an idle worker whose due() says so is stepped before its pause ends', async () => {
  const a = worker('a', 40);
  let due = false;
  const b = Object.assign(worker('b', 0), { due: () => due });
  const runner = runWorkers([a, b], { error: () => undefined }, 60_000);
  while (a.steps < 20) await new Promise((r) => setImmediate(r));
  assert.equal(b.steps, 1);
  due = true;
  const at = a.steps;
  while (b.steps === 1 && a.steps <= 40) await new Promise((r) => setImmediate(r));
  assert.ok(b.steps > 1 && a.steps <= at + 1, `b stepped in the round after due() (a at ${a.steps})`);
  due = false;
  while (a.steps <= 40) await new Promise((r) => setImmediate(r));
  await runner.stop();
});

test('stop() wakes an idle loop at once', async () => {
  const w = worker('idle', 0);
  const runner = runWorkers([w], { error: () => undefined }, 3_600_000);
  while (w.steps === 0) await new Promise((r) => setImmediate(r));
  await runner.stop();
  assert.equal(w.steps, 1);
});
