/**
 * The overlay of metadata writes in flight (src/storage/local/pending-writes.ts). A commit's writes
 * join the overlay as the transaction's own entries (`adopt`): one entry object per write while the
 * commit is in flight, where there were two (issue #4, the end of sixteen 1 GiB uploads: the
 * bookkeeping of ~3,000 writes per commit outlived young-generation GCs; bench/RESULTS.md session 13).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizeRange } from '../../../src/storage/contract/index.js';
import { PendingWrites } from '../../../src/storage/local/pending-writes.js';

const k = (s: string): Buffer => Buffer.from(s);
const v = (s: string): Buffer => Buffer.from(s);

test('adopt: a transaction\'s own entry joins the overlay itself; reads and key order as with set', () => {
  const own = new PendingWrites();
  own.set(k('b'), v('1'), 0);
  own.set(k('a'), null, 0);
  const overlay = new PendingWrites();
  for (const e of own.entries()) overlay.adopt(e, 7);
  assert.equal(overlay.size, 2);
  assert.equal(overlay.get(k('b')), own.get(k('b')), 'the same entry object, not a copy');
  assert.equal(overlay.get(k('b'))!.owner, 7);
  assert.equal(overlay.get(k('a'))!.value, null);
  assert.deepEqual(overlay.between(normalizeRange({})).map((e) => e.key.toString()), ['a', 'b']);
  overlay.releaseAll(own.entries(), 7);
  assert.equal(overlay.size, 0);
});

test('adopt of a key a commit still in flight wrote: the later commit takes the entry over; the earlier release leaves it', () => {
  const overlay = new PendingWrites();
  const first = new PendingWrites();
  first.set(k('x'), v('old'), 0);
  first.set(k('y'), v('y1'), 0);
  for (const e of first.entries()) overlay.adopt(e, 1);
  const second = new PendingWrites();
  second.set(k('x'), v('new'), 0);
  for (const e of second.entries()) overlay.adopt(e, 2);
  assert.equal(overlay.get(k('x'))!.value!.toString(), 'new');
  assert.equal(overlay.get(k('x'))!.owner, 2);
  // The first commit settles: its own key y leaves, x (now the second commit's) stays.
  overlay.releaseAll(first.entries(), 1);
  assert.equal(overlay.get(k('y')), undefined);
  assert.equal(overlay.get(k('x'))!.value!.toString(), 'new');
  assert.deepEqual(overlay.between(normalizeRange({})).map((e) => e.key.toString()), ['x']);
  overlay.releaseAll(second.entries(), 2);
  assert.equal(overlay.size, 0);
  assert.deepEqual(overlay.between(normalizeRange({})), []);
});

test('key order and range bounds follow the bytes (Buffer.compare), 0x00 and bytes >= 0x80 included', () => {
  // The overlay orders by latin1 ids (one code unit per byte), not by Buffer.compare.
  fc.assert(
    fc.property(fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 40, selector: (u) => Buffer.from(u).toString('hex') }), fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean(), (keys, a, b, gte, lte) => {
      const w = new PendingWrites();
      // More than ONE_BY_ONE keys take the merge path, fewer the insertion path: both are covered.
      for (const key of keys) w.set(Buffer.from(key), v('x'), 0);
      const bytes = keys.map((key) => Buffer.from(key)).sort((x, y) => Buffer.compare(x, y));
      assert.deepEqual(w.between(normalizeRange({})).map((e) => e.key.toString('hex')), bytes.map((x) => x.toString('hex')));
      const [lo, hi] = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? [Buffer.from(a), Buffer.from(b)] : [Buffer.from(b), Buffer.from(a)];
      const r = normalizeRange({ ...(gte ? { gte: lo } : { gt: lo }), ...(lte ? { lte: hi } : { lt: hi }) });
      const want = bytes.filter((x) => (gte ? Buffer.compare(x, lo) >= 0 : Buffer.compare(x, lo) > 0) && (lte ? Buffer.compare(x, hi) <= 0 : Buffer.compare(x, hi) < 0));
      assert.deepEqual(r.empty ? [] : w.between(r).map((e) => e.key.toString('hex')), want.map((x) => x.toString('hex')));
      // Releasing half of them one by one keeps the rest in order.
      const half = new PendingWrites();
      for (const key of keys.slice(0, keys.length >> 1)) half.set(Buffer.from(key), null, 0);
      const owned = new PendingWrites();
      for (const key of keys) owned.adopt({ key: Buffer.from(key), id: Buffer.from(key).toString('latin1'), value: v('x'), owner: 0 }, 1);
      owned.releaseAll(half.entries(), 1);
      const left = new Set(keys.slice(keys.length >> 1).map((key) => Buffer.from(key).toString('hex')));
      assert.deepEqual(owned.between(normalizeRange({})).map((e) => e.key.toString('hex')), bytes.map((x) => x.toString('hex')).filter((h) => left.has(h)));
    }),
    { numRuns: 300 },
  );
});
