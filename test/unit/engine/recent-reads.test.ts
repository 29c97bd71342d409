import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentReads } from '../../../src/engine/recent-reads.js';

test('RecentReads: a repeat within the window, not after it; the least recently read goes first', () => {
  const r = new RecentReads(2, 1000);
  assert.equal(r.repeat('a', 0), false);
  assert.equal(r.repeat('a', 500), true);
  assert.equal(r.repeat('a', 1600), false, 'more than the window after the last read');
  assert.equal(r.repeat('b', 1700), false);
  assert.equal(r.repeat('a', 1800), true, 'a was read again last: b is the oldest');
  assert.equal(r.repeat('c', 1900), false);
  assert.equal(r.repeat('b', 2000), false, 'b was evicted');
  assert.equal(r.repeat('a', 2100), false, 'a was evicted by b');
});
