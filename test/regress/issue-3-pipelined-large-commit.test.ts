/**
 * Issue #3 (review of 0f84677, pipelined metadata commits): the overlay of writes in flight
 * (src/storage/local/pending-writes.ts) kept its key-ordered array sorted one key at a time, with
 * an array splice per key on the way in (the transaction's writes, then the overlay) and on the way
 * out (each key released when its commit settled). A transaction writing many keys — a
 * 10,000-part Complete deletes 10,000 part rows in key order — paid a move of the whole array per
 * key: ~0.1 s of main thread at 10,000 keys against ~0.03 s before the pipelining, and past ~30,000
 * keys V8's splice fell off a cliff: releasing 50,000 keys in key order took 0.5-6 s of main thread (measured).
 * New keys are now appended and sorted in when a range read needs them, and a settled commit's keys
 * leave in one pass. The test counts the array elements splice moves during 20,000-key
 * transactions (puts in ascending, descending and shuffled order, then deletes in key order with
 * transactions reading through them): 4 * 10^8 before (N^2 / 2 per commit released in key order),
 * a handful now. The overlay's answers are checked against a model as well (both sides of the
 * one-by-one threshold).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { normalizeRange } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';
import { PendingWrites } from '../../src/storage/local/pending-writes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dir.js';

after(removeTempDirs);

const N = 20_000;
const rowKey = (i: number): Buffer => Buffer.from(`P/upload/${String(i).padStart(8, '0')}`);

/**
 * Array elements moved by `Array.prototype.splice` while `fn` runs (each call moves the elements
 * after its start): the overlay's cost that grew with the square of a commit's size.
 */
async function splicedWhile<T>(fn: () => Promise<T>): Promise<{ moved: number; value: T }> {
  const splice = Array.prototype.splice;
  let moved = 0;
  Array.prototype.splice = function (this: unknown[], start: number, ...rest: unknown[]) {
    moved += Math.max(0, this.length - (start < 0 ? this.length + start : start));
    return splice.call(this, start, ...(rest as [number, ...unknown[]]));
  } as typeof splice;
  try {
    const value = await fn();
    return { moved, value };
  } finally {
    Array.prototype.splice = splice;
  }
}

test('a transaction writing 20,000 keys costs the overlay linear work, in any key order', { timeout: 180_000 }, async (t) => {
  const dir = await makeTempDir('ccow-large-commit-');
  const backend = await createLocalBackend({ dataDirs: [join(dir.path, 'd0')], mapSize: 1024 * 1024 * 1024 });
  try {
    const value = Buffer.alloc(60, 1);
    const ascending = Array.from({ length: N }, (_, i) => i);
    const orders = { ascending, descending: [...ascending].reverse(), shuffled: [...ascending].sort((a, b) => ((a * 7919) % N) - ((b * 7919) % N)) };
    for (const [name, order] of Object.entries(orders)) {
      const { moved, value: seen } = await splicedWhile(async () => {
        await backend.meta.transaction((tx) => {
          for (const i of order) tx.put(rowKey(i), value);
        });
        // The deletes in key order, as a Complete deletes its part rows.
        const big = backend.meta.transaction((tx) => {
          for (const [k] of [...tx.range({ gte: rowKey(0), lte: rowKey(N) })]) tx.del(k);
        });
        // Started while the delete is in flight: they read through it.
        const readers = [0, 1, 2].map((j) =>
          backend.meta.transaction((tx) => {
            tx.put(Buffer.from(`S/${j}`), value);
            const at = j * (N / 4);
            return [...tx.range({ gte: rowKey(at), lt: rowKey(at + 10), limit: 3, reverse: j === 1 })].length + (tx.get(rowKey(at + 5)) ? 1 : 0);
          }),
        );
        await big;
        return Promise.all(readers);
      });
      assert.deepEqual(seen, [0, 0, 0]);
      for await (const _ of backend.meta.range({ gte: rowKey(0), lte: rowKey(N), limit: 1 })) assert.fail('a deleted row is listed');
      t.diagnostic(`${name}: ${moved} array elements moved by splice`);
      // Linear: a few moves per key at most (N^2 / 2 per commit before: 2 * 10^8 for N = 20,000).
      assert.ok(moved < 20 * N, `${name}: ${moved} array elements moved for a ${N}-key commit`);
    }
  } finally {
    await backend.close();
  }
});

test('the overlay answers like a sorted map through sets, bulk and single releases, and re-sets', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const key = (i: number): Buffer => Buffer.from(`k${String(i).padStart(3, '0')}`);
  const pending = new PendingWrites();
  /** The model: key → [value, owner]. */
  const model = new Map<string, [string | null, number]>();
  /** Each commit's writes (what releaseAll gets). */
  const commits = new Map<number, PendingWrites>();
  let owner = 0;
  for (let step = 0; step < 3000; step++) {
    const op = rnd(10);
    if (op < 5) {
      // A commit of 1..40 keys (both sides of the one-by-one threshold).
      const writes = new PendingWrites();
      const n = 1 + rnd(rnd(4) === 0 ? 40 : 6);
      for (let i = 0; i < n; i++) writes.set(key(rnd(300)), rnd(3) === 0 ? null : Buffer.from(`v${step}.${i}`), 0);
      owner++;
      commits.set(owner, writes);
      for (const e of writes.entries()) {
        pending.set(e.key, e.value, owner);
        model.set(e.key.toString(), [e.value ? e.value.toString() : null, owner]);
      }
    } else if (op < 8 && commits.size > 0) {
      // The oldest commit settles (lmdb-js settles them in order).
      const [o, writes] = commits.entries().next().value as [number, PendingWrites];
      commits.delete(o);
      pending.releaseAll(writes.entries(), o);
      for (const e of writes.entries()) if (model.get(e.key.toString())?.[1] === o) model.delete(e.key.toString());
    } else {
      const a = rnd(320);
      const b = a + rnd(80);
      const r = normalizeRange({ [rnd(2) ? 'gte' : 'gt']: key(a), [rnd(2) ? 'lte' : 'lt']: key(b) });
      const got = pending.between(r).map((e) => `${e.key.toString()}=${e.value ? e.value.toString() : '-'}`);
      const want = [...model.entries()]
        .filter(([k]) => {
          const kb = Buffer.from(k);
          const lo = Buffer.compare(kb, r.lower!.key);
          const hi = Buffer.compare(kb, r.upper!.key);
          return (lo > 0 || (lo === 0 && r.lower!.inclusive)) && (hi < 0 || (hi === 0 && r.upper!.inclusive));
        })
        .sort(([x], [y]) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
        .map(([k, [v]]) => `${k}=${v ?? '-'}`);
      assert.deepEqual(got, want, `step ${step}`);
    }
    assert.equal(pending.size, model.size);
  }
});
