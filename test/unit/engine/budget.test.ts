/** ByteBudget (src/engine/budget.ts): admits up to its size, first come first served, never stalls an idle budget. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBudget } from '../../../src/engine/budget.js';

test('admits up to the budget, then waiters in arrival order as bytes come back', async () => {
  const b = new ByteBudget(10);
  await b.acquire(6);
  await b.acquire(4);
  const order: string[] = [];
  const big = b.acquire(8).then(() => order.push('big'));
  const small = b.acquire(1).then(() => order.push('small'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'full: both wait');
  b.release(4);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'the large request keeps its place: the small one does not overtake it');
  b.release(6);
  await Promise.all([big, small]);
  assert.deepEqual(order, ['big', 'small']);
});

test('a request larger than the whole budget passes when nothing else is in flight', async () => {
  const b = new ByteBudget(10);
  await b.acquire(25);
  const next = b.acquire(1);
  b.release(25);
  await next;
});
