/**
 * OpGate (src/storage/local/op-gate.ts): close() lets scans in progress end before the LMDB env
 * closes under them, with a deadline, and several waiters for "no scans" are all woken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpGate } from '../../../src/storage/local/op-gate.js';
import { StorageErrors } from '../../../src/storage/contract/index.js';

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

test('close waits for a scan in progress to end; the env counts as closing only then', async () => {
  const gate = new OpGate();
  await gate.enterScan();
  const closing = gate.close(60_000);
  assert.equal(gate.closed, true, 'new operations are refused at once');
  assert.throws(() => gate.assertOpen(), (e: unknown) => StorageErrors.CLOSED.is(e));
  assert.equal(await settled(closing), false, 'close waits for the scan');
  assert.equal(gate.envClosing, false, 'the scan may still close its cursor and snapshot');
  gate.exitScan();
  await closing;
  assert.equal(gate.envClosing, true);
});

test('close gives up on a scan that never ends once the deadline passes', async () => {
  const gate = new OpGate();
  await gate.enterScan();
  const t = Date.now();
  await gate.close(50);
  assert.ok(Date.now() - t >= 45, 'waited for the deadline');
  assert.equal(gate.envClosing, true, 'a scan ending now must leave its cursor alone');
  gate.exitScan();
});

test('a compaction and a close waiting for scans are both woken when the last scan ends', async () => {
  const gate = new OpGate();
  await gate.enterScan();
  await gate.enterScan();
  const held = gate.holdAll(60_000);
  const closing = gate.close(60_000);
  gate.exitScan();
  assert.equal(await settled(Promise.all([held, closing])), false, 'one scan is still in flight');
  gate.exitScan();
  assert.equal(await held, true, 'holdAll saw the scans end');
  await closing;
  assert.equal(gate.envClosing, true);
});

test('close with no scan in flight does not wait', async () => {
  const gate = new OpGate();
  await gate.close(60_000);
  assert.equal(gate.envClosing, true);
});
