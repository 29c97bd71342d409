import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedMemo } from '../../../src/common/index.js';

test('BoundedMemo remembers values and drops the oldest when full', () => {
  const m = new BoundedMemo<number>(2);
  assert.equal(m.get('a'), undefined);
  assert.equal(m.set('a', 1), 1);
  m.set('b', 2);
  assert.equal(m.get('a'), 1);
  m.set('c', 3);
  assert.equal(m.get('a'), undefined, 'the oldest entry went first');
  assert.equal(m.get('b'), 2);
  assert.equal(m.get('c'), 3);
});

test('BoundedMemo keys are own entries only (no prototype names)', () => {
  const m = new BoundedMemo<string>(4);
  assert.equal(m.get('constructor'), undefined);
  assert.equal(m.get('__proto__'), undefined);
  m.set('__proto__', 'x');
  assert.equal(m.get('__proto__'), 'x');
});

test('BoundedMemo: replacing a remembered value evicts nothing', () => {
  const m = new BoundedMemo<number>(2);
  m.set('a', 1);
  m.set('b', 2);
  m.set('b', 3);
  assert.equal(m.get('a'), 1);
  assert.equal(m.get('b'), 3);
});
