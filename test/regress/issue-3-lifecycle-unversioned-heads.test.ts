/**
 * Issue #3 (a restarted gateway's reads at start and in steady state): the lifecycle worker's hourly
 * pass (the first one at start) walked the name index of every bucket with a rule and decoded every
 * entry, whose value holds the version's embedded VM: for small objects, their inline data. On a
 * scratch store that was 190 MB for 84,000 entries (RssFile +560 MiB). In a never-versioned bucket
 * a key's only visible entry is its newest and its delete markers are quiet (no lifecycle action
 * takes them), so what can be due is a live head's Expiration: the pass walks those buckets' `cur`
 * rows (the head's record, no VM) instead.
 *
 * Here 300 objects of 3 KiB (inline) under a rule that is not due: the pass reads less than a
 * fifth of their data (the records alone are ~300 B a key; before, 1.08 MB); once due, the objects
 * under the rule's prefix expire and the others stay.
 */
import assert from 'node:assert/strict';
import type { LifecycleConfig } from '../../src/engine/index.js';
import type { MetaStore, MetaTx, RangeOptions } from '../../src/storage/contract/index.js';
import { body, bytes, eachBackend } from '../integration/engine/harness.js';

const DAY = 86_400_000;
const KEYS = 300;
const SIZE = 3072;

/** Bytes of the values `fn` reads from `meta` through range scans and visits, in and out of transactions. */
async function bytesRead(meta: MetaStore, fn: () => Promise<unknown>): Promise<number> {
  const real = { range: meta.range.bind(meta), visit: meta.visit.bind(meta), transaction: meta.transaction.bind(meta) };
  let n = 0;
  meta.range = (opts: RangeOptions) => ({
    async *[Symbol.asyncIterator]() {
      for await (const kv of real.range(opts)) {
        n += kv[1].length;
        yield kv;
      }
    },
  });
  meta.visit = (opts, visit) => real.visit(opts, (k, v) => {
    n += v.length;
    return visit(k, v);
  });
  meta.transaction = (<T>(fn2: (tx: MetaTx) => T, o?: Parameters<typeof real.transaction>[1]) => real.transaction((tx) => fn2({
    get: (k) => tx.get(k),
    put: (k, v) => tx.put(k, v),
    del: (k) => tx.del(k),
    *range(r) {
      for (const kv of tx.range(r)) {
        n += kv[1].length;
        yield kv;
      }
    },
  }), o));
  try {
    await fn();
  } finally {
    Object.assign(meta, real);
  }
  return n;
}

eachBackend('the lifecycle pass over a never-versioned bucket reads its heads, not their inline data', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  for (let i = 0; i < KEYS; i++) await e.putObject({ bucket: 'b', key: `${i % 3 === 0 ? 'tmp/' : 'keep/'}${i}` }, body(bytes(SIZE, i + 1)));
  // A quiet marker and a key overwritten: neither is anything to act on but the live head.
  await e.deleteObject({ bucket: 'b', key: 'keep/1' });
  await e.putObject({ bucket: 'b', key: 'keep/2' }, body(bytes(SIZE, 999)));
  const rules: LifecycleConfig = { v: 1, rules: [{ id: 'tmp', status: 'Enabled', filter: { prefix: 'tmp/' }, expiration: { days: 1 } }] };
  await e.putBucketConfig('b', 'lifecycle', rules);
  const w = e.workers().find((x) => x.name === 'lifecycle')!;
  const pass = async (): Promise<void> => {
    for (let i = 0; i < 1000 && (await w.step()) === 'busy'; i++);
  };

  const read = await bytesRead(h.backend.meta, pass);
  assert.ok(read < (KEYS * SIZE) / 5, `a pass with nothing due read ${read} B of values (${KEYS} objects of ${SIZE} B)`);
  assert.equal((await e.listObjects('b', { limit: 1000 })).entries.length, KEYS - 1, 'nothing was due');

  h.clock.advance(2 * DAY + 3_600_001);
  await pass();
  const left = (await e.listObjects('b', { limit: 1000 })).entries.map((o) => o.key);
  assert.equal(left.length, KEYS - 1 - KEYS / 3);
  assert.ok(left.every((k) => k.startsWith('keep/')), 'only the keys under the prefix expired');
  assert.equal((await e.bucketStats('b')).objects, left.length);
});
