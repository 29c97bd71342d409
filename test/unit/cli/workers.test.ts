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
      return w.steps <= n ? 'busy' : 'idle';
    },
  };
  return w;
}

test('busy workers are stepped until idle; a failing worker does not stop the others; stop() ends the loop', async () => {
  const errors: string[] = [];
  const a = worker('a', 50);
  const b = worker('b', 3);
  const broken: Worker = { name: 'broken', step: async () => { throw new Error('disk on fire'); } };
  const runner = runWorkers([a, broken, b], { error: (obj) => errors.push(String((obj as { worker: string }).worker)) }, 60_000);
  // The loop steps back to back while anything is busy, so it reaches a's idle step without waiting.
  while (a.steps <= 50) await new Promise((r) => setImmediate(r));
  await runner.stop();
  assert.equal(b.steps, a.steps, 'every worker is stepped in each round');
  assert.ok(errors.length >= 50 && errors.every((w) => w === 'broken'));
  const frozen = a.steps;
  await new Promise((r) => setImmediate(r));
  assert.equal(a.steps, frozen, 'no steps after stop()');
});

test('stop() wakes an idle loop at once', async () => {
  const w = worker('idle', 0);
  const runner = runWorkers([w], { error: () => undefined }, 3_600_000);
  while (w.steps === 0) await new Promise((r) => setImmediate(r));
  await runner.stop();
  assert.equal(w.steps, 1);
});
