/** The per-id lock (storage/local/keyed-lock.ts; shared/spec/ccow.md §13 "Per-id lock"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedLock } from '../../../src/storage/local/keyed-lock.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('same key runs one at a time in arrival order; other keys run alongside', async () => {
  const lock = new KeyedLock();
  const log: string[] = [];
  const job = (key: string, name: string, ms: number) =>
    lock.run(key, async () => {
      log.push(`+${name}`);
      await sleep(ms);
      log.push(`-${name}`);
      return name;
    });
  const results = await Promise.all([job('x', 'a', 20), job('x', 'b', 1), job('y', 'c', 1), job('x', 'd', 1)]);
  assert.deepEqual(results, ['a', 'b', 'c', 'd']);
  const xs = log.filter((e) => e !== '+c' && e !== '-c');
  assert.deepEqual(xs, ['+a', '-a', '+b', '-b', '+d', '-d']);
  assert.ok(log.indexOf('-c') < log.indexOf('-a'), 'key y did not wait for key x');
  assert.equal(lock.size, 0);
});

test('a throwing holder releases the lock and its error reaches only its caller', async () => {
  const lock = new KeyedLock();
  const failing = lock.run('k', async () => {
    throw new Error('boom');
  });
  const next = lock.run('k', async () => 'ok');
  await assert.rejects(failing, /boom/);
  assert.equal(await next, 'ok');
  assert.equal(lock.size, 0);
});
