import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited } from '../../../src/common/index.js';

test('forEachLimited runs every item with at most `limit` in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  await forEachLimited(Array.from({ length: 40 }, (_, i) => i), 5, async (x, i) => {
    assert.equal(x, i);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(1 + (x % 3));
    seen.push(x);
    inFlight--;
  });
  assert.equal(peak, 5);
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
});

test('forEachLimited: after a failure no new item starts, running ones settle before the first error is thrown', async () => {
  const started: number[] = [];
  const finished: number[] = [];
  const err = new Error('item 2 failed');
  await assert.rejects(
    forEachLimited([0, 1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      started.push(x);
      if (x === 2) throw err;
      if (x === 1) {
        await sleep(5);
        throw new Error('item 1 failed later');
      }
      await sleep(20);
      finished.push(x);
    }),
    (e) => e === err,
  );
  // 0, 1 and 2 start at once; 2 fails first, then 1; nothing after them starts, and 0 (still
  // sleeping when 2 failed) has finished by the time the call rejects.
  assert.deepEqual(started, [0, 1, 2]);
  assert.deepEqual(finished, [0]);
});

test('forEachLimited over no items resolves', async () => {
  let calls = 0;
  await forEachLimited([], 4, async () => void calls++);
  assert.equal(calls, 0);
});
