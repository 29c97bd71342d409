/**
 * The snapshot pinning rule (shared/spec/ccow.md §10, engine/commit.ts isPinned/seenAt): an entry is
 * pinned when some snapshot's view shows it — its UVID ≤ T, it is seen at T (not hidden at or
 * before T), and no newer entry of the key with UVID ≤ T is seen at T.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPinned, seenAt } from '../../../src/engine/commit.js';
import type { VersionRecord } from '../../../src/engine/format/records.js';

const u = (n: number): Buffer => Buffer.from(n.toString(16).padStart(32, '0'), 'hex');
const hex = (n: number): string => u(n).toString('hex');
const rec = (n: number, hiddenAt?: number): VersionRecord => ({
  uvid: hex(n), generation: 1, originSegment: 0, createdAt: 0, deleted: false, isNull: false, size: 1, etag: '"x"', storageClass: 'STANDARD',
  ...(hiddenAt === undefined ? {} : { hidden: true, hiddenAt: hex(hiddenAt) }),
});
const entry = (n: number, hiddenAt?: number) => ({ uvid: u(n), rec: rec(n, hiddenAt) });

test('seenAt: visible entries always; hidden ones only by snapshots older than the purge; legacy hidden ones by all', () => {
  assert.equal(seenAt(rec(10), u(5)), true);
  assert.equal(seenAt(rec(10, 20), u(15)), true);
  assert.equal(seenAt(rec(10, 20), u(20)), false);
  assert.equal(seenAt(rec(10, 20), u(25)), false);
  assert.equal(seenAt({ ...rec(10), hidden: true }, u(99)), true, 'hidden before hiddenAt was recorded');
});

test('isPinned: the entry a view shows, and only that one', () => {
  const e = entry(10);
  assert.equal(isPinned(e, [], []), false, 'no snapshot');
  assert.equal(isPinned(e, [], [u(9)]), false, 'snapshot older than the entry');
  assert.equal(isPinned(e, [], [u(10)]), true);
  // Newest first: 30 (seen), 20 (seen) are newer than e.
  const newer = [entry(30), entry(20)];
  assert.equal(isPinned(e, newer, [u(15)]), true, 'T between e and the next newer entry');
  assert.equal(isPinned(e, newer, [u(25)]), false, 'the view at 25 shows 20');
  assert.equal(isPinned(e, newer, [u(25), u(12)]), true, 'any snapshot suffices');
  // 20 was hidden at 22: a view at 25 no longer sees it and shows e; a view at 21 still shows 20.
  const hidden = [entry(30), entry(20, 22)];
  assert.equal(isPinned(e, hidden, [u(25)]), true);
  assert.equal(isPinned(e, hidden, [u(21)]), false);
  // e itself hidden at 12: views taken at or after 12 do not see it.
  assert.equal(isPinned(entry(10, 12), [], [u(15)]), false);
  assert.equal(isPinned(entry(10, 12), [], [u(11)]), true);
  // count: only the first `count` entries of the list are newer (the list holds e and older ones too).
  const all = [entry(30), entry(20), entry(10), entry(5)];
  assert.equal(isPinned(all[2]!, all, [u(15)], 2), true);
  assert.equal(isPinned(all[3]!, all, [u(15)], 3), false, 'the view at 15 shows 10, not 5');
});
