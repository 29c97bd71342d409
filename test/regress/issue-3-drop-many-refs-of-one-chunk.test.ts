/**
 * Regress (issue #3, scale hunt): a transaction that drops many back-references of one chunk must
 * cost in proportion to them. dropRef asked "any reference left?" with a scan from the start of the
 * chunk's references, which stepped over every one the same transaction had already deleted: the
 * lifecycle pass that expires a key's noncurrent versions (oldest first) held, for versions of one
 * content (one VM), ~n²/2 rows in one write transaction — 4,000 versions 6.4 s, 10,000 49 s, every
 * other write of the gateway waiting (now 0.2 s and 0.5 s). Counted in rows read inside
 * transactions (those the store steps over included: a transaction's deletes stay among its
 * rows until the commit), never in time.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gcqKey, refKey, Referrer, referrer } from '../../src/engine/keys.js';
import { addRef, dropRef } from '../../src/engine/refs.js';
import type { MetaTx } from '../../src/storage/contract/index.js';
import { body, eachBackend, type Harness } from '../integration/engine/harness.js';

const DAY = 86_400_000;
const N = 300;

/**
 * Run `fn` with every transaction's writes held back until it returns, as the local store holds
 * them (its pending writes, over LMDB's rows): a range merges the rows the store holds with the
 * held writes, so a row the transaction deleted is still stepped over, and counted. `rows`: rows
 * the store's range handed to that merge.
 */
async function counting<T>(h: Harness, fn: () => Promise<T>): Promise<{ rows: number; value: T }> {
  const meta = h.backend.meta;
  const real = meta.transaction.bind(meta);
  let rows = 0;
  meta.transaction = (<R>(f: (tx: MetaTx) => R, o?: Parameters<typeof real>[1]) =>
    real((tx) => {
      const held = new Map<string, Buffer | null>();
      const id = (k: Uint8Array): string => Buffer.from(k).toString('latin1');
      const buffered: MetaTx = {
        get: (k) => {
          const v = held.get(id(k));
          return v === undefined ? tx.get(k) : (v ?? undefined);
        },
        put: (k, v) => void held.set(id(k), Buffer.from(v)),
        del: (k) => void held.set(id(k), null),
        *range(r) {
          const lo = r.gte ?? r.gt;
          const hi = r.lt ?? r.lte;
          const inside = (k: string): boolean =>
            (lo === undefined || (r.gt ? k > id(lo) : k >= id(lo))) && (hi === undefined || (r.lt ? k < id(hi) : k <= id(hi)));
          const mine = [...held].filter(([k]) => inside(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          if (r.reverse) mine.reverse();
          const before = (a: string, b: string): boolean => (r.reverse ? a > b : a < b);
          let left = r.limit ?? Infinity;
          let i = 0;
          for (const [k, v] of tx.range({ ...r, limit: undefined })) {
            rows++;
            const key = id(k);
            for (; i < mine.length && !before(key, mine[i]![0]); i++) {
              const [mk, mv] = mine[i]!;
              if (mk === key || mv === null) continue;
              yield [Buffer.from(mk, 'latin1'), mv];
              if (--left <= 0) return;
            }
            if (held.has(key)) continue;
            yield [k, v];
            if (--left <= 0) return;
          }
          for (; i < mine.length; i++) {
            const [mk, mv] = mine[i]!;
            if (mv === null) continue;
            yield [Buffer.from(mk, 'latin1'), mv];
            if (--left <= 0) return;
          }
        },
      };
      const out = f(buffered);
      for (const [k, v] of held) {
        if (v === null) tx.del(Buffer.from(k, 'latin1'));
        else tx.put(Buffer.from(k, 'latin1'), v);
      }
      return out;
    }, o));
  try {
    const value = await fn();
    return { rows, value };
  } finally {
    meta.transaction = real;
  }
}

eachBackend('lifecycle: expiring many versions of one content reads linearly', async (h) => {
  const e = h.engine;
  await e.createBucket('b', { owner: 't' });
  await e.putBucketConfig('b', 'versioning', 'Enabled');
  const same = Buffer.alloc(6000, 7); // past the inline limit: a stored VM, shared by every version
  for (let i = 0; i < N; i++) await e.putObject({ bucket: 'b', key: 'hot' }, body(same));
  const vms = new Set((await e.listVersions('b', { limit: 1000 })).entries.map((v) => v.vmId));
  assert.equal(vms.size, 1);
  await e.putBucketConfig('b', 'lifecycle', { v: 1, rules: [{ id: 'nc', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: 1 } }] });
  h.clock.advance(5 * DAY);
  const w = e.workers().find((x) => x.name === 'lifecycle')!;
  const { rows } = await counting(h, async () => {
    for (let i = 0; i < 100 && (await w.step()) === 'busy'; i++);
  });
  const left = await e.listVersions('b', { limit: 1000 });
  assert.equal(left.entries.length, 1);
  assert.ok(rows < 10 * N, `${rows} rows read in transactions to expire ${N - 1} versions of one content`);
  // The VM is still referenced by the current version: not queued for GC.
  const vm = Buffer.from([...vms][0]!, 'hex');
  assert.equal(await h.backend.meta.get(gcqKey(vm)), undefined);
});

eachBackend('dropping all references of a chunk in one transaction, in either order, reads linearly and queues it once at the last', async (h) => {
  for (const order of ['ascending', 'descending'] as const) {
    const id = randomBytes(32);
    const refs = Array.from({ length: N }, () => referrer(Referrer.VER, randomBytes(16), randomBytes(16))).sort((a, b) => Buffer.compare(a, b));
    if (order === 'descending') refs.reverse();
    await h.backend.meta.transaction((tx) => refs.forEach((r) => addRef(tx, id, r)));
    const now = h.clock.now();
    // All but the last: still referenced, nothing queued.
    const most = await counting(h, () => h.backend.meta.transaction((tx) => refs.slice(0, -1).forEach((r) => dropRef(tx, id, r, now))));
    assert.ok(most.rows < 4 * N, `${order}: ${most.rows} rows read to drop ${N - 1} references`);
    assert.equal(await h.backend.meta.get(gcqKey(id)), undefined, order);
    assert.ok(await h.backend.meta.get(refKey(id, refs.at(-1)!)), order);
    // The last one: unreferenced, queued.
    await h.backend.meta.transaction((tx) => dropRef(tx, id, refs.at(-1)!, now));
    assert.ok(await h.backend.meta.get(gcqKey(id)), order);
  }
});
