/** Group commit of fsyncs (storage/local/group-sync.ts; shared/spec/ccow.md §13). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GroupSync } from '../../../src/storage/local/group-sync.js';

/** A fake fsync whose completion the test controls. */
function controlled(): { sync: (t: string) => Promise<void>; started: string[]; finish(err?: Error): void } {
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const started: string[] = [];
  return {
    started,
    sync: (t) =>
      new Promise<void>((resolve, reject) => {
        started.push(t);
        pending.push({ resolve, reject });
      }),
    finish(err) {
      const p = pending.shift()!;
      if (err) p.reject(err);
      else p.resolve();
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an idle target syncs at once; callers during an in-flight sync share the next one', async () => {
  const c = controlled();
  const g = new GroupSync(c.sync);
  const first = g.request('d');
  assert.deepEqual(c.started, ['d']);
  // These arrive while the first fsync runs: it may have started before their renames.
  const waiters = [g.request('d'), g.request('d'), g.request('d')];
  assert.equal(c.started.length, 1);
  let waitersDone = false;
  void Promise.all(waiters).then(() => (waitersDone = true));
  c.finish();
  await first;
  await tick();
  assert.equal(waitersDone, false, 'covered only by an fsync that started after them');
  assert.equal(c.started.length, 2);
  c.finish();
  await Promise.all(waiters);
  assert.equal(g.performed, 2);
});

test('targets are independent, and an error reaches exactly the callers of that round', async () => {
  const c = controlled();
  const g = new GroupSync(c.sync);
  const a = g.request('a');
  const b = g.request('b');
  assert.deepEqual(c.started, ['a', 'b']);
  const a2 = g.request('a');
  c.finish(new Error('EIO'));
  await assert.rejects(a, /EIO/);
  await tick();
  c.finish();
  await b;
  c.finish();
  await a2;
  // State is cleared after the last round: a new request syncs immediately.
  const a3 = g.request('a');
  assert.equal(c.started.length, 4);
  c.finish();
  await a3;
});
